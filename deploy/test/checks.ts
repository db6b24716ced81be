/**
 * What the deploy tests check after the fact: the log in PostgreSQL against the acknowledgements
 * the clients got, and the nodes against each other.
 */
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import { expect } from 'vitest';
import type { Ack } from './load.js';
import { queryPaths } from './load.js';

export interface LogRow {
  version: number;
  kind: string;
  batchId: string;
}

/** The cluster's log, as PostgreSQL holds it. */
export async function logRows(url: string): Promise<LogRow[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ version: string; kind: string; batch_id: string }>('SELECT version, kind, batch_id FROM ratestore_log ORDER BY version');
    return rows.map((row) => ({ version: Number(row.version), kind: row.kind, batchId: row.batch_id }));
  } finally {
    await client.end();
  }
}

/**
 * Every acknowledged upload is in the log exactly once, at the version it was acknowledged with,
 * and the log holds nothing else of these uploads (no batch landed twice under another id); the
 * log's versions run 1..head without a gap.
 */
export function expectEachAckedOnce(rows: LogRow[], acks: Ack[], tag: string): void {
  expect(rows.map((row) => row.version)).toEqual(rows.map((_, i) => i + 1));
  const byId = new Map<string, LogRow[]>();
  for (const row of rows) byId.set(row.batchId, [...(byId.get(row.batchId) ?? []), row]);
  for (const ack of acks) expect(byId.get(ack.batchId)?.map((row) => row.version), ack.batchId).toEqual([ack.version]);
  const ours = rows.filter((row) => row.batchId.startsWith(`${tag}-`));
  expect(ours.length).toBe(acks.length);
}

/** GET a node's path as JSON. */
export async function getJson(base: string, path: string): Promise<{ status: number; body: any }> {
  const response = await fetch(`${base}${path}`);
  return { status: response.status, body: await response.json() };
}

/** Waits until a node has applied `version` (its /v1/status says so), up to `timeoutMs`. */
export async function waitForVersion(base: string, version: number, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await getJson(base, '/v1/status').catch(() => undefined);
    if (status?.body?.version >= version) return;
    if (Date.now() > deadline) throw new Error(`${base} is not at version ${version} after ${timeoutMs} ms: /v1/status answered ${status?.status} ${JSON.stringify(status?.body)}`);
    await delay(100);
  }
}

/**
 * Every node has applied exactly the log (its batch log is the log's batches, each once, at its
 * version) and answers the same to the queries of the load, asked of each node directly (not through
 * the load balancer, not through its cache).
 */
export async function expectNodesAgree(nodes: string[], rows: LogRow[]): Promise<void> {
  const head = rows.length;
  for (const node of nodes) await waitForVersion(node, head);
  const batches = rows.filter((row) => row.kind === 'batch').map((row) => [row.batchId, row.version]);
  const paths = [...queryPaths(), '/v1/batches'];
  const answers = await Promise.all(nodes.map(async (node) => {
    const status = await getJson(node, '/v1/status');
    expect(status.body.version, node).toBe(head);
    const log = (await getJson(node, '/v1/batches')).body as { batches: Array<{ batch_id: string; version: number }> };
    expect(log.batches.map((batch) => [batch.batch_id, batch.version]), node).toEqual(batches);
    return Promise.all(paths.map(async (path) => (await getJson(node, path)).body));
  }));
  for (const other of answers.slice(1)) expect(other).toEqual(answers[0]);
}
