import type { AbstractChainedBatch } from 'abstract-level';
import { DURABLE, type Db } from '../db.js';
import { BatchOps } from '../batch-ops.js';
import { yieldToEventLoop } from '../util/yield.js';
import type { EncodedRecord } from './pair-aggregator.js';

const PUTS_BETWEEN_YIELDS = 4096;

/**
 * Writes many keys as a sequence of bounded chained batches. LevelDB array batches of a million
 * operations take ~900 MB and block the event loop; chained batches of a few thousand do neither.
 * A batch is written only at `boundary()` calls, so callers keep related changes atomic.
 *
 * A full batch is written while the caller goes on building the next one (LevelDB writes on its
 * own thread), but batches land strictly in order: each write starts only once the one before it
 * has succeeded, and `flush()` resolves when everything is written.
 */
export class RecordWriter {
  readonly #db: Db;
  readonly #maxOps: number;
  readonly #ops: BatchOps;
  #batch: AbstractChainedBatch<Db, string, Uint8Array> | undefined;
  #writing: Promise<void> | undefined;

  /**
   * Each write is fsynced, so larger batches mean fewer syncs. At 32k and 64k operations a batch,
   * reads right after a commit slowed down and the event loop stalled (measured), hence 16k.
   */
  constructor(db: Db, maxOps = 16_384) {
    this.#db = db;
    this.#maxOps = maxOps;
    this.#ops = new BatchOps(db);
  }

  put(key: string, value: Uint8Array): void {
    this.#ops.bytes(this.#current(), key, value);
  }

  /** A JSON value, e.g. the transaction id this writer's records belong to. */
  putJson(key: string, value: string): void {
    this.#ops.json(this.#current(), key, value);
  }

  del(key: string): void {
    this.#ops.del(this.#current(), key);
  }

  /** Puts each record under its group followed by `keySuffix`; writes batches as they fill. */
  async putRecords(records: Iterable<EncodedRecord>, keySuffix: string): Promise<void> {
    let put = 0;
    for (const record of records) {
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

  /** Writes what is pending; resolves once every batch is written. */
  async flush(): Promise<void> {
    await this.#startWrite();
    const writing = this.#writing;
    this.#writing = undefined;
    await writing;
  }

  /** Waits for the write before (and fails with it), then starts writing the pending batch. */
  async #startWrite(): Promise<void> {
    const previous = this.#writing;
    this.#writing = undefined;
    await previous;
    const batch = this.#batch;
    this.#batch = undefined;
    if (batch === undefined) return;
    if (batch.length === 0) {
      await batch.close();
      return;
    }
    const writing = batch.write(DURABLE);
    // Awaited by the next write or by flush(); until then, a failure must not count as unhandled.
    writing.catch(() => undefined);
    this.#writing = writing;
  }

  #current(): AbstractChainedBatch<Db, string, Uint8Array> {
    this.#batch ??= this.#db.batch();
    return this.#batch;
  }
}
