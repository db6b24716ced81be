import type pg from 'pg';
import { RatestoreError, Staging, encodePorts, type BatchSource, type EncodedChunk, type StagedBatchInfo, type StagingOptions } from '@ratestore/core';
import { BATCH_LOCK_SPACE } from './schema.js';
import { PgBatchSource } from './pg-source.js';

export interface PgStagingOptions extends StagingOptions {
  /** Queries. */
  pool: pg.Pool;
  /** Connections that hold a batch's advisory lock while a task runs on it (apart, so that lock holders never starve queries). */
  lockPool: pg.Pool;
  /** Marks the batches this node's one-call writes stage, which it drops after a crash. */
  nodeId: string;
}

/**
 * Staged uploads in PostgreSQL, shared by every node: chunks may arrive through any node and the
 * commit through another. A batch's chunks become the data of its log entry when it commits (the
 * row gets `committed_version`), so nothing is copied and committed data is never changed again.
 * Per-batch locks are PostgreSQL advisory locks (shared for chunks, exclusive for commits, aborts
 * and begins), held on a connection for the length of the task; PostgreSQL drops them if the node dies.
 */
export class PgStaging extends Staging {
  readonly #pool: pg.Pool;
  readonly #lockPool: pg.Pool;
  readonly #nodeId: string;

  constructor(options: PgStagingOptions) {
    super(options);
    this.#pool = options.pool;
    this.#lockPool = options.lockPool;
    this.#nodeId = options.nodeId;
  }

  /** Drops what this node's one-call writes staged before it last stopped: nobody can resume them. */
  async open(): Promise<void> {
    await this.#pool.query('DELETE FROM ratestore_batches WHERE internal AND owner = $1 AND committed_version IS NULL', [this.#nodeId]);
  }

  exclusive<T>(batchId: string, task: () => Promise<T>): Promise<T> {
    return this.#locked(batchId, 'pg_advisory_lock', task);
  }

  shared<T>(batchId: string, task: () => Promise<T>): Promise<T> {
    return this.#locked(batchId, 'pg_advisory_lock_shared', task);
  }

  async has(batchId: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query('SELECT 1 FROM ratestore_batches WHERE batch_id = $1 AND committed_version IS NULL', [batchId]);
    return rowCount === 1;
  }

  async begin(batchId: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query(
      'INSERT INTO ratestore_batches (batch_id, created_at, internal) VALUES ($1, $2, false) ON CONFLICT DO NOTHING', [batchId, new Date().toISOString()]);
    return rowCount === 1;
  }

  source(batchId: string): BatchSource {
    return new PgBatchSource(this.#pool, batchId, true);
  }

  /** Deletes a batch that is staged; the data of a committed batch is the log's and stays. */
  async delete(batchId: string): Promise<void> {
    await this.#pool.query('DELETE FROM ratestore_batches WHERE batch_id = $1 AND committed_version IS NULL', [batchId]);
  }

  async dropAbandonedWrite(batchId: string): Promise<boolean> {
    const { rowCount } = await this.#pool.query('DELETE FROM ratestore_batches WHERE batch_id = $1 AND internal AND committed_version IS NULL', [batchId]);
    return rowCount === 1;
  }

  async info(batchId: string): Promise<StagedBatchInfo | undefined> {
    return (await this.#infos('AND b.batch_id = $1', [batchId]))[0];
  }

  list(): Promise<StagedBatchInfo[]> {
    return this.#infos('', []);
  }

  protected async _beginInternal(batchId: string): Promise<void> {
    await this.#pool.query(
      'INSERT INTO ratestore_batches (batch_id, created_at, internal, owner) VALUES ($1, $2, true, $3) ON CONFLICT DO NOTHING', [batchId, new Date().toISOString(), this.#nodeId]);
  }

  protected _collectedSource(batchId: string): BatchSource {
    return new PgBatchSource(this.#pool, batchId, false);
  }

  protected async _nextChunk(batchId: string): Promise<number> {
    const { rows } = await this.#pool.query<{ chunk: number }>(
      'UPDATE ratestore_batches SET next_chunk = next_chunk + 1 WHERE batch_id = $1 AND committed_version IS NULL RETURNING next_chunk - 1 AS chunk', [batchId]);
    if (rows[0] === undefined) throw await this.#gone(batchId);
    return rows[0].chunk;
  }

  /** Stores a chunk of a batch that is still staged, in one statement (PostgreSQL commits it durably). */
  protected async _putChunk(batchId: string, chunk: number, encoded: EncodedChunk, acknowledged: boolean): Promise<void> {
    const { rowCount } = await this.#pool.query(
      `WITH staged AS (
         UPDATE ratestore_batches SET next_chunk = GREATEST(next_chunk, $2::integer + 1) WHERE batch_id = $1 AND committed_version IS NULL RETURNING batch_id
       )
       INSERT INTO ratestore_chunks (batch_id, chunk, items, prices, ports, refs) SELECT batch_id, $2, $3, $4, $5, $6 FROM staged
       ON CONFLICT (batch_id, chunk) DO UPDATE SET items = EXCLUDED.items, prices = EXCLUDED.prices, ports = EXCLUDED.ports, refs = EXCLUDED.refs`,
      [batchId, chunk, encoded.items, Buffer.from(encoded.prices.buffer, encoded.prices.byteOffset, encoded.prices.byteLength),
        Buffer.from(encodePorts(encoded.ports)), encoded.refs.length === 0 ? null : JSON.stringify(encoded.refs)]);
    // A one-call write of a batch that another node has just committed: its commit will be a replay.
    if (rowCount === 0 && acknowledged) throw await this.#gone(batchId);
  }

  async #infos(where: string, params: unknown[]): Promise<StagedBatchInfo[]> {
    const { rows } = await this.#pool.query<{ batch_id: string; created_at: string; chunks: number[] | null; items: string | null }>(
      `SELECT b.batch_id, b.created_at, array_agg(c.chunk ORDER BY c.chunk) FILTER (WHERE c.chunk IS NOT NULL) AS chunks, sum(c.items) AS items
       FROM ratestore_batches b LEFT JOIN ratestore_chunks c ON c.batch_id = b.batch_id
       WHERE b.committed_version IS NULL ${where} GROUP BY b.batch_id, b.created_at ORDER BY b.batch_id`, params);
    return rows.map((row) => ({ batchId: row.batch_id, createdAt: row.created_at, chunks: row.chunks ?? [], items: Number(row.items ?? 0) }));
  }

  /** Why a batch cannot take a chunk: it was committed (through any node), or it is not staged. */
  async #gone(batchId: string): Promise<RatestoreError> {
    const { rowCount } = await this.#pool.query('SELECT 1 FROM ratestore_batches WHERE batch_id = $1 AND committed_version IS NOT NULL', [batchId]);
    return rowCount === 1
      ? new RatestoreError('RATESTORE_BATCH_COMMITTED', `batch ${batchId} is already committed`, { field: 'batchId' })
      : new RatestoreError('RATESTORE_UNKNOWN_BATCH', `batch ${batchId} was not begun (or was aborted)`, { field: 'batchId' });
  }

  async #locked<T>(batchId: string, lock: 'pg_advisory_lock' | 'pg_advisory_lock_shared', task: () => Promise<T>): Promise<T> {
    const client = await this.#lockPool.connect();
    const key = [BATCH_LOCK_SPACE, batchId];
    let healthy = false;
    try {
      await client.query(`SELECT ${lock}($1, hashtext($2))`, key);
      try {
        return await task();
      } finally {
        await client.query(`SELECT ${lock.replace('_lock', '_unlock')}($1, hashtext($2))`, key);
        healthy = true;
      }
    } finally {
      // A connection whose locks are in doubt (a failed lock or unlock) is closed, which drops them.
      client.release(!healthy);
    }
  }
}
