import { DURABLE, JSON_VALUE, getJson, rangeJson, rangeKeys, type Db } from '../db.js';
import { BatchOps } from '../batch-ops.js';
import {
  STAGED_RANGE, chunkOfStagedKey, isStagedMetaKey, stagedBatchRange, stagedCountKey, stagedCountsRange, stagedMetaKey,
  stagedPortsKey, stagedPricesKey, stagedPricesRange, stagedRefsKey
} from '../encoding/keys.js';
import { encodePorts } from '../encoding/price-codec.js';
import { NamedSharedLock } from '../util/locks.js';
import type { EncodedChunk } from './chunk-builder.js';
import { stagedSource, type BatchSource } from './batch-source.js';
import { Staging, type StagedBatchInfo, type StagingOptions } from './staging.js';

interface StagedMeta {
  batchId: string;
  createdAt: string;
  /** Set by `write()`: such a batch is removed at open if a crash interrupted it. */
  internal?: boolean;
}

/**
 * Staged batches in the store's own database (keys s\0…, see encoding/keys.ts). Chunks of one batch
 * may be added in parallel (a shared lock per batch), but not while it is being committed or
 * aborted (an exclusive one). A commit deletes the chunks in the same atomic write that makes the
 * batch visible (the source's `stagedKeys`).
 */
export class LocalStaging extends Staging {
  readonly #db: Db;
  readonly #ops: BatchOps;
  readonly #locks = new NamedSharedLock();
  readonly #chunkCounters = new Map<string, Promise<{ next: number }>>();

  constructor(db: Db, options: StagingOptions) {
    super(options);
    this.#db = db;
    this.#ops = new BatchOps(db);
  }

  /** A write() interrupted by a crash cannot be resumed by anyone: drops what it staged. */
  async open(): Promise<void> {
    for (const meta of await this.#metas()) if (meta.internal === true) await this.delete(meta.batchId);
  }

  exclusive<T>(batchId: string, task: () => Promise<T>): Promise<T> {
    return this.#locks.exclusive(batchId, task);
  }

  shared<T>(batchId: string, task: () => Promise<T>): Promise<T> {
    return this.#locks.shared(batchId, task);
  }

  async has(batchId: string): Promise<boolean> {
    return (await this.#meta(batchId)) !== undefined;
  }

  async begin(batchId: string): Promise<boolean> {
    if (await this.has(batchId)) return false;
    await this.#putMeta(batchId, false);
    return true;
  }

  source(batchId: string): BatchSource {
    return stagedSource(this.#db, batchId, true);
  }

  async delete(batchId: string): Promise<void> {
    this.#chunkCounters.delete(batchId);
    const keys = await rangeKeys(this.#db, stagedBatchRange(batchId));
    if (keys.length === 0) return;
    // One atomic write: an abort is acknowledged, so it is fsynced like every acknowledged write.
    const batch = this.#db.batch();
    for (const key of keys) this.#ops.del(batch, key);
    await batch.write(DURABLE);
  }

  async dropAbandonedWrite(batchId: string): Promise<boolean> {
    if ((await this.#meta(batchId))?.internal !== true) return false;
    await this.delete(batchId);
    return true;
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

  protected async _beginInternal(batchId: string): Promise<void> {
    await this.#putMeta(batchId, true);
  }

  protected _collectedSource(batchId: string): BatchSource {
    return stagedSource(this.#db, batchId, false);
  }

  protected async _nextChunk(batchId: string): Promise<number> {
    let counter = this.#chunkCounters.get(batchId);
    if (counter === undefined) {
      counter = this.#chunks(batchId).then((chunks) => ({ next: chunks.length === 0 ? 0 : chunks[chunks.length - 1]! + 1 }));
      this.#chunkCounters.set(batchId, counter);
    }
    const state = await counter;
    return state.next++;
  }

  protected async _putChunk(batchId: string, chunk: number, encoded: EncodedChunk, acknowledged: boolean): Promise<void> {
    const batch = this.#db.batch();
    this.#ops.bytes(batch, stagedPricesKey(batchId, chunk), encoded.prices);
    this.#ops.bytes(batch, stagedPortsKey(batchId, chunk), encodePorts(encoded.ports));
    if (encoded.refs.length > 0) this.#ops.json(batch, stagedRefsKey(batchId, chunk), JSON.stringify(encoded.refs));
    else this.#ops.del(batch, stagedRefsKey(batchId, chunk));
    this.#ops.json(batch, stagedCountKey(batchId, chunk), JSON.stringify(encoded.items));
    await batch.write(durability(acknowledged));
    const counter = this.#chunkCounters.get(batchId);
    if (counter !== undefined) {
      const state = await counter;
      state.next = Math.max(state.next, chunk + 1);
    }
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
    await this.#db.put(stagedMetaKey(batchId), JSON.stringify(meta), { ...JSON_VALUE, ...durability(!internal) });
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
}

/**
 * A chunk added with addChunk() is acknowledged to its sender, who may then drop it: it is fsynced.
 * The chunks write() stages are acknowledged to no one (a crash fails the write, and open() drops
 * them), so syncing them would only slow the write; its commit is synced as always.
 */
function durability(acknowledged: boolean): { sync: boolean } {
  return { sync: acknowledged };
}
