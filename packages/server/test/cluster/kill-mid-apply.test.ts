/**
 * A node SIGKILLed in the middle of applying a large batch that was committed through another node:
 * the kill lands while its records are being written (checked in its database afterwards: the batch's
 * transaction left records, its commit marker is not there). Restarted, it applies the batch again
 * from the log and answers as the node that committed it: nothing applied twice, no debris visible.
 */
import { readdirSync, statSync, watch } from 'node:fs';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { describe, expect, it } from 'vitest';
import { sampleCatalog, samplePrices, sampleRoutes } from '@ratestore/core';
import { freshDatabase, usePostgres } from './pg-cluster.js';
import { call, settle, startNode, status, useNodes, type ClusterNode } from './nodes.js';

const server = usePostgres();
const nodes = useNodes();

/** Prices of the large batch: its records take LevelDB long enough to write that the kill lands among them. */
const PRICES = 1_000_000;
/** B is killed once its database has grown by this much while it applies them (see below). */
const KILL_AFTER_BYTES = 8 * 1024 * 1024;
const SAMPLE = { seed: 7, ports: 60, depth: 4 as const, dateFrom: '2016-03-01', days: 31 };
const TOP_REGIONS = sampleCatalog(SAMPLE).flatMap((item) => (item.type === 'region' && item.parent === undefined ? [item.slug] : []));
/** The busiest route, then every pair of top-level regions: together they count every price once. */
const QUERIES = [[sampleRoutes(SAMPLE)[0]!.origin, sampleRoutes(SAMPLE)[0]!.destination], ...TOP_REGIONS.flatMap((origin) => TOP_REGIONS.map((destination) => [origin, destination]))];

/** A CSV body of the sample's prices, made without holding them as objects. */
function pricesCsv(options: Parameters<typeof samplePrices>[0]): string {
  const lines = ['origin,destination,day,price'];
  for (const p of samplePrices(options)) lines.push(`${p.origin},${p.destination},${p.day},${p.price}`);
  return lines.join('\n') + '\n';
}

/** Bytes of LevelDB's files in `dir` (its write-ahead log grows as the records land); a file removed meanwhile counts nothing. */
function bytesIn(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => sum + (statSync(join(dir, name), { throwIfNoEntry: false })?.size ?? 0), 0);
}

/** What a node's database holds at rest: its last applied entry and the last transaction id any write carried. */
async function atRest(dir: string): Promise<{ head: { version: number; txn: number; batchId: string }; lastTxn: number }> {
  const db = new ClassicLevel<string, string>(dir, { valueEncoding: 'utf8' });
  await db.open();
  try {
    const [last] = await db.iterator({ gte: 'c\0', lt: 'c\x01', reverse: true, limit: 1 }).all();
    return { head: JSON.parse(last![1]) as { version: number; txn: number; batchId: string }, lastTxn: JSON.parse((await db.get('m\0txn'))!) as number };
  } finally {
    await db.close();
  }
}

async function answers(node: ClusterNode, version: number): Promise<Array<{ rows: Array<{ count: number }> }>> {
  const replies = [];
  for (const [origin, destination] of QUERIES) {
    const reply = await call(node, 'GET', `/v1/rates?date_from=2016-03-01&date_to=2016-03-31&origin=${origin}&destination=${destination}&min_count=1&min_version=${version}`);
    expect(reply.status).toBe(200);
    replies.push(reply.body);
  }
  return replies;
}

describe('a node killed while it applies a large batch', () => {
  it('applies it once after a restart, and answers as the node that committed it', async () => {
    const url = await freshDatabase(server());
    const [a, b] = await Promise.all([startNode(url, 'a'), startNode(url, 'b')]);
    nodes.push(a, b);
    expect((await call(a, 'POST', '/v1/batches', { body: sampleCatalog(SAMPLE) })).status).toBe(201);
    expect((await call(a, 'POST', '/v1/batches', { raw: pricesCsv({ ...SAMPLE, prices: 1_000 }), type: 'text/csv' })).status).toBe(201);
    expect(await settle([a, b])).toBe(2);
    const baseline = bytesIn(b.data);

    // B is idle: what its database writes now are the large batch's records, 2,048 a write (with
    // their percentile sketches, 2.3-6.8 MB here; the 1M prices make 13-20 MB), in pieces of
    // LevelDB's log, so a kill in the middle of a write leaves a torn one that LevelDB drops when it
    // opens. B is killed once its files have grown by 8 MB (inotify tells at once): the first write
    // of records is whole, the last is still off. (Measured by moving the kill point: at 2 MB the
    // kill tore the first write, at 20 MB B had applied the whole batch.)
    let grewBy = 0;
    const watcher = watch(b.data, () => {
      grewBy = bytesIn(b.data) - baseline;
      if (grewBy > KILL_AFTER_BYTES && b.process.exitCode === null && b.process.signalCode === null) b.process.kill('SIGKILL');
    });
    const started = Date.now();
    const committed = await call(a, 'POST', '/v1/batches', { raw: pricesCsv({ ...SAMPLE, prices: PRICES }), type: 'text/csv', headers: { 'idempotency-key': 'large' } });
    expect(committed.status).toBe(201);
    const answeredMs = Date.now() - started;
    let killed = false;
    const applied = (async () => {
      while (!killed) {
        if ((await status(b).catch(() => undefined))?.version === 3) throw new Error('b applied the large batch whole: it was not killed in time');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    })();
    await Promise.race([b.exited, applied]);
    killed = true;
    watcher.close();
    console.log(`kill-mid-apply: ${PRICES} prices committed through a in ${answeredMs} ms; b killed after ${grewBy} bytes of its records`);

    // The kill landed mid-apply: version 3's transaction wrote records, its marker is missing.
    const rest = await atRest(b.data);
    expect(rest.head.version).toBe(2);
    expect(rest.lastTxn).toBeGreaterThan(rest.head.txn);

    const again = await startNode(url, 'b', b.data);
    nodes[1] = again;
    expect(await status(again)).toMatchObject({ version: 3, log_version: 3, lag_versions: 0 });
    const logs = await Promise.all([a, again].map((node) => call(node, 'GET', '/v1/batches')));
    expect(logs[1]!.body).toEqual(logs[0]!.body);
    expect(logs[1]!.body.batches.map((batch: { batch_id: string; counts: { prices: number } }) => [batch.batch_id, batch.counts.prices])).toEqual([
      [expect.any(String), 0], [expect.any(String), 1_000], ['large', PRICES]
    ]);
    const theirs = await answers(a, 3);
    expect(await answers(again, 3)).toEqual(theirs);
    // Nothing applied twice: the pairs of top-level regions count every price once.
    expect(TOP_REGIONS.length).toBeGreaterThan(2);
    expect(theirs.slice(1).flatMap((answer) => answer.rows).reduce((sum, row) => sum + row.count, 0)).toBe(PRICES + 1_000);
  }, 180_000);
});
