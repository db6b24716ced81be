/**
 * PostgreSQL failover under a stream of acknowledged uploads (issue 14): Patroni in synchronous
 * mode (deploy/patroni/patroni.yml) with etcd, the nodes reaching the primary through HAProxy's
 * REST checks (deploy/haproxy-postgres.cfg). The primary's Patroni and PostgreSQL are SIGKILLed;
 * every acknowledged batch must be on every node afterwards, once, and uploads must resume by
 * themselves. The nodes poll the log only once a minute here, so that a follower is quick after the
 * failover only if its LISTEN connection came back.
 */
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startPatroniCluster, type PatroniCluster } from '@ratestore/test-support';
import { serverStats } from '../lib/haproxy.mjs';
import { expectEachAckedOnce, expectNodesAgree, getJson, logRows, waitForVersion } from './checks.js';
import { DEPLOY, killPid, serveBlue, startDeployCluster, type DeployCluster } from './fixture.js';
import { Uploads, catalog } from './load.js';
import { record } from './figures.js';

describe('PostgreSQL failover with Patroni', () => {
  let patroni: PatroniCluster;
  let cluster: DeployCluster;
  let logUrl: string;

  beforeAll(async () => {
    patroni = await startPatroniCluster({ config: join(DEPLOY, 'patroni', 'patroni.yml') });
    const pgBind = await freePort();
    const [pg1, pg2] = patroni.members;
    logUrl = `postgres://postgres:${patroni.password}@127.0.0.1:${pgBind}/postgres`;
    cluster = await startDeployCluster({
      clusterUrl: logUrl,
      config: { cluster: { pollMs: 60_000 } },
      extraConfigs: [join(DEPLOY, 'haproxy-postgres.cfg')],
      extraEnv: {
        RATESTORE_PG_BIND: `127.0.0.1:${pgBind}`,
        RATESTORE_PG1: `127.0.0.1:${pg1!.port}`, RATESTORE_PG1_API_PORT: String(pg1!.apiPort),
        RATESTORE_PG2: `127.0.0.1:${pg2!.port}`, RATESTORE_PG2_API_PORT: String(pg2!.apiPort)
      }
    });
    // HAProxy counts a server UP until its checks say otherwise (`fall 2`): a node started before
    // then may reach the standby, which refuses the schema's CREATE TABLE as read-only (a CI run
    // failed so). So the nodes start once HAProxy routes to the primary alone.
    const leader = (await patroni.primary())!;
    const deadline = Date.now() + 30_000;
    for (;;) {
      const stats = await serverStats(cluster.socket, 'postgres');
      if (stats.length === 2 && stats.every((s) => (s.server === leader.name) === (s.status === 'UP'))) break;
      if (Date.now() > deadline) throw new Error(`HAProxy does not route PostgreSQL to ${leader.name} alone: ${JSON.stringify(stats)}`);
      await delay(200);
    }
    await serveBlue(cluster);
  }, 180_000);

  afterAll(async () => {
    await cluster?.stop();
    await patroni?.stop();
  }, 120_000);

  it('SIGKILL of the primary during acknowledged uploads: none lost, none twice, uploads resume by themselves, LISTEN comes back', async () => {
    const uploads = new Uploads(cluster.url, 'failover');
    uploads.startSmall(3, 10, 50);
    await delay(3000);

    const primary = (await patroni.primary())!;
    const standby = patroni.members.find((m) => m !== primary)!;
    const killedAt = Date.now();
    await Promise.all([killPid(primary.patroniPid()!), killPid(primary.postgresPid()!)]);
    // The first upload begun after the kill and acknowledged: it committed on the new primary.
    let firstAck: number | undefined;
    const deadline = Date.now() + 90_000;
    while (firstAck === undefined && Date.now() < deadline) {
      firstAck = uploads.acks.find((ack) => ack.startedAt > killedAt)?.ackedAt;
      await delay(50);
    }
    console.log(`[failover] killed ${primary.name} at +0; first ack ${firstAck === undefined ? 'none' : `+${firstAck - killedAt} ms`}; acks ${uploads.acks.length}, retries ${uploads.retries.length}, failures ${uploads.failures.length}`);
    expect(firstAck, 'no upload was acknowledged within 90 s of the kill').toBeDefined();
    expect((await patroni.primary())?.name).toBe(standby.name);
    await delay(3000);
    await uploads.finish();

    expect(uploads.failures).toEqual([]);
    const inFlightAtTheKill = uploads.acks.filter((a) => a.startedAt <= killedAt && a.ackedAt >= killedAt).length;
    expect(inFlightAtTheKill).toBeGreaterThan(0);
    const rows = await logRows(logUrl);
    expectEachAckedOnce(rows, uploads.acks, 'failover');
    const nodes = [cluster.node('blue1').url, cluster.node('blue2').url];
    await expectNodesAgree(nodes, rows);
    for (const node of nodes) expect((await getJson(node, '/v1/status')).body).toMatchObject({ stale: false, lag_versions: 0 });

    // LISTEN is back: a commit through one node reaches the other at once, though it polls once a minute.
    const { version } = await fetch(`${nodes[0]}/v1/batches`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': 'failover-listen' },
      body: JSON.stringify(catalog().slice(0, 1))
    }).then(async (r) => (await r.json()) as { version: number });
    const sent = Date.now();
    await waitForVersion(nodes[1]!, version, 3000);
    const notifiedMs = Date.now() - sent;

    const stats = await serverStats(cluster.socket, 'postgres');
    expect(stats.find((s) => s.server === standby.name)?.status).toBe('UP');
    record('postgres failover', {
      acknowledgedBatches: uploads.acks.length,
      inFlightAtTheKill,
      lost: 0,
      appliedTwice: 0,
      clientRetries: uploads.retries.length,
      killToFirstAckOnNewPrimaryMs: firstAck! - killedAt,
      otherNodeNotifiedAfterFailoverMs: notifiedMs
    });
  }, 240_000);
});
