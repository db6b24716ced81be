/**
 * The upload algorithm both clients share: chunking, bounded parallelism, progress, abort, resume.
 * The clients provide the transport (HTTP requests or calls on an in-process store).
 *
 * @internal
 * @module
 */
import { BATCH_ID_RULE, isBatchId } from '@ratestore/core/contract';
import { RatestoreClientError, abortedError, invalidArgument, throwIfAborted, type ItemIssue } from './errors.js';
import type { BatchItem, CommitResult, UploadItems, UploadOptions, UploadProgress, UploadResult, UploadStatus } from './types.js';

/** @internal What a client must provide for {@link uploadBatch}. */
export interface UploadTransport {
  /** Commits a whole (small) batch in one call, idempotent by batch id. */
  writeBatch(items: BatchItem[], batchId: string, signal: AbortSignal): Promise<CommitResult>;
  /** Creates the staged upload or finds it (with the chunks it holds), or finds the batch committed. */
  beginUpload(batchId: string, signal: AbortSignal): Promise<UploadStatus>;
  /** Stages chunk `chunk`; sending the same number again replaces it. */
  putChunk(batchId: string, chunk: number, items: BatchItem[], signal: AbortSignal): Promise<void>;
  /** Commits the staged upload, idempotent. */
  commitUpload(batchId: string, signal: AbortSignal): Promise<CommitResult>;
  /** Drops the staged upload, best effort (used after a rejection or an abort). */
  discardUpload(batchId: string): Promise<void>;
}

/** Default items per chunk of `uploadBatch` (and the most items it sends in one request). */
export const DEFAULT_CHUNK_SIZE: number = 10_000;
/** Default chunks in flight at once during `uploadBatch`. */
export const DEFAULT_CONCURRENCY: number = 3;

/** @internal A random batch id (a UUID where the platform has one). */
export function randomBatchId(): string {
  const crypto = (globalThis as { crypto?: { randomUUID?: () => string; getRandomValues?: (a: Uint8Array) => Uint8Array } }).crypto;
  if (typeof crypto?.randomUUID === 'function') return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof crypto?.getRandomValues === 'function') crypto.getRandomValues(bytes);
  else for (let i = 0; i < 16; i++) bytes[i] = Math.floor(Math.random() * 256);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** @internal Checks a batch id by the contract's rule, which the store applies too, so both clients refuse the same ids the same way. */
export function checkBatchId(batchId: unknown): string {
  if (!isBatchId(batchId)) throw invalidArgument('batchId', `must be ${BATCH_ID_RULE}`);
  return batchId;
}

function positiveInteger(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw invalidArgument(field, `must be an integer of at least 1, got ${JSON.stringify(value) ?? 'nothing'}`);
  return value;
}

/** The items in arrays of `size` (the last one shorter), read lazily from any (async) iterable. */
async function* chunksOf(items: UploadItems, size: number): AsyncGenerator<BatchItem[]> {
  let chunk: BatchItem[] = [];
  if (items !== null && typeof items === 'object' && Symbol.asyncIterator in items) {
    for await (const item of items as AsyncIterable<BatchItem>) {
      chunk.push(item);
      if (chunk.length === size) {
        yield chunk;
        chunk = [];
      }
    }
  } else if (items !== null && typeof items === 'object' && Symbol.iterator in items) {
    for (const item of items as Iterable<BatchItem>) {
      chunk.push(item);
      if (chunk.length === size) {
        yield chunk;
        chunk = [];
      }
    }
  } else {
    throw invalidArgument('items', 'must be an array, an iterable, an async iterable or a readable stream');
  }
  if (chunk.length > 0) yield chunk;
}

/** A rejected batch's error with every issue's index made batch-wide and the item attached when held. */
function withItems(error: RatestoreClientError, itemsOfChunk: (chunk: number | undefined) => BatchItem[] | undefined, chunkSize: number, defaultChunk?: number): RatestoreClientError {
  if (error.code !== 'RATESTORE_INVALID_BATCH' || error.issues === undefined) return error;
  const issues: ItemIssue[] = error.issues.map((issue) => {
    const chunk = issue.chunk ?? defaultChunk;
    const held = itemsOfChunk(chunk)?.[issue.index];
    const index = chunk === undefined ? issue.index : chunk * chunkSize + issue.index;
    return { ...issue, index, ...(chunk === undefined ? {} : { chunk }), ...(held === undefined ? {} : { item: held }) };
  });
  return new RatestoreClientError(error.code, error.message, {
    ...(error.status === undefined ? {} : { status: error.status }),
    ...(error.parameter === undefined ? {} : { parameter: error.parameter }),
    ...(error.field === undefined ? {} : { field: error.field }),
    issues,
    issueCount: error.issueCount ?? issues.length,
    ...(error.requestId === undefined ? {} : { requestId: error.requestId }),
    ...(error.attempts === undefined ? {} : { attempts: error.attempts }),
    cause: error
  });
}

/**
 * @internal Uploads one atomic batch through `transport`; see `RatestoreApi.uploadBatch`.
 *
 * - At most `chunkSize` items: one `writeBatch` call.
 * - More: a staged upload. Chunk n holds items `[n * chunkSize, (n + 1) * chunkSize)`; chunks the
 *   store already holds (an earlier attempt with this batch id) are skipped; up to `concurrency`
 *   chunks are in flight; then one commit.
 * - No items at all: `RATESTORE_EMPTY_BATCH`, before any request.
 * - A rejected batch (or chunk) discards the staged upload and throws `RATESTORE_INVALID_BATCH`
 *   with batch-wide item indexes; an abort discards it too and throws `RATESTORE_ABORTED`; any
 *   other failure keeps the staged chunks so the same call can resume later.
 */
export async function uploadBatch(transport: UploadTransport, items: UploadItems, options: UploadOptions = {}): Promise<UploadResult> {
  if (options === null || typeof options !== 'object') throw invalidArgument('options', 'must be an object');
  const batchId = options.batchId === undefined ? randomBatchId() : checkBatchId(options.batchId);
  const chunkSize = positiveInteger(options.chunkSize ?? DEFAULT_CHUNK_SIZE, 'chunkSize');
  const concurrency = positiveInteger(options.concurrency ?? DEFAULT_CONCURRENCY, 'concurrency');
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') throw invalidArgument('onProgress', 'must be a function');
  const userSignal = options.signal;
  throwIfAborted(userSignal);

  // One controller for the whole upload: the caller's abort and our own failure both stop every request.
  const controller = new AbortController();
  const onUserAbort = () => controller.abort(userSignal!.reason);
  userSignal?.addEventListener('abort', onUserAbort, { once: true });
  const signal = controller.signal;

  const progress: UploadProgress = { batchId, phase: 'uploading', itemsSent: 0, itemsAcknowledged: 0, chunksSent: 0, chunksAcknowledged: 0, chunksSkipped: 0 };
  const report = () => {
    if (options.onProgress === undefined) return;
    try {
      options.onProgress({ ...progress });
    } catch {
      // A failing progress callback must not fail the upload.
    }
  };
  const aborted = () => userSignal?.aborted === true;
  let staged = false;

  try {
    const chunks = chunksOf(items, chunkSize);
    const first = await chunks.next();
    throwIfAborted(userSignal);
    const firstItems = first.done === true ? [] : first.value;
    // The store refuses a batch without items; say so before sending anything.
    if (firstItems.length === 0) throw new RatestoreClientError('RATESTORE_EMPTY_BATCH', `batch ${batchId} has no items; nothing was sent`, { field: 'items' });
    const second = firstItems.length < chunkSize ? { done: true as const, value: undefined } : await chunks.next();
    throwIfAborted(userSignal);

    if (second.done === true) {
      // Small batch: one request.
      progress.itemsSent = firstItems.length;
      progress.chunksSent = 1;
      report();
      let result: CommitResult;
      try {
        result = await transport.writeBatch(firstItems, batchId, signal);
      } catch (error) {
        throw error instanceof RatestoreClientError ? withItems(error, () => firstItems, chunkSize) : error;
      }
      progress.itemsAcknowledged = firstItems.length;
      progress.chunksAcknowledged = 1;
      progress.phase = 'committed';
      report();
      return result;
    }

    const status = await transport.beginUpload(batchId, signal);
    if (status.state === 'committed') {
      progress.phase = 'committed';
      report();
      return status.result;
    }
    staged = true;
    const held = new Set(status.chunks);
    const inflight = new Map<number, { items: BatchItem[]; done: Promise<void> }>();
    let failure: { error: unknown; chunk: number } | undefined;

    const send = (number: number, chunkItems: BatchItem[]) => {
      progress.chunksSent++;
      progress.itemsSent += chunkItems.length;
      report();
      const done = transport.putChunk(batchId, number, chunkItems, signal).then(
        () => {
          inflight.delete(number);
          progress.chunksAcknowledged++;
          progress.itemsAcknowledged += chunkItems.length;
          report();
        },
        (error: unknown) => {
          if (failure === undefined) {
            failure = { error, chunk: number };
            controller.abort(error);
          } else inflight.delete(number);
        }
      );
      inflight.set(number, { items: chunkItems, done });
    };

    // The two chunks read to tell a small batch from a large one go first, then the rest as read.
    const peeked: BatchItem[][] = [firstItems, second.value];
    const nextChunk = async (): Promise<BatchItem[] | undefined> => {
      if (peeked.length > 0) return peeked.shift();
      const next = await chunks.next();
      return next.done === true ? undefined : next.value;
    };
    let number = 0;
    for (;;) {
      // A free slot first, so no more than `concurrency` chunks are in flight (and one more is read).
      while (inflight.size >= concurrency && failure === undefined) await Promise.race([...inflight.values()].map((entry) => entry.done));
      if (failure !== undefined || aborted()) break;
      const chunkItems = await nextChunk();
      if (chunkItems === undefined) break;
      if (held.has(number)) {
        progress.chunksSkipped++;
        progress.chunksAcknowledged++;
        progress.itemsAcknowledged += chunkItems.length;
        report();
      } else send(number, chunkItems);
      number++;
    }
    await Promise.all([...inflight.values()].map((entry) => entry.done));
    throwIfAborted(userSignal);
    if (failure !== undefined) {
      const { error, chunk } = failure;
      const chunkItems = inflight.get(chunk)?.items;
      throw error instanceof RatestoreClientError ? withItems(error, (n) => (n === chunk ? chunkItems : undefined), chunkSize, chunk) : error;
    }
    const beyond = [...held].filter((n) => n >= number);
    if (beyond.length > 0) {
      throw invalidArgument('items', `make ${number} chunk(s) of ${chunkSize}, but the store holds chunk(s) ${beyond.join(', ')} of batch ${batchId} from an earlier attempt: resume with the same items and chunkSize, or abortUpload('${batchId}') first`);
    }

    progress.phase = 'committing';
    report();
    let result: CommitResult;
    try {
      result = await transport.commitUpload(batchId, signal);
    } catch (error) {
      throw error instanceof RatestoreClientError ? withItems(error, () => undefined, chunkSize) : error;
    }
    progress.phase = 'committed';
    report();
    return result;
  } catch (error) {
    // Stop whatever is still in flight (a failing source leaves chunks in flight).
    controller.abort(error);
    if (aborted()) {
      if (staged) await transport.discardUpload(batchId).catch(() => undefined);
      throw abortedError(userSignal!);
    }
    if (staged && error instanceof RatestoreClientError && error.code === 'RATESTORE_INVALID_BATCH') {
      // A rejected batch must not be resumed with its bad chunks: drop what was staged.
      await transport.discardUpload(batchId).catch(() => undefined);
    }
    throw error;
  } finally {
    userSignal?.removeEventListener('abort', onUserAbort);
  }
}
