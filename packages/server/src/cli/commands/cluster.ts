import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { Ratestore } from '@ratestore/core';
import type { ClusterConnection } from '../../cluster/cluster.js';
import { redactUrl } from '../../cluster/errors.js';
import { CliError, EXIT_USAGE, configureCommand, count, printJson, processIo, runAction, type CliIo } from './common.js';

interface ClusterFlags {
  cluster?: string;
  json?: boolean;
}

/** `--cluster URL`, or RATESTORE_CLUSTER_URL. */
function clusterUrl(flags: ClusterFlags, io: CliIo): string {
  const url = flags.cluster ?? io.env.RATESTORE_CLUSTER_URL;
  if (url === undefined || url === '') throw new CliError('RATESTORE_USAGE', 'name the cluster: --cluster postgres://user@host:port/db (or set RATESTORE_CLUSTER_URL)', EXIT_USAGE);
  return url;
}

/** Runs `work` with a connection to the cluster (a tool's, not a serving node's), closed after. */
async function withCluster<T>(url: string, nodeId: string, work: (cluster: ClusterConnection) => Promise<T>): Promise<T> {
  // Loaded here, as the other commands' heavy modules are: every command pays for what the CLI loads at start.
  const { connectCluster } = await import('../../cluster/cluster.js');
  const cluster = await connectCluster({ url, nodeId, data: nodeId, pollMs: 1000, retainVersions: Infinity, poolSize: 4, onError: () => undefined });
  try {
    return await work(cluster);
  } finally {
    await cluster.close();
  }
}

/**
 * `ratestore snapshot --cluster URL`: builds a replica of the cluster in a temporary directory (from
 * the newest snapshot and the log after it), then stores a snapshot of it at the log's head, in
 * PostgreSQL where every node can fetch it. New nodes start from it; `ratestore prune` then removes
 * the log data it makes unnecessary.
 */
function registerSnapshotCommand(program: Command, io: CliIo): void {
  const command = program
    .command('snapshot')
    .description('store a snapshot of the cluster at its log\'s head, for new nodes to start from')
    .option('--cluster <url>', 'the cluster\'s PostgreSQL URL (default: $RATESTORE_CLUSTER_URL)')
    .option('--json', 'print {"version", "bytes", "parts", "created_at"} as JSON');
  configureCommand(command, io);
  command.action(async (flags: ClusterFlags) => {
    await runAction(io, async () => {
      const url = clusterUrl(flags, io);
      const dir = mkdtempSync(join(tmpdir(), 'ratestore-snapshot-'));
      try {
        const started = performance.now();
        const info = await withCluster(url, `snapshot-${hostname().replace(/[^A-Za-z0-9._-]/g, '-').slice(0, 40)}-${process.pid}`, async (cluster) => {
          const store = new Ratestore({ location: dir, log: cluster.log, staging: cluster.staging });
          const { bootstrapFromSnapshot } = await import('../../cluster/node.js');
          const { saveSnapshot } = await import('../../cluster/snapshots.js');
          await bootstrapFromSnapshot(store, cluster);
          await store.open();
          try {
            return await saveSnapshot(cluster.pool, await store.snapshot());
          } finally {
            await store.close();
          }
        });
        if (flags.json === true) {
          printJson(io, { version: info.version, bytes: info.bytes, parts: info.parts, created_at: info.createdAt });
          return;
        }
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        io.stdout.write(`snapshot of ${redactUrl(url)} at version ${info.version}: ${count(info.bytes)} bytes in ${info.parts} part(s), ${seconds} s\n`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}

/**
 * `ratestore prune --cluster URL`: removes the data of batches up to the newest snapshot and older
 * snapshots. A node behind that point can no longer catch up from the log: it starts afresh from
 * the snapshot, on an empty data directory.
 */
function registerPruneCommand(program: Command, io: CliIo): void {
  const command = program
    .command('prune')
    .description('remove log data older than the newest snapshot, and older snapshots')
    .option('--cluster <url>', 'the cluster\'s PostgreSQL URL (default: $RATESTORE_CLUSTER_URL)')
    .option('--json', 'print {"snapshot_version", "batches", "snapshots"} as JSON');
  configureCommand(command, io);
  command.action(async (flags: ClusterFlags) => {
    await runAction(io, async () => {
      const url = clusterUrl(flags, io);
      const result = await withCluster(url, `prune-${process.pid}`, async (connection) => (await import('../../cluster/snapshots.js')).pruneLog(connection.pool));
      if (result === undefined) throw new CliError('RATESTORE_NO_SNAPSHOT', `${redactUrl(url)} has no snapshot: take one first (ratestore snapshot), then prune`);
      if (flags.json === true) {
        printJson(io, { snapshot_version: result.snapshotVersion, batches: result.batches, snapshots: result.snapshots });
        return;
      }
      io.stdout.write(`pruned ${redactUrl(url)} through version ${result.snapshotVersion}: the data of ${count(result.batches)} batch(es) and ${count(result.snapshots)} older snapshot(s) removed\n`);
    });
  });
}

/** `ratestore snapshot` and `ratestore prune`. */
export function registerClusterCommands(program: Command, io: CliIo = processIo()): void {
  registerSnapshotCommand(program, io);
  registerPruneCommand(program, io);
}
