import type pg from 'pg';
import { decodePorts, type BatchSource, type PriceChunk } from '@ratestore/core';

type Ref = Awaited<ReturnType<BatchSource['refs']>>[number];

/**
 * A batch's data in PostgreSQL (ratestore_chunks), read as a commit or a replica applies it: refs and
 * ports at once (they are small), price chunks one query each, so a batch is never held whole.
 */
export class PgBatchSource implements BatchSource {
  readonly #pool: pg.Pool;
  readonly batchId: string;
  readonly reportChunks: boolean;

  constructor(pool: pg.Pool, batchId: string, reportChunks: boolean) {
    this.#pool = pool;
    this.batchId = batchId;
    this.reportChunks = reportChunks;
  }

  async refs(): Promise<Ref[]> {
    const { rows } = await this.#pool.query<{ chunk: number; refs: string }>(
      'SELECT chunk, refs FROM ratestore_chunks WHERE batch_id = $1 AND refs IS NOT NULL ORDER BY chunk', [this.batchId]);
    return rows.flatMap(({ chunk, refs }) => (JSON.parse(refs) as Ref[]).map((ref) => (this.reportChunks ? { ...ref, chunk } : ref)));
  }

  async ports(): Promise<Set<number>> {
    const { rows } = await this.#pool.query<{ ports: Buffer }>('SELECT ports FROM ratestore_chunks WHERE batch_id = $1', [this.batchId]);
    const ports = new Set<number>();
    for (const row of rows) for (const port of decodePorts(row.ports)) ports.add(port);
    return ports;
  }

  async *prices(): AsyncIterable<PriceChunk> {
    const { rows } = await this.#pool.query<{ chunk: number }>('SELECT chunk FROM ratestore_chunks WHERE batch_id = $1 ORDER BY chunk', [this.batchId]);
    for (const { chunk } of rows) {
      const result = await this.#pool.query<{ prices: Buffer }>('SELECT prices FROM ratestore_chunks WHERE batch_id = $1 AND chunk = $2', [this.batchId, chunk]);
      const bytes = result.rows[0]?.prices;
      if (bytes !== undefined && bytes.byteLength > 0) yield { chunk, bytes };
    }
  }
}
