/**
 * The cluster's tables in PostgreSQL. PostgreSQL is the system of record: the ordered log of
 * committed entries, the data of every batch (staged or committed), the retention horizon and the
 * replica snapshots new nodes start from. Nodes never read it to answer a query.
 *
 *   ratestore_meta       key/value: the cluster's id, the schema version, the retention setting
 *   ratestore_log        one row per entry (version, kind, batch id, committed_at from PostgreSQL's clock)
 *   ratestore_batches    one row per batch, staged or committed (then `committed_version` is set)
 *   ratestore_chunks     a batch's chunks: encoded prices (price-codec rows), the ports they name, refs
 *   ratestore_retention  the horizon, decided once for the whole log
 *   ratestore_snapshots / ratestore_snapshot_parts   replica snapshots, in parts of a few MB
 */
import type pg from 'pg';

/** Advisory lock keys (one namespace, see `lockKey`). */
export const LOCKS = { schema: 1, log: 2, snapshot: 3 } as const;
/** The first key of the two-key advisory locks a batch's staging takes. */
export const BATCH_LOCK_SPACE = 0x5241_5445; // "RATE"

export const SCHEMA_VERSION = 1;

const CREATE = `
CREATE TABLE IF NOT EXISTS ratestore_meta (
  key text PRIMARY KEY,
  value text NOT NULL
);
CREATE TABLE IF NOT EXISTS ratestore_log (
  version bigint PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('batch', 'revert')),
  batch_id text NOT NULL,
  committed_at text NOT NULL,
  node_id text NOT NULL,
  fingerprint text,
  UNIQUE (kind, batch_id)
);
CREATE TABLE IF NOT EXISTS ratestore_batches (
  batch_id text PRIMARY KEY,
  created_at text NOT NULL,
  internal boolean NOT NULL,
  owner text,
  next_chunk integer NOT NULL DEFAULT 0,
  committed_version bigint
);
CREATE TABLE IF NOT EXISTS ratestore_chunks (
  batch_id text NOT NULL REFERENCES ratestore_batches ON DELETE CASCADE,
  chunk integer NOT NULL,
  items integer NOT NULL,
  prices bytea NOT NULL,
  ports bytea NOT NULL,
  refs text,
  PRIMARY KEY (batch_id, chunk)
);
CREATE TABLE IF NOT EXISTS ratestore_retention (
  id integer PRIMARY KEY CHECK (id = 1),
  folded_through bigint NOT NULL,
  decided_at bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS ratestore_snapshots (
  version bigint PRIMARY KEY,
  created_at text NOT NULL,
  parts integer NOT NULL,
  bytes bigint NOT NULL,
  complete boolean NOT NULL DEFAULT false
);
CREATE TABLE IF NOT EXISTS ratestore_snapshot_parts (
  version bigint NOT NULL REFERENCES ratestore_snapshots ON DELETE CASCADE,
  part integer NOT NULL,
  data bytea NOT NULL,
  PRIMARY KEY (version, part)
);
INSERT INTO ratestore_retention (id, folded_through, decided_at) VALUES (1, 0, 0) ON CONFLICT DO NOTHING;
`;

/** The cluster as its tables describe it. */
export interface ClusterIdentity {
  /** Made once, when the first node created the tables; every node's data directory records it. */
  clusterId: string;
  schemaVersion: number;
}

/**
 * Creates or migrates the tables. Several nodes may start at once: the work runs in one transaction
 * under an advisory lock, so one creates and the others find them made.
 */
export async function migrate(pool: pg.Pool, newId: () => string): Promise<ClusterIdentity> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.schema]);
    await client.query(CREATE);
    await client.query(`INSERT INTO ratestore_meta (key, value) VALUES ('cluster_id', $1) ON CONFLICT DO NOTHING`, [newId()]);
    await client.query(`INSERT INTO ratestore_meta (key, value) VALUES ('schema_version', $1) ON CONFLICT DO NOTHING`, [String(SCHEMA_VERSION)]);
    const { rows } = await client.query<{ key: string; value: string }>(`SELECT key, value FROM ratestore_meta WHERE key IN ('cluster_id', 'schema_version')`);
    await client.query('COMMIT');
    const meta = new Map(rows.map((row) => [row.key, row.value]));
    const schemaVersion = Number(meta.get('schema_version'));
    if (schemaVersion > SCHEMA_VERSION) throw new Error(`the cluster's tables are at schema version ${schemaVersion}; this release knows up to ${SCHEMA_VERSION}: upgrade it`);
    return { clusterId: meta.get('cluster_id')!, schemaVersion };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
