import { IssueList, RatestoreError } from '../errors.js';
import { itemsOf } from '../validate/arguments.js';
import { ChunkBuilder, type EncodedChunk } from './chunk-builder.js';
import { memorySource, type BatchSource } from './batch-source.js';
import { FileSpill } from './file-spill.js';
import type { AddChunkResult, StagedBatchInfo } from '../contract/results.js';

export type { AddChunkResult, StagedBatchInfo } from '../contract/results.js';

/** The items of a `write()`, validated and ready to commit. */
export interface CollectedBatch {
  source: BatchSource;
  /** Problems of the items' formats: the commit checks the batch as a whole, then refuses it. */
  issues: IssueList;
  /** Drops what is left staged once the batch is committed, or when it will not be. */
  discard(): Promise<void>;
}

/** The chunks of a one-call write beyond its first, kept until its commit (see `collect`). */
interface KeptChunks {
  append(chunk: EncodedChunk): Promise<void>;
  source(): BatchSource;
  /** Drops them, once the batch is committed (or will not be). */
  discard(): Promise<void>;
}

export interface StagingOptions {
  chunkSize: number;
  /** Where `collect()` spills the chunks of a larger batch (a temporary file); undefined: staged like an upload's. */
  spillDirectory?: string | undefined;
  /** How many problems a rejected chunk or batch lists, in all and of any one item. */
  maxIssues: number;
  maxIssuesPerItem: number;
}

/**
 * Where batches wait, validated and encoded, until they are committed: the store's own database
 * (LocalStaging) or a store shared by several nodes (cluster mode). Nothing staged is visible to
 * reads. In the manner of abstract-level, the public methods here validate and encode items the
 * same way for every implementation, then hand clean chunks to the `_` methods that store them.
 *
 * Whether a batch is already committed is the store's knowledge, not staging's: callers check it.
 */
export abstract class Staging {
  protected readonly options: StagingOptions;

  constructor(options: StagingOptions) {
    this.options = options;
  }

  /** Called once by the store's open(): drops what writes interrupted by a crash staged. */
  abstract open(): Promise<void>;
  /** Runs `task` while no other task holds `batchId` (commits, aborts, begins, writes). */
  abstract exclusive<T>(batchId: string, task: () => Promise<T>): Promise<T>;
  /** Runs `task` beside other shared tasks on `batchId` (adding chunks). */
  abstract shared<T>(batchId: string, task: () => Promise<T>): Promise<T>;
  abstract has(batchId: string): Promise<boolean>;
  /** Starts a staged batch; false when one was staged under that id already. */
  abstract begin(batchId: string): Promise<boolean>;
  /**
   * The data of a staged batch, for a commit. Call `delete()` once it is committed: a local commit
   * takes its chunks in its last write, but a shared log's follower may have applied it first.
   */
  abstract source(batchId: string): BatchSource;
  /** Deletes whatever is staged under `batchId`. */
  abstract delete(batchId: string): Promise<void>;
  /**
   * Deletes what a one-call write staged under `batchId` and left behind, and resolves whether there
   * was such a batch (an upload is left alone). A write leaves it when its commit fails and so does
   * the clean-up (a shared staging that cannot be reached). Called under the batch's exclusive lock,
   * which every write of the batch holds from start to end: no write of it can be under way.
   */
  abstract dropAbandonedWrite(batchId: string): Promise<boolean>;
  abstract info(batchId: string): Promise<StagedBatchInfo | undefined>;
  abstract list(): Promise<StagedBatchInfo[]>;

  /** Stores a chunk; `acknowledged` chunks were acknowledged to a client and must be durable. */
  protected abstract _putChunk(batchId: string, chunk: number, encoded: EncodedChunk, acknowledged: boolean): Promise<void>;
  /** The chunk number after the highest staged so far. */
  protected abstract _nextChunk(batchId: string): Promise<number>;
  /** Starts a batch for a one-call write: dropped by `open()` if a crash interrupts the write. */
  protected abstract _beginInternal(batchId: string): Promise<void>;
  /** The data of a batch staged by `collect()`, indexed as one batch. */
  protected abstract _collectedSource(batchId: string): BatchSource;

  /** Validates and stages one chunk of a begun batch; `requested` defaults to the next number. */
  async add(batchId: string, items: unknown, requested: number | undefined): Promise<AddChunkResult> {
    if (!(await this.has(batchId))) throw unknownBatch(batchId);
    const issues = new IssueList(this.options);
    const builder = new ChunkBuilder(issues, requested);
    let index = 0;
    for await (const slice of itemsOf(items)) for (const item of slice) builder.add(item, index++);
    issues.throwIfAny(`chunk${requested === undefined ? '' : ` ${requested}`} of batch ${batchId}`);
    const chunk = requested ?? (await this._nextChunk(batchId));
    await this._putChunk(batchId, chunk, builder.take(), true);
    return { batchId, chunk, items: index };
  }

  /**
   * Validates the items of a one-call write. A batch of one chunk stays in memory; a larger one is
   * staged chunk by chunk, so that it is never held whole. The last full chunk is held back until
   * it is known not to be the only one.
   */
  async collect(batchId: string, items: unknown): Promise<CollectedBatch> {
    const { chunkSize } = this.options;
    const issues = new IssueList(this.options);
    const builder = new ChunkBuilder(issues, undefined, chunkSize);
    let held: EncodedChunk | undefined;
    // Where the chunks go once there is more than one, made with the second.
    let kept: KeptChunks | undefined;
    const keep = async (chunk: EncodedChunk): Promise<void> => {
      kept ??= await this.#keptChunks(batchId);
      await kept.append(chunk);
    };
    const discard = async (): Promise<void> => {
      await kept?.discard();
    };
    try {
      let index = 0;
      for await (const slice of itemsOf(items)) {
        for (const item of slice) {
          builder.add(item, index++);
          if (builder.size >= chunkSize) {
            if (held !== undefined) await keep(held);
            held = builder.take();
          }
        }
      }
      if (held === undefined || builder.size > 0) {
        if (held !== undefined) await keep(held);
        held = builder.take();
      }
      if (kept === undefined) return { source: memorySource([held]), issues, discard };
      await keep(held);
      return { source: kept.source(), issues, discard };
    } catch (error) {
      await discard();
      throw error;
    }
  }

  /**
   * Where a one-call write keeps its chunks until its commit: a file of their own in the spill
   * directory (FileSpill), or else this staging, as a batch that `open()` drops after a crash.
   */
  async #keptChunks(batchId: string): Promise<KeptChunks> {
    const { spillDirectory } = this.options;
    if (spillDirectory !== undefined) {
      const spill = await FileSpill.create(spillDirectory);
      return { append: (chunk) => spill.append(chunk), source: () => spill.source(), discard: () => spill.close() };
    }
    await this._beginInternal(batchId);
    let chunks = 0;
    return {
      append: (chunk) => this._putChunk(batchId, chunks++, chunk, false),
      source: () => this._collectedSource(batchId),
      discard: () => this.delete(batchId)
    };
  }

  /** Deletes a staged batch; resolves false when none was staged. */
  async abort(batchId: string): Promise<boolean> {
    if (!(await this.has(batchId))) return false;
    await this.delete(batchId);
    return true;
  }
}

export function unknownBatch(batchId: string): RatestoreError {
  return new RatestoreError('RATESTORE_UNKNOWN_BATCH', `batch ${batchId} was not begun (or was aborted)`, { field: 'batchId' });
}
