import type { AbstractChainedBatch } from 'abstract-level';
import { DURABLE, type Db } from '../db.js';

const VIEW = { keyEncoding: 'utf8', valueEncoding: 'view' } as const;

/**
 * Writes many keys as a sequence of bounded chained batches. LevelDB array batches of a million
 * operations take ~900 MB and block the event loop; chained batches of a few thousand do neither.
 * A batch is written only at `boundary()` calls, so callers keep related changes atomic.
 */
export class RecordWriter {
  readonly #db: Db;
  readonly #maxOps: number;
  #batch: AbstractChainedBatch<Db, string, Uint8Array> | undefined;
  written = 0;

  constructor(db: Db, maxOps = 8192) {
    this.#db = db;
    this.#maxOps = maxOps;
  }

  put(key: string, value: Uint8Array): void {
    this.#current().put(key, value, VIEW);
  }

  del(key: string): void {
    this.#current().del(key, VIEW);
  }

  /** A point where the pending operations may be written without breaking an invariant. */
  async boundary(): Promise<void> {
    if (this.#batch !== undefined && this.#batch.length >= this.#maxOps) await this.flush();
  }

  async flush(): Promise<void> {
    const batch = this.#batch;
    this.#batch = undefined;
    if (batch === undefined) return;
    this.written += batch.length;
    if (batch.length === 0) await batch.close();
    else await batch.write(DURABLE);
  }

  async discard(): Promise<void> {
    const batch = this.#batch;
    this.#batch = undefined;
    if (batch !== undefined) await batch.close();
  }

  #current(): AbstractChainedBatch<Db, string, Uint8Array> {
    this.#batch ??= this.#db.batch();
    return this.#batch;
  }
}
