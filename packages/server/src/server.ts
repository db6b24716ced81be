import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ratestore, type SampleOptions } from '@ratestore/core';
import { ConfigError, isLoopback, type ServerConfig } from './config.js';
import { FileRateSource, createRateSource, type ExchangeRateSource } from './currency.js';
import { createApp } from './http/app.js';
import { createHttpServer } from './http/node-server.js';
import type { AppContext } from './http/context.js';
import { Lifecycle, gracefulShutdown } from './http/shutdown.js';
import { createLogger, type Logger } from './logger.js';
import { DEFAULT_SAMPLE, exampleQuery, seedIfEmpty, type ExampleQuery } from './seed.js';
import { SERVER_VERSION } from './version.js';
import { firstMissing, removeEmptyStore } from './store-directory.js';
import { connectCluster, type ClusterConnection } from './cluster/cluster.js';
import { bootstrapFromSnapshot, clusterNode, isEmptyDataDirectory, snapshotIfDue } from './cluster/node.js';

/** How often a node with `cluster.snapshotEveryVersions` checks whether a snapshot is due. */
const SNAPSHOT_CHECK_MS = 10_000;

export interface StartOptions {
  config: ServerConfig;
  logger?: Logger;
  /** Load the generated sample when the store is empty. Default false. */
  seedIfEmpty?: boolean;
  sample?: SampleOptions;
  exchangeRates?: ExchangeRateSource;
}

export interface RunningServer {
  /** `http://host:port` */
  url: string;
  port: number;
  store: Ratestore;
  /** In cluster mode, this node's connection to the cluster's PostgreSQL. */
  cluster: ClusterConnection | undefined;
  server: Server;
  context: AppContext;
  /** A query with data, for the startup log (when one is found). */
  example: ExampleQuery | undefined;
  /** Graceful shutdown (see gracefulShutdown); resolves once the store is closed. */
  shutdown(): Promise<void>;
}

/** Refuses an open (keyless) server on anything but loopback. */
export function checkExposure(config: ServerConfig): void {
  if (config.auth.keys.length === 0 && !isLoopback(config.host)) {
    throw new ConfigError(`no API key is configured, so the server only runs on a loopback address, not on ${config.host}: configure keys (RATESTORE_API_KEYS or auth.keys) or use --host 127.0.0.1`);
  }
}

/** The configured exchange rates; a rates file is read now, so a missing or bad one refuses the start (not a 500 on the first conversion). */
async function checkedRateSource(config: ServerConfig): Promise<ExchangeRateSource> {
  const source = createRateSource(config.currency);
  if (source instanceof FileRateSource) {
    await source.load().catch((error: unknown) => {
      throw new ConfigError(`currency.ratesFile: cannot use ${source.file}: ${(error as Error).message}`);
    });
  }
  return source;
}

/**
 * Opens the store and serves it: listens first (so /readyz answers 503 while the store opens and
 * the sample loads), then turns ready.
 */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const { config } = options;
  checkExposure(config);
  const exchangeRates = options.exchangeRates ?? (await checkedRateSource(config));
  const logger = options.logger ?? createLogger(config.logLevel);
  const onBackgroundError = (error: unknown) => logger.error({ err: error }, 'background work failed');
  // Cluster mode: PostgreSQL must be reachable and its tables in place before anything else.
  const cluster = config.cluster.url === undefined ? undefined : await connectCluster({
    url: config.cluster.url,
    ...(config.cluster.nodeId === undefined ? {} : { nodeId: config.cluster.nodeId }),
    data: config.memory ? 'memory' : config.data,
    pollMs: config.cluster.pollMs,
    retainVersions: config.cluster.retainVersions ?? Infinity,
    poolSize: config.cluster.poolSize,
    onError: (error) => logger.warn({ err: error }, 'cluster: PostgreSQL connection')
  });
  // A data directory this start creates is removed again if the start fails: a mistyped --data or
  // a port in use must not leave a store behind (LevelDB creates it as soon as the store is made).
  // Only a store this process opened (it held the lock: no one else used it) and that is still
  // empty, and only LevelDB's files in it; then the parents this start made, each while empty.
  // A cluster node's directory is left as it is (its catch-up would run first).
  const created = config.memory || config.cluster.url !== undefined ? undefined : firstMissing(config.data);
  const undoData = async (): Promise<void> => {
    const owned = created !== undefined && (store.status === 'open' || (store.status === 'new' && (await store.open().then(() => true, () => false))));
    const empty = owned && store.version === 0;
    await store.close().catch(() => undefined);
    if (empty) removeEmptyStore(config.data, created);
  };
  const store = new Ratestore({
    ...(config.memory ? { memory: true } : { location: config.data }),
    maxRangeDays: config.maxRangeDays,
    percentileSketches: config.percentileSketches,
    commitWorkers: config.commitWorkers,
    // A large POST /v1/batches waits for its commit in a temporary file beside the data, as an import does.
    ...(config.memory || config.cluster.url !== undefined ? {} : { spillDirectory: config.data }),
    onBackgroundError,
    ...(cluster === undefined ? {} : { log: cluster.log, staging: cluster.staging })
  });
  const node = cluster === undefined ? undefined : clusterNode(store, cluster);
  const lifecycle = new Lifecycle();
  const { app, context } = createApp(store, config, {
    logger,
    lifecycle,
    ...(node === undefined ? {} : { node }),
    exchangeRates
  });
  const server = createHttpServer(app, logger).listen({ port: config.port, host: config.host });
  try {
    await once(server, 'listening');
  } catch (error) {
    await undoData();
    await cluster?.close();
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'EADDRINUSE' ? 'the port is in use; choose another (--port, PORT)' : code === 'EADDRNOTAVAIL' ? 'no interface has that address (--host)' : (error as Error).message;
    throw new ConfigError(`${code === 'EADDRNOTAVAIL' ? 'host' : 'port'}: cannot listen on ${config.host}:${config.port}: ${reason}`);
  }
  server.on('error', (error) => logger.error({ err: error }, 'server error'));
  const port = (server.address() as AddressInfo).port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  let example: ExampleQuery | undefined;
  let snapshots: NodeJS.Timeout | undefined;
  try {
    if (cluster !== undefined && (config.memory || isEmptyDataDirectory(config.data))) {
      const restored = await bootstrapFromSnapshot(store, cluster);
      if (restored !== undefined) logger.info({ version: restored.version, bytes: restored.bytes }, 'cluster: a new node, restored from the newest snapshot');
    }
    // Opening catches up with the log: /readyz stays 503 until this node has applied the head it saw.
    await store.open();
    if (options.seedIfEmpty === true) {
      const seeded = await seedIfEmpty(store, options.sample ?? DEFAULT_SAMPLE);
      if (seeded.seeded) logger.info({ prices: seeded.prices, ms: seeded.ms }, 'the store was empty: loaded generated sample data');
    }
    example = await exampleQuery(store, options.sample ?? DEFAULT_SAMPLE);
  } catch (error) {
    server.closeAllConnections();
    server.close();
    await undoData();
    await cluster?.close().catch(() => undefined);
    throw error;
  }
  if (cluster !== undefined && config.cluster.snapshotEveryVersions > 0) {
    snapshots = setInterval(() => {
      snapshotIfDue(store, cluster, config.cluster.snapshotEveryVersions).then(
        (taken) => taken === undefined || logger.info({ version: taken.version, bytes: taken.bytes }, 'cluster: snapshot taken'),
        onBackgroundError
      );
    }, SNAPSHOT_CHECK_MS);
    snapshots.unref();
  }
  lifecycle.state = 'ready';
  const auth = config.auth.keys.length === 0 ? 'none: open on loopback only' : `${config.auth.keys.length} key(s), reads ${config.auth.readsNeedKey ? 'need a key' : 'open'}`;
  const mode = cluster === undefined ? { mode: 'single' } : { mode: 'cluster', node_id: cluster.nodeId, cluster: cluster.url, cluster_id: cluster.identity.clusterId };
  logger.info({ url, server_version: SERVER_VERSION, store: config.memory ? 'memory' : config.data, version: store.version, ...mode, auth, exchange_rates: context.exchangeRates.description }, 'listening');
  if (config.auth.keys.length === 0) logger.warn('no API keys are configured: anyone who can reach this loopback address can read and write');
  if (example !== undefined) {
    const query = new URLSearchParams({ date_from: example.dateFrom, date_to: example.dateTo, origin: example.origin, destination: example.destination });
    logger.info({ curl: `curl '${url}/rates?${query}'` }, `try: curl '${url}/rates?${query}'`);
  }
  let stopping: Promise<void> | undefined;
  return {
    url,
    port,
    store,
    cluster,
    server,
    context,
    example,
    shutdown: () =>
      (stopping ??= gracefulShutdown({
        server,
        lifecycle,
        logger,
        closeStore: async () => {
          clearInterval(snapshots);
          await store.close();
          await cluster?.close();
        },
        deadlineMs: config.shutdown.deadlineMs,
        drainDelayMs: config.shutdown.drainDelayMs
      }))
  };
}
