/** `ratestore snapshot` and `ratestore prune` against a real cluster's PostgreSQL. */
import { describe, expect, it } from 'vitest';
import { Ratestore } from '@ratestore/core';
import { memoryBackend } from '../../../core/test/backends.js';
import { TREE, randomPrices } from '../../../core/test/helpers.js';
import { newestSnapshot, snapshotEntries } from '../../src/cluster/snapshots.js';
import { cli } from '../helpers/cli.js';
import { connectNode, freshDatabase, usePostgres, type TestCluster } from './pg-cluster.js';

const server = usePostgres();

describe('ratestore snapshot and prune', () => {
  it('snapshots the cluster at its head from a replica of its own, then prunes the log behind it', async () => {
    const cluster: TestCluster = { url: await freshDatabase(server()), retainVersions: Infinity, connections: [] };
    const connection = await connectNode(cluster, 'writer');
    const writer = new Ratestore({ db: memoryBackend().create(), log: connection.log, staging: connection.staging });
    await writer.open();
    try {
      expect(await cli(['prune', '--cluster', cluster.url])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error RATESTORE_NO_SNAPSHOT: .* has no snapshot/) });
      await writer.write(TREE);
      for (let i = 0; i < 3; i++) await writer.write(randomPrices(120 + i, 100, '2016-08-01', 5));

      const taken = await cli(['snapshot', '--cluster', cluster.url, '--json']);
      expect(taken.code).toBe(0);
      const snapshot = JSON.parse(taken.stdout) as { version: number; bytes: number; parts: number };
      expect(snapshot).toMatchObject({ version: 4, parts: 1 });
      expect((await newestSnapshot(connection.pool))?.version).toBe(4);
      // What it holds is this writer's data: a store restored from it agrees.
      const restored = new Ratestore({ memory: true });
      await restored.restore(snapshotEntries(connection.pool, 4));
      await restored.open();
      expect(restored.batches()).toEqual(writer.batches());
      await restored.close();

      await writer.write(randomPrices(130, 100, '2016-08-01', 5));
      const pruned = await cli(['prune', '--cluster', cluster.url]);
      expect(pruned).toMatchObject({ code: 0, stdout: expect.stringMatching(/^pruned postgresql:\/\/.* through version 4: the data of 4 batch\(es\) and 0 older snapshot\(s\) removed\n$/) });
      // The cluster goes on: a write after the prune, and the writer's answers, are whole.
      expect((await writer.write(randomPrices(131, 10, '2016-08-01', 5))).version).toBe(6);
    } finally {
      await writer.close();
      for (const c of cluster.connections) await c.close();
    }
  });

  it('names the cluster or says how to: usage errors, and an unreachable PostgreSQL without its password', async () => {
    expect(await cli(['snapshot'], { env: {} })).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error RATESTORE_USAGE: name the cluster/) });
    const down = await cli(['prune', '--cluster', 'postgres://someone:secret@127.0.0.1:1/nowhere']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/^error RATESTORE_LOG_UNAVAILABLE: cannot use the cluster's PostgreSQL at postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/nowhere/);
    expect(down.stderr).not.toContain('secret');
  });
});
