import type { AbstractChainedBatch } from 'abstract-level';
import { DURABLE, type Db } from '../db.js';
import { BatchOps } from '../batch-ops.js';
import { yieldToEventLoop } from '../util/yield.js';
import { partRecords, type EncodedPart } from './pair-aggregator.js';

const PUTS_BETWEEN_YIELDS = 4096;

export interface RecordWriterOptions {
  /** Operations per write. */
  maxOps?: number;
  /** Writes started and not yet finished, at most. */
  maxInFlight?: number;
}

/**
 * Writes many keys as a sequence of bounded chained batches. LevelDB array batches of a million
 * operations take ~900 MB and block the event loop; chained batches of a few thousand do neither.
 * A batch is written only at `boundary()` calls, so callers keep related changes atomic.
 *
 * Full batches are written while the caller goes on building the next ones (LevelDB writes on
 * its own threads), a few at a time, and they may land in any order: nothing but `flush()` may
 * depend on another batch having landed. `flush()` writes what is pending only once every earlier
 * batch has landed, so the caller's last operations (a commit marker) land after all the others.
 */
export class RecordWriter {
  readonly #db: Db;
  readonly #maxOps: number;
  readonly #maxInFlight: number;
  readonly #ops: BatchOps;
  readonly #stamps: Array<[string, string]> = [];
  #batch: AbstractChainedBatch<Db, string, Uint8Array> | undefined;
  readonly #inFlight: Array<Promise<void>> = [];

  /**
   * Each write is fsynced, and LevelDB joins writes that wait together into one, so small batches
   * cost few extra syncs. Batches of 2,048 operations, two in flight, let LevelDB write while the
   * next batch is built: a 50,000-price commit's records land ~10 ms sooner than in batches of
   * 16,384 written one at a time (measured). At 32k and 64k operations a batch, reads right after
   * a commit slowed down and the event loop stalled (measured).
   */
  constructor(db: Db, options: RecordWriterOptions = {}) {
    this.#db = db;
    this.#maxOps = options.maxOps ?? 2048;
    this.#maxInFlight = options.maxInFlight ?? 2;
    this.#ops = new BatchOps(db);
  }

  /**
   * A JSON value put into every batch this writer writes, from now on and into the one pending:
   * batches land in any order, so whichever lands first must carry it (e.g. the transaction id
   * that the records belong to, which must be stored before any of them is).
   */
  stamp(key: string, value: string): void {
    this.#stamps.push([key, value]);
    if (this.#batch !== undefined) this.#ops.json(this.#batch, key, value);
  }

  put(key: string, value: Uint8Array): void {
    this.#ops.bytes(this.#current(), key, value);
  }

  /** A JSON value, e.g. a commit marker. */
  putJson(key: string, value: string): void {
    this.#ops.json(this.#current(), key, value);
  }

  del(key: string): void {
    this.#ops.del(this.#current(), key);
  }

  /** Puts each record of a part under its group followed by `keySuffix`; writes batches as they fill. */
  async putPart(part: EncodedPart, keySuffix: string): Promise<void> {
    let put = 0;
    for (const record of partRecords(part)) {
      this.put(record.group + keySuffix, record.value);
      if (this.#batch!.length >= this.#maxOps) await this.#startWrite();
      // Encoding and putting a record takes a few microseconds: let queries in now and then.
      else if (++put % PUTS_BETWEEN_YIELDS === 0) await yieldToEventLoop();
    }
  }

  /** A point where the pending operations may be written without breaking an invariant. */
  async boundary(): Promise<void> {
    if (this.#batch !== undefined && this.#batch.length >= this.#maxOps) await this.#startWrite();
  }

  /** Once every batch started has landed, writes what is pending; resolves once it has landed. */
  async flush(): Promise<void> {
    const batch = this.#batch;
    this.#batch = undefined;
    try {
      await this.#landed();
    } catch (error) {
      await batch?.close();
      throw error;
    }
    if (batch === undefined) return;
    if (batch.length === 0) await batch.close();
    else await batch.write(DURABLE);
  }

  /** Starts writing the pending batch, once fewer than `maxInFlight` writes are under way. */
  async #startWrite(): Promise<void> {
    while (this.#inFlight.length >= this.#maxInFlight) await this.#inFlight.shift();
    const batch = this.#batch;
    this.#batch = undefined;
    if (batch === undefined) return;
    if (batch.length === 0) {
      await batch.close();
      return;
    }
    const writing = batch.write(DURABLE);
    // Awaited later, by this method or by flush(); until then a failure must not count as unhandled.
    writing.catch(() => undefined);
    this.#inFlight.push(writing);
  }

  /** Waits for every write started; fails with the first that failed. */
  async #landed(): Promise<void> {
    const writes = this.#inFlight.splice(0);
    const results = await Promise.allSettled(writes);
    for (const result of results) if (result.status === 'rejected') throw result.reason;
  }

  #current(): AbstractChainedBatch<Db, string, Uint8Array> {
    if (this.#batch === undefined) {
      this.#batch = this.#db.batch();
      for (const [key, value] of this.#stamps) this.#ops.json(this.#batch, key, value);
    }
    return this.#batch;
  }
}
