/**
 * Zero-downtime deploys, proven under load (issue 14): blue/green switches with deploy/bluegreen.mjs
 * behind HAProxy with deploy/haproxy.cfg, the loss of a node, and the HTTP cache's staleness bound.
 * Real processes on 127.0.0.1: PostgreSQL, HAProxy, `ratestore serve` nodes; every one stopped by PID.
 * The figures each run measures are printed and written to .artifacts/figures/
 * (docs/reliability.md quotes them).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleRoutes } from '@ratestore/core';
import { startThrowawayPostgres, type ThrowawayPostgres } from '@ratestore/test-support';
import { serverStats } from '../lib/haproxy.mjs';
import { expectEachAckedOnce, expectNodesAgree, getJson, logRows } from './checks.js';
import { BLUE_VERSION, GREEN_VERSION, killPid, runBlueGreen, running, serveBlue, startDeployCluster, type BlueGreenRun, type DeployCluster } from './fixture.js';
import { record } from './figures.js';
import { Uploads, catalog, startQueries, type Ack, type QueryEvent } from './load.js';

/** What happened while a switch ran: requests answered and failed, uploads in flight, how long it took. */
function window(run: BlueGreenRun, from: number, to: number, events: QueryEvent[], acks: Ack[]) {
  const during = events.filter((e) => e.at >= from && e.at <= to);
  const inFlight = acks.filter((a) => a.startedAt <= to && a.ackedAt >= from);
  return {
    wallMs: run.report?.wallMs,
    requests: during.length,
    failedRequests: during.filter((e) => e.status < 200 || e.status > 299).length,
    uploadsInFlight: inFlight.length,
    stagedInFlight: inFlight.filter((a) => a.kind === 'staged').length
  };
}

/** Waits until HAProxy reports `server` in a status matching `status`; resolves how long that took. */
async function haproxyStatus(cluster: DeployCluster, server: string, status: RegExp, timeoutMs = 30_000): Promise<number> {
  const started = Date.now();
  for (;;) {
    const stat = (await serverStats(cluster.socket, 'ratestore')).find((s) => s.server === server);
    if (stat !== undefined && status.test(stat.status)) return Date.now() - started;
    if (Date.now() - started > timeoutMs) throw new Error(`HAProxy reports ${server} ${stat?.status}, not ${status}`);
    await delay(25);
  }
}

describe('deploys behind HAProxy', () => {
  let pg: ThrowawayPostgres;
  let cluster: DeployCluster;

  beforeAll(async () => {
    pg = await startThrowawayPostgres();
    cluster = await startDeployCluster({ clusterUrl: pg.url });
    await serveBlue(cluster);
  }, 120_000);

  afterAll(async () => {
    await cluster?.stop();
    await pg?.stop();
  });

  it('refuses to switch to green when green is not ready, says why, and leaves blue serving', async () => {
    const plan = JSON.parse(readFileSync(cluster.nodesFile, 'utf8'));
    // A green that cannot reach PostgreSQL exits at start; one that is slower than the timeout is not ready.
    const broken = join(cluster.dir, 'nodes-broken.json');
    writeFileSync(broken, JSON.stringify({ ...plan, colours: { ...plan.colours, green: { ...plan.colours.green, env: { RATESTORE_CLUSTER_URL: 'postgres://postgres@127.0.0.1:1/none' } } } }));
    const slow = join(cluster.dir, 'nodes-slow.json');
    writeFileSync(slow, JSON.stringify({ ...plan, readyTimeoutSeconds: 0.2 }));

    const exited = await runBlueGreen(['switch', 'green', '--nodes', broken]);
    expect(exited.code).toBe(1);
    expect(exited.stderr).toMatch(/refusing to switch to green: green\d exited during start \(code 1\)/);
    expect(exited.stderr).toContain('RATESTORE_LOG_UNAVAILABLE');
    expect(exited.stderr).toContain('what served before still serves');

    const late = await runBlueGreen(['switch', 'green', '--nodes', slow]);
    expect(late.code).toBe(1);
    expect(late.stderr).toMatch(/refusing to switch to green: green\d is not ready after 0.2 s: \/readyz answered/);

    // Blue is live: switching to it is refused at once; a bad command line is a usage error.
    const live = await cluster.bluegreen('switch', 'blue');
    expect(live.code).toBe(1);
    expect(live.stderr).toContain('refusing to switch to blue: blue is already enabled in HAProxy (blue1 UP, blue2 UP): it is live; to roll back, switch to green');
    expect((await runBlueGreen(['switch', '--nodes', cluster.nodesFile])).code).toBe(2);

    const stats = await serverStats(cluster.socket, 'ratestore');
    expect(stats.map((s) => [s.server, s.status])).toEqual([['blue1', 'UP'], ['blue2', 'UP'], ['green1', 'MAINT'], ['green2', 'MAINT']]);
    const status = await cluster.bluegreen('status');
    const serving = (server: string) => new RegExp(`^blue ${server}: HAProxy UP \\(requests \\d+\\); pid \\d+, server ${BLUE_VERSION.replaceAll('.', '\\.')}, version 1 of 1$`);
    expect(status.report?.lines).toEqual([
      expect.stringMatching(serving('blue1')),
      expect.stringMatching(serving('blue2')),
      'green green1: HAProxy MAINT (requests 0); not running',
      'green green2: HAProxy MAINT (requests 0); not running'
    ]);
    expect([cluster.pidOf('green1'), cluster.pidOf('green2')]).toEqual([undefined, undefined]);
    expect((await getJson(cluster.url, '/v1/status')).body.server_version).toBe(BLUE_VERSION);
  });

  it('switches blue -> green (another build) -> blue under queries and uploads: no failed request, every upload acknowledged once, the nodes agree', async () => {
    const uploads = new Uploads(cluster.url, 'bluegreen');
    const queries = startQueries(cluster.url, { rate: 150, connections: 8 });
    uploads.startSmall(2, 150);
    // Staged uploads of 200k prices one after another, so that one is in flight whenever a switch runs.
    let staged = 0;
    let stagedOn = true;
    const stagedLoop = (async () => {
      while (stagedOn) await uploads.staged(staged++);
    })();
    await delay(2000);

    const bluePids = [cluster.pidOf('blue1'), cluster.pidOf('blue2')];
    const greenStarted = Date.now();
    const toGreen = await cluster.bluegreen('switch', 'green');
    const greenDone = Date.now();
    expect(toGreen.code, toGreen.stderr).toBe(0);
    expect(bluePids.every((pid) => pid !== undefined && !running(pid))).toBe(true);
    expect((await getJson(cluster.url, '/v1/status')).body.server_version).toBe(GREEN_VERSION);
    await delay(2000);

    const blueStarted = Date.now();
    const toBlue = await cluster.bluegreen('switch', 'blue');
    const blueDone = Date.now();
    expect(toBlue.code, toBlue.stderr).toBe(0);
    expect([cluster.pidOf('green1'), cluster.pidOf('green2')]).toEqual([undefined, undefined]);
    expect((await getJson(cluster.url, '/v1/status')).body.server_version).toBe(BLUE_VERSION);
    await delay(1500);

    stagedOn = false;
    await stagedLoop;
    await uploads.finish();
    const result = await queries.stop();
    const stats = await serverStats(cluster.socket, 'ratestore');

    expect({ errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx }).toEqual({ errors: 0, timeouts: 0, non2xx: 0 });
    expect(uploads.failures).toEqual([]);
    // Green really served: HAProxy sent it requests.
    expect(stats.filter((s) => s.server.startsWith('green')).every((s) => s.sessions > 0)).toBe(true);
    const rows = await logRows(pg.url);
    expectEachAckedOnce(rows, uploads.acks, 'bluegreen');
    await expectNodesAgree([cluster.node('blue1').url, cluster.node('blue2').url], rows);

    const toGreenWindow = window(toGreen, greenStarted, greenDone, queries.events, uploads.acks);
    const toBlueWindow = window(toBlue, blueStarted, blueDone, queries.events, uploads.acks);
    expect(toGreenWindow.stagedInFlight + toBlueWindow.stagedInFlight).toBeGreaterThan(0);
    record('blue/green', {
      requests: result.requests.total,
      failedRequests: result.errors + result.non2xx,
      uploads: uploads.acks.length,
      staged200k: uploads.acks.filter((a) => a.kind === 'staged').length,
      lostOrDoubled: 0,
      clientRetries: uploads.retries.length,
      switchToGreen: toGreenWindow,
      switchToBlue: toBlueWindow,
      finalVersion: rows.length
    });
  });

  it('loses a node under load: HAProxy takes it out, clients see no failure, the restarted node catches up', async () => {
    const uploads = new Uploads(cluster.url, 'loss');
    const queries = startQueries(cluster.url, { rate: 150, connections: 8 });
    uploads.startSmall(2, 150);
    const stagedRun = uploads.staged(100);
    await delay(1500);

    // Reads in flight on the node when it dies (year-long region pairs, each its own URL, so none
    // from the cache): HAProxy must send them again to the other node (retry-on empty-response).
    const [origin, destination] = catalog().filter((item) => item.type === 'region').map((item) => (item as { slug: string }).slug);
    const burst = Array.from({ length: 24 }, (_, i) => fetch(`${cluster.url}/v1/rates?date_from=2017-01-01&date_to=2017-12-31&origin=${origin}&destination=${destination}&min_count=${i + 1}`)
      .then(async (response) => (await response.arrayBuffer(), response.status), () => 0));
    const victim = cluster.pidOf('blue1')!;
    const killedAt = Date.now();
    await killPid(victim);
    expect(await Promise.all(burst)).toEqual(burst.map(() => 200));
    const takenOutMs = await haproxyStatus(cluster, 'blue1', /^DOWN/);
    await delay(3000);
    cluster.restart('blue1');
    const restartedAt = Date.now();
    const backMs = await haproxyStatus(cluster, 'blue1', /^UP$/, 60_000);
    await delay(1500);

    await stagedRun;
    await uploads.finish();
    const result = await queries.stop();

    expect({ errors: result.errors, timeouts: result.timeouts, non2xx: result.non2xx }).toEqual({ errors: 0, timeouts: 0, non2xx: 0 });
    expect(uploads.failures).toEqual([]);
    const rows = await logRows(pg.url);
    expectEachAckedOnce(rows, uploads.acks, 'loss');
    await expectNodesAgree([cluster.node('blue1').url, cluster.node('blue2').url], rows);
    const afterKill = queries.events.filter((e) => e.at >= killedAt && e.at <= restartedAt + backMs);
    const resent = (await serverStats(cluster.socket, 'ratestore')).reduce((sum, s) => sum + s.redispatches, 0);
    record('node loss', {
      requests: result.requests.total,
      requestsWhileANodeWasOut: afterKill.length,
      failedRequests: result.errors + result.non2xx,
      uploads: uploads.acks.length,
      clientRetries: uploads.retries.length,
      resentByHaproxy: resent,
      haproxyTookItOutMs: takenOutMs,
      restartToReadyMs: backMs
    });
  });

  it('caches reads for at most max-age: after a commit no answer through the cache is older than the documented bound', async () => {
    // The bound of docs/operations.md: max-age (1 s) plus replication lag; asserted here as 2 s.
    const BOUND_MS = 2000;
    const uploads = new Uploads(cluster.url, 'cache');
    const { origin, destination } = sampleRoutes()[0]!;
    const path = `/v1/rates?date_from=2019-01-01&date_to=2019-01-02&origin=${origin}&destination=${destination}`;
    let staleSeenMs = 0;
    let cached = 0;
    let answers = 0;
    for (let round = 0; round < 3; round++) {
      // Keep the answer hot in the cache, then commit a price it includes.
      for (let i = 0; i < 5; i++) await fetch(`${cluster.url}${path}`).then((r) => r.arrayBuffer());
      const { version } = await uploads.client.uploadBatch(
        [{ origin, destination, day: '2019-01-01', price: 1000 + round }], { batchId: `cache-${round}` });
      const ackedAt = Date.now();
      while (Date.now() - ackedAt < BOUND_MS + 1000) {
        const response = await fetch(`${cluster.url}${path}`);
        const body = (await response.json()) as { version: number };
        const age = Date.now() - ackedAt;
        answers++;
        if (response.headers.get('age') !== null) cached++;
        if (body.version < version) {
          staleSeenMs = Math.max(staleSeenMs, age);
          expect(age, `an answer at version ${body.version} < ${version} ${age} ms after the commit was acknowledged`).toBeLessThan(BOUND_MS);
        }
        await delay(20);
      }
    }
    await uploads.finish();
    // The cache was in the path: most answers came from it.
    expect(cached).toBeGreaterThan(answers / 2);
    record('cache', { boundMs: BOUND_MS, answers, fromCache: cached, oldestStaleAnswerMs: staleSeenMs });
  });
});
