import { IssueList, RatestoreError } from '../errors.js';
import { DURABLE, JSON_VALUE, getJson, rangeJson, rangeKeys, type Db } from '../db.js';
import { BatchOps } from '../batch-ops.js';
import {
  STAGED_RANGE, chunkOfStagedKey, isStagedMetaKey, stagedBatchRange, stagedCountKey, stagedCountsRange, stagedMetaKey,
  stagedPortsKey, stagedPricesKey, stagedPricesRange, stagedRefsKey
} from '../encoding/keys.js';
import { encodePorts } from '../encoding/price-codec.js';
import { itemsOf } from '../validate/arguments.js';
import { NamedSharedLock } from '../util/locks.js';
import { ChunkBuilder, type EncodedChunk } from './chunk-builder.js';
import { memorySource, stagedSource, type BatchSource } from './batch-source.js';

export interface AddChunkResult {
  batchId: string;
  chunk: number;
  /** Items in this chunk. */
  items: number;
}

export interface StagedBatchInfo {
  batchId: string;
  createdAt: string;
  /** Chunk numbers staged so far, ascending. */
  chunks: number[];
  /** Items staged so far, in all chunks. */
  items: number;
}

/** The items of a `write()`, validated and ready to commit. */
export interface CollectedBatch {
  source: BatchSource;
  /** Problems of the items' formats: the commit checks the batch as a whole, then refuses it. */
  issues: IssueList;
  /** Drops what is left staged once the batch is committed, or when it will not be. */
  discard(): Promise<void>;
}

interface StagedMeta {
  batchId: string;
  createdAt: string;
  /** Set by `write()`: such a batch is removed at open if a crash interrupted it. */
  internal?: boolean;
}

export interface StagingOptions {
  chunkSize: number;
  maxIssues: number;
}

/**
 * Staged batches in the store's own database: validated chunks that no read sees until the batch
 * is committed. Chunks of one batch may be added in parallel (a shared lock per batch), but not
 * while it is being committed or aborted (an exclusive one). Whether a batch is already committed
 * is the store's knowledge, not staging's: callers check it first.
 */
export class LocalStaging {
  readonly #db: Db;
  readonly #ops: BatchOps;
  readonly #options: StagingOptions;
  readonly #locks = new NamedSharedLock();
  readonly #chunkCounters = new Map<string, Promise<{ next: number }>>();

  constructor(db: Db, options: StagingOptions) {
    this.#db = db;
    this.#ops = new BatchOps(db);
    this.#options = options;
  }

  /** Runs `task` while no other task holds `batchId` (commits, aborts, begins, writes). */
  exclusive<T>(batchId: string, task: () => Promise<T>): Promise<T> {
    return this.#locks.exclusive(batchId, task);
  }

  /** Runs `task` beside other shared tasks on `batchId` (adding chunks). */
  shared<T>(batchId: string, task: () => Promise<T>): Promise<T> {
    return this.#locks.shared(batchId, task);
  }

  async has(batchId: string): Promise<boolean> {
    return (await this.#meta(batchId)) !== undefined;
  }

  /** Starts a staged batch; false when one was staged under that id already. */
  async begin(batchId: string): Promise<boolean> {
    if (await this.has(batchId)) return false;
    await this.#putMeta(batchId, false);
    return true;
  }

  /** Validates and stages one chunk of a begun batch; `requested` defaults to the next number. */
  async add(batchId: string, items: unknown, requested: number | undefined): Promise<AddChunkResult> {
    if (!(await this.has(batchId))) throw unknownBatch(batchId);
    const issues = new IssueList(this.#options.maxIssues);
    const builder = new ChunkBuilder(issues, requested);
    let index = 0;
    for await (const slice of itemsOf(items)) for (const item of slice) builder.add(item, index++);
    issues.throwIfAny(`chunk${requested === undefined ? '' : ` ${requested}`} of batch ${batchId}`);
    const chunk = requested ?? (await this.#nextChunk(batchId));
    await this.#putChunk(batchId, chunk, builder.take(), false);
    return { batchId, chunk, items: index };
  }

  /**
   * Validates the items of a one-call write. A batch of one chunk stays in memory; a larger one is
   * staged chunk by chunk, so that it is never held whole, and is dropped at open if a crash
   * interrupts the write. The last full chunk is held back until it is known not to be the only one.
   */
  async collect(batchId: string, items: unknown): Promise<CollectedBatch> {
    const { chunkSize } = this.#options;
    const issues = new IssueList(this.#options.maxIssues);
    const builder = new ChunkBuilder(issues, undefined, chunkSize);
    let held: EncodedChunk | undefined;
    let staged = 0;
    const stage = async (chunk: EncodedChunk): Promise<void> => {
      if (staged === 0) await this.#putMeta(batchId, true);
      await this.#putChunk(batchId, staged++, chunk, true);
    };
    const discard = async (): Promise<void> => {
      if (staged > 0) await this.delete(batchId);
    };
    try {
      let index = 0;
      for await (const slice of itemsOf(items)) {
        for (const item of slice) {
          builder.add(item, index++);
          if (builder.size >= chunkSize) {
            if (held !== undefined) await stage(held);
            held = builder.take();
          }
        }
      }
      if (held === undefined || builder.size > 0) {
        if (held !== undefined) await stage(held);
        held = builder.take();
      }
      if (staged === 0) return { source: memorySource([held]), issues, discard };
      await stage(held);
      return { source: stagedSource(this.#db, batchId, false), issues, discard };
    } catch (error) {
      await discard();
      throw error;
    }
  }

  /**
   * The data of a staged batch, for a commit: its chunks are deleted in the commit's last write
   * (call `delete()` after the commit all the same: a shared log's follower may have applied the
   * entry first, from the log's copy).
   */
  source(batchId: string): BatchSource {
    return stagedSource(this.#db, batchId, true);
  }

  /** Deletes a staged batch in one write; resolves false when none was staged. */
  async abort(batchId: string): Promise<boolean> {
    if (!(await this.has(batchId))) return false;
    await this.delete(batchId);
    return true;
  }

  /** Deletes whatever is staged under `batchId` (a commit's last write usually took it already). */
  async delete(batchId: string): Promise<void> {
    this.#chunkCounters.delete(batchId);
    const keys = await rangeKeys(this.#db, stagedBatchRange(batchId));
    if (keys.length === 0) return;
    // One atomic write: an abort is acknowledged, so it is fsynced like every acknowledged write.
    const batch = this.#db.batch();
    for (const key of keys) this.#ops.del(batch, key);
    await batch.write(DURABLE);
  }

  async info(batchId: string): Promise<StagedBatchInfo | undefined> {
    const meta = await this.#meta(batchId);
    return meta === undefined ? undefined : this.#info(meta);
  }

  async list(): Promise<StagedBatchInfo[]> {
    const batches: StagedBatchInfo[] = [];
    for (const meta of await this.#metas()) batches.push(await this.#info(meta));
    return batches;
  }

  /** A write() interrupted by a crash cannot be resumed by anyone: drops what it staged. */
  async dropInterrupted(): Promise<void> {
    for (const meta of await this.#metas()) if (meta.internal === true) await this.delete(meta.batchId);
  }

  async #info({ batchId, createdAt }: StagedMeta): Promise<StagedBatchInfo> {
    const counts = await rangeJson<number>(this.#db, stagedCountsRange(batchId));
    return { batchId, createdAt, chunks: await this.#chunks(batchId), items: counts.reduce((sum, [, items]) => sum + items, 0) };
  }

  async #meta(batchId: string): Promise<StagedMeta | undefined> {
    return getJson<StagedMeta>(this.#db, stagedMetaKey(batchId));
  }

  async #putMeta(batchId: string, internal: boolean): Promise<void> {
    const meta: StagedMeta = { batchId, createdAt: new Date().toISOString(), ...(internal ? { internal } : {}) };
    await this.#db.put(stagedMetaKey(batchId), JSON.stringify(meta), { ...JSON_VALUE, ...durability(internal) });
  }

  /** The meta records of staged batches (their chunks share the range and are not JSON: skip them). */
  async #metas(): Promise<StagedMeta[]> {
    const metas: StagedMeta[] = [];
    for (const key of await rangeKeys(this.#db, STAGED_RANGE)) {
      if (!isStagedMetaKey(key)) continue;
      const meta = await getJson<StagedMeta>(this.#db, key);
      if (meta !== undefined) metas.push(meta);
    }
    return metas;
  }

  async #chunks(batchId: string): Promise<number[]> {
    return (await rangeKeys(this.#db, stagedPricesRange(batchId))).map(chunkOfStagedKey);
  }

  async #nextChunk(batchId: string): Promise<number> {
    let counter = this.#chunkCounters.get(batchId);
    if (counter === undefined) {
      counter = this.#chunks(batchId).then((chunks) => ({ next: chunks.length === 0 ? 0 : chunks[chunks.length - 1]! + 1 }));
      this.#chunkCounters.set(batchId, counter);
    }
    const state = await counter;
    return state.next++;
  }

  async #putChunk(batchId: string, chunk: number, encoded: EncodedChunk, internal: boolean): Promise<void> {
    const batch = this.#db.batch();
    this.#ops.bytes(batch, stagedPricesKey(batchId, chunk), encoded.prices);
    this.#ops.bytes(batch, stagedPortsKey(batchId, chunk), encodePorts(encoded.ports));
    if (encoded.refs.length > 0) this.#ops.json(batch, stagedRefsKey(batchId, chunk), JSON.stringify(encoded.refs));
    else this.#ops.del(batch, stagedRefsKey(batchId, chunk));
    this.#ops.json(batch, stagedCountKey(batchId, chunk), JSON.stringify(encoded.items));
    await batch.write(durability(internal));
    const counter = this.#chunkCounters.get(batchId);
    if (counter !== undefined) {
      const state = await counter;
      state.next = Math.max(state.next, chunk + 1);
    }
  }
}

/**
 * A chunk added with addChunk() is acknowledged to its sender, who may then drop it: it is fsynced.
 * The chunks write() stages are acknowledged to no one (a crash fails the write, and open() drops
 * them), so syncing them would only slow the write; its commit is synced as always.
 */
function durability(internal: boolean): { sync: boolean } {
  return { sync: !internal };
}

export function unknownBatch(batchId: string): RatestoreError {
  return new RatestoreError('RATESTORE_UNKNOWN_BATCH', `batch ${batchId} was not begun (or was aborted)`, { field: 'batchId' });
}
