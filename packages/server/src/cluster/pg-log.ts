import type pg from 'pg';
import {
  encodePorts, type Appended, type BatchProposal, type BatchSource, type CommitLog, type FoldResult, type LogEntry, type LogNode, type LoggedEntry,
  type Proposal, type Retention
} from '@ratestore/core';
import { LOCKS } from './schema.js';
import { PgBatchSource } from './pg-source.js';
import { Notifier } from './notifier.js';
import { prunedThrough } from './snapshots.js';
import { LogPrunedError } from './errors.js';

/** The channel NOTIFY wakes followers on; the payload is the new version. */
export const CHANNEL = 'ratestore_log';

/** A log row. */
interface LogRow {
  version: string;
  kind: 'batch' | 'revert';
  batch_id: string;
  committed_at: string;
  fingerprint: string | null;
}

const ROW = 'version, kind, batch_id, committed_at, fingerprint';

export interface PgLogOptions {
  /** The cluster's id (ratestore_meta), which every node's data directory records. */
  clusterId: string;
  pool: pg.Pool;
  /** The connection string, for the LISTEN connection (kept apart from the pool). */
  url: string;
  nodeId: string;
  /** How often a follower reads the log without being notified (a missed NOTIFY costs this much lag). */
  pollMs: number;
  /** How many recent versions stay readable and revertible, for the whole cluster; Infinity keeps all. */
  retainVersions: number;
  onError(error: unknown): void;
}

/**
 * The commit log in PostgreSQL. An append is one transaction: the log's advisory lock, its head, the
 * node's admission (it catches up to the head and checks the proposal there), the batch's data
 * linked to (or inserted for) the new version, the log row with PostgreSQL's time, NOTIFY; then
 * COMMIT, so commit order is version order and a rollback leaves nothing. The node then applies its
 * entry from the data in hand; the other nodes' followers apply it from here.
 */
export class PgCommitLog implements CommitLog {
  readonly id: string;
  readonly #options: PgLogOptions;
  readonly #notifier: Notifier;
  #node: LogNode | undefined;

  constructor(options: PgLogOptions) {
    this.id = options.clusterId;
    this.#options = options;
    this.#notifier = new Notifier({ url: options.url, channel: CHANNEL, onError: options.onError });
  }

  async open(node: LogNode): Promise<void> {
    this.#node = node;
    await this.#notifier.start();
  }

  /** The latest version in the log. */
  async head(): Promise<number> {
    const { rows } = await this.#options.pool.query<{ head: string }>('SELECT coalesce(max(version), 0) AS head FROM ratestore_log');
    return Number(rows[0]!.head);
  }

  /** The log's entry at `version`, without its data (for status: when was it committed). */
  async entry(version: number): Promise<LogEntry | undefined> {
    const { rows } = await this.#options.pool.query<LogRow>(`SELECT ${ROW} FROM ratestore_log WHERE version = $1`, [version]);
    return rows[0] === undefined ? undefined : entryOf(rows[0]);
  }

  async append(proposal: Proposal): Promise<Appended> {
    const node = this.#opened();
    const appended = await this.#underLock(async (client): Promise<Appended> => {
      const head = await headOf(client);
      const replayed = await node.admit(proposal, head);
      if (replayed !== undefined) return { entry: replayed, replayed: true };
      const version = head + 1;
      if (proposal.kind === 'batch') await this.#keepData(client, proposal, version);
      const { rows } = await client.query<LogRow>(
        `INSERT INTO ratestore_log (version, kind, batch_id, committed_at, node_id, fingerprint)
         VALUES ($1, $2, $3, to_char(clock_timestamp() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), $4, $5)
         RETURNING ${ROW}`,
        [version, proposal.kind, proposal.batchId, this.#options.nodeId, proposal.kind === 'batch' ? (proposal.fingerprint ?? null) : null]);
      await this.#raiseHorizonIfDue(client, version);
      await client.query('SELECT pg_notify($1, $2)', [CHANNEL, String(version)]);
      return { entry: entryOf(rows[0]!), replayed: false };
    });
    if (!appended.replayed) await node.apply(appended.entry, proposal.kind === 'batch' ? proposal.source : undefined);
    return appended;
  }

  async *read(after: number): AsyncIterable<LoggedEntry> {
    const pruned = await prunedThrough(this.#options.pool);
    const page = 100;
    for (let from = after; ;) {
      const { rows } = await this.#options.pool.query<LogRow>(
        `SELECT ${ROW} FROM ratestore_log WHERE version > $1 ORDER BY version LIMIT $2`, [from, page]);
      for (const row of rows) {
        const entry = entryOf(row);
        if (entry.kind === 'revert') yield { entry };
        // A batch whose data was pruned can no longer be applied here: the node must restore a snapshot.
        else yield { entry, source: entry.version <= pruned ? prunedSource(after, pruned) : new PgBatchSource(this.#options.pool, entry.batchId, false) };
        from = entry.version;
      }
      if (rows.length < page) return;
    }
  }

  changed(version: number, foldedThrough: number, signal: AbortSignal): Promise<void> {
    return this.#notifier.next(version, foldedThrough, this.#options.pollMs, signal);
  }

  async retention(): Promise<Retention> {
    const { rows } = await this.#options.pool.query<{ folded_through: string; decided_at: string }>('SELECT folded_through, decided_at FROM ratestore_retention WHERE id = 1');
    return { foldedThrough: Number(rows[0]!.folded_through), decidedAt: Number(rows[0]!.decided_at) };
  }

  async retain(foldedThrough: number): Promise<FoldResult> {
    const node = this.#opened();
    const { retention, raised } = await this.#underLock(async (client) => this.#raise(client, foldedThrough, await headOf(client)));
    return node.fold(retention, raised);
  }

  async close(): Promise<void> {
    await this.#notifier.stop();
  }

  /**
   * Runs `work` in a transaction that holds the log's advisory lock, committed if `work` resolves (a
   * replay too: it wrote nothing) and rolled back if it throws. One transaction at a time holds the
   * lock, so versions are taken in commit order.
   */
  async #underLock<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.#options.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.log]);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** The batch's data becomes the entry's: chunks staged here are linked; data in hand is inserted. */
  async #keepData(client: pg.PoolClient, proposal: BatchProposal, version: number): Promise<void> {
    if (proposal.source instanceof PgBatchSource) {
      const { rowCount } = await client.query('UPDATE ratestore_batches SET committed_version = $2 WHERE batch_id = $1 AND committed_version IS NULL', [proposal.batchId, version]);
      if (rowCount !== 1) throw new Error(`batch ${proposal.batchId} is not staged in the cluster`);
      return;
    }
    await client.query('INSERT INTO ratestore_batches (batch_id, created_at, internal, owner, committed_version) VALUES ($1, $2, true, $3, $4)',
      [proposal.batchId, new Date().toISOString(), this.#options.nodeId, version]);
    await insertChunks(client, proposal.batchId, proposal.source);
  }

  async #raiseHorizonIfDue(client: pg.PoolClient, head: number): Promise<void> {
    const retain = this.#options.retainVersions;
    if (retain === Infinity) return;
    const current = await this.retention();
    if (head - current.foldedThrough >= 2 * retain + 1) await this.#raise(client, head - retain, head);
  }

  /** Raises the horizon if `foldedThrough` is past it; the horizon now, and whether this call raised it. */
  async #raise(client: pg.PoolClient, foldedThrough: number, head: number): Promise<{ retention: Retention; raised: boolean }> {
    const { rows } = await client.query<{ folded_through: string; decided_at: string }>(
      `UPDATE ratestore_retention SET folded_through = $1, decided_at = $2 WHERE id = 1 AND folded_through < $1 RETURNING folded_through, decided_at`, [foldedThrough, head]);
    if (rows[0] === undefined) return { retention: await this.retention(), raised: false };
    await client.query('SELECT pg_notify($1, $2)', [CHANNEL, `retention:${foldedThrough}`]);
    return { retention: { foldedThrough: Number(rows[0].folded_through), decidedAt: Number(rows[0].decided_at) }, raised: true };
  }

  #opened(): LogNode {
    if (this.#node === undefined) throw new Error('the log was not opened');
    return this.#node;
  }
}

async function headOf(client: pg.PoolClient): Promise<number> {
  const { rows } = await client.query<{ head: string }>('SELECT coalesce(max(version), 0) AS head FROM ratestore_log');
  return Number(rows[0]!.head);
}

/** The data of a batch pruned from the log: any use of it says what to do. */
function prunedSource(version: number, pruned: number): BatchSource {
  const fail = (): never => {
    throw new LogPrunedError(version, pruned);
  };
  return { reportChunks: false, refs: async () => fail(), ports: async () => fail(), prices: () => fail() };
}

function entryOf(row: LogRow): LogEntry {
  const entry: LogEntry = { kind: row.kind, version: Number(row.version), batchId: row.batch_id, committedAt: row.committed_at };
  if (row.fingerprint !== null) entry.fingerprint = row.fingerprint;
  return entry;
}

/** A batch's data from a source in hand (a one-call write of one chunk), as chunk rows: refs and ports with the first. */
async function insertChunks(client: pg.PoolClient, batchId: string, source: BatchSource): Promise<void> {
  const refs = (await source.refs()).map(({ chunk: _chunk, ...ref }) => ref);
  const ports = await source.ports();
  let first = true;
  let chunk = 0;
  const insert = (prices: Uint8Array, items: number, withRefs: boolean) => client.query(
    'INSERT INTO ratestore_chunks (batch_id, chunk, items, prices, ports, refs) VALUES ($1, $2, $3, $4, $5, $6)',
    [batchId, chunk++, items, Buffer.from(prices.buffer, prices.byteOffset, prices.byteLength),
      withRefs ? Buffer.from(encodePorts([...ports])) : Buffer.alloc(0), withRefs && refs.length > 0 ? JSON.stringify(refs) : null]);
  for await (const { bytes } of source.prices()) {
    await insert(bytes, bytes.byteLength / 20 + (first ? refs.length : 0), first);
    first = false;
  }
  if (first) await insert(new Uint8Array(0), refs.length, true);
}
