/**
 * Replica snapshots in PostgreSQL, where every node can fetch them: a new node with an empty data
 * directory restores the newest and then applies the log from its version, and log data older than
 * it can be pruned, so the log does not grow without bound.
 *
 * Format: the pairs of `store.snapshot()` as frames (u32 key length, UTF-8 key, u32 value length,
 * value; big-endian), gzipped, cut into parts of PART_BYTES, one row each. A snapshot is complete
 * only once its last part is in: a node never restores one that was cut short.
 */
import { Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import type pg from 'pg';
import type { Snapshot, SnapshotEntries } from '@ratestore/core';

const PART_BYTES = 4 * 1024 * 1024;
const PAIRS_PER_SLICE = 1000;

export interface SnapshotInfo {
  version: number;
  createdAt: string;
  /** Gzipped bytes. */
  bytes: number;
  parts: number;
}

/** The newest complete snapshot, if any. */
export async function newestSnapshot(pool: pg.Pool): Promise<SnapshotInfo | undefined> {
  const { rows } = await pool.query<{ version: string; created_at: string; bytes: string; parts: number }>(
    'SELECT version, created_at, bytes, parts FROM ratestore_snapshots WHERE complete ORDER BY version DESC LIMIT 1');
  const row = rows[0];
  return row === undefined ? undefined : { version: Number(row.version), createdAt: row.created_at, bytes: Number(row.bytes), parts: row.parts };
}

/**
 * Stores `snapshot` (reading its entries to the end). A complete snapshot at the same version is
 * kept as it is; an incomplete one (a run cut short) is replaced.
 */
export async function saveSnapshot(pool: pg.Pool, snapshot: Snapshot): Promise<SnapshotInfo> {
  const existing = await newestSnapshot(pool);
  if (existing?.version === snapshot.version) {
    for await (const _ of snapshot.entries) break; // releases the store's database snapshot
    return existing;
  }
  const createdAt = new Date().toISOString();
  await pool.query('DELETE FROM ratestore_snapshots WHERE version = $1 AND NOT complete', [snapshot.version]);
  await pool.query('INSERT INTO ratestore_snapshots (version, created_at, parts, bytes) VALUES ($1, $2, 0, 0)', [snapshot.version, createdAt]);
  let parts = 0;
  let bytes = 0;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async (): Promise<void> => {
    if (pendingBytes === 0) return;
    const data = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    await pool.query('INSERT INTO ratestore_snapshot_parts (version, part, data) VALUES ($1, $2, $3)', [snapshot.version, parts++, data]);
    bytes += data.byteLength;
  };
  for await (const chunk of Readable.from(frames(snapshot.entries)).pipe(createGzip()) as AsyncIterable<Buffer>) {
    pending.push(chunk);
    pendingBytes += chunk.byteLength;
    if (pendingBytes >= PART_BYTES) await flush();
  }
  await flush();
  await pool.query('UPDATE ratestore_snapshots SET parts = $2, bytes = $3, complete = true WHERE version = $1', [snapshot.version, parts, bytes]);
  return { version: snapshot.version, createdAt, bytes, parts };
}

/** The pairs of the snapshot at `version`, for `store.restore()`. */
export async function* snapshotEntries(pool: pg.Pool, version: number): SnapshotEntries {
  const gunzip = createGunzip();
  const feed = (async () => {
    try {
      for (let part = 0; ; part++) {
        const { rows } = await pool.query<{ data: Buffer }>('SELECT data FROM ratestore_snapshot_parts WHERE version = $1 AND part = $2', [version, part]);
        if (rows[0] === undefined) break;
        if (!gunzip.write(rows[0].data)) await new Promise((resolve) => gunzip.once('drain', resolve));
      }
      gunzip.end();
    } catch (error) {
      gunzip.destroy(error as Error);
    }
  })();
  yield* pairs(gunzip as AsyncIterable<Buffer>);
  await feed;
}

export interface PruneResult {
  /** The snapshot kept: log data up to its version is gone. */
  snapshotVersion: number;
  /** Committed batches whose data was removed. */
  batches: number;
  /** Older snapshots removed. */
  snapshots: number;
}

/**
 * Removes what no node needs any more once the newest snapshot exists: the data of batches
 * committed at or before its version (a node behind it restores the snapshot instead) and older
 * snapshots. The log's rows stay: they are small, and nodes check their history against them.
 */
export async function pruneLog(pool: pg.Pool): Promise<PruneResult | undefined> {
  const newest = await newestSnapshot(pool);
  if (newest === undefined) return undefined;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(`INSERT INTO ratestore_meta (key, value) VALUES ('pruned_through', $1)
      ON CONFLICT (key) DO UPDATE SET value = GREATEST(ratestore_meta.value::bigint, EXCLUDED.value::bigint)::text`, [String(newest.version)]);
    const batches = await client.query<{ n: string }>(`WITH gone AS (
        DELETE FROM ratestore_chunks WHERE batch_id IN (SELECT batch_id FROM ratestore_batches WHERE committed_version <= $1) RETURNING batch_id
      ) SELECT count(DISTINCT batch_id) AS n FROM gone`, [newest.version]);
    const snapshots = await client.query('DELETE FROM ratestore_snapshots WHERE version < $1', [newest.version]);
    await client.query('COMMIT');
    return { snapshotVersion: newest.version, batches: Number(batches.rows[0]!.n), snapshots: snapshots.rowCount ?? 0 };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/** The version up to which log data was pruned (0: none). */
export async function prunedThrough(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ value: string }>(`SELECT value FROM ratestore_meta WHERE key = 'pruned_through'`);
  return rows[0] === undefined ? 0 : Number(rows[0].value);
}

async function* frames(entries: SnapshotEntries): AsyncGenerator<Buffer> {
  for await (const slice of entries) {
    const parts: Buffer[] = [];
    for (const [key, value] of slice) {
      const keyBytes = Buffer.from(key, 'utf8');
      const header = Buffer.alloc(4);
      header.writeUInt32BE(keyBytes.byteLength);
      const valueHeader = Buffer.alloc(4);
      valueHeader.writeUInt32BE(value.byteLength);
      parts.push(header, keyBytes, valueHeader, Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    }
    yield Buffer.concat(parts);
  }
}

async function* pairs(stream: AsyncIterable<Buffer>): SnapshotEntries {
  let buffer: Buffer = Buffer.alloc(0);
  let slice: Array<[string, Uint8Array]> = [];
  for await (const chunk of stream) {
    buffer = buffer.byteLength === 0 ? chunk : Buffer.concat([buffer, chunk]);
    let at = 0;
    for (;;) {
      if (buffer.byteLength - at < 4) break;
      const keyLength = buffer.readUInt32BE(at);
      if (buffer.byteLength - at < 8 + keyLength) break;
      const valueLength = buffer.readUInt32BE(at + 4 + keyLength);
      const end = at + 8 + keyLength + valueLength;
      if (buffer.byteLength < end) break;
      const key = buffer.toString('utf8', at + 4, at + 4 + keyLength);
      slice.push([key, Uint8Array.prototype.slice.call(buffer, at + 8 + keyLength, end)]);
      at = end;
      if (slice.length === PAIRS_PER_SLICE) {
        yield slice;
        slice = [];
      }
    }
    buffer = buffer.subarray(at);
  }
  if (buffer.byteLength > 0) throw new Error('the snapshot ends in the middle of a pair');
  if (slice.length > 0) yield slice;
}
