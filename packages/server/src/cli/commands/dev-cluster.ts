/**
 * `ratestore dev --cluster N`: a scaled-down copy of a production cluster on this machine. A
 * throwaway PostgreSQL on 127.0.0.1 and N `ratestore serve --cluster` child processes (the
 * production code path, each with its own temporary data directory), seeded through the first
 * node, supervised until Ctrl-C; then everything it started is stopped by PID and its folders are
 * removed. A node (or PostgreSQL) that dies takes the rest down and makes the command fail.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { RatestoreClient } from '@ratestore/client';
import { generateSample, sampleRoutes, type SampleOptions } from '@ratestore/core';
import { formatDay, parseDay } from '@ratestore/core/contract';
import type { ServerConfig } from '../../config.js';
import { checkExposure } from '../../server.js';
import { installedPostgresBin, isAlive, PostgresNotInstalledError, startThrowawayPostgres, type ThrowawayPostgres } from '../../cluster/throwaway-postgres.js';
import { CliError, count, type CliIo } from './common.js';

/** How long a node may take to answer /readyz, and the cluster to apply the sample. */
const START_TIMEOUT_MS = 120_000;
/** How long a node may take to drain and close after SIGTERM before it gets SIGKILL. */
const STOP_TIMEOUT_MS = 40_000;
/** How often the supervisor checks that PostgreSQL (not our child, so no exit event) is still there. */
const POSTGRES_CHECK_MS = 1000;
/** The batch id of the sample, as single-node `dev` and `serve --seed-if-empty` name it. */
const SAMPLE_BATCH_ID = 'sample-seed';
/** This CLI's entry point, run by each node. */
const CLI_MAIN = fileURLToPath(new URL('../main.js', import.meta.url));

export interface DevClusterOptions {
  /** How many nodes (1 to MAX_DEV_NODES). */
  nodes: number;
  /** `config.host` and `config.port` (the first node's port; 0: any free ones), `config.auth.keys` for seeding. */
  config: ServerConfig;
  sample: SampleOptions;
}

/**
 * Runs the cluster until SIGINT or SIGTERM (then resolves) or until a node or PostgreSQL dies (then
 * throws RATESTORE_NODE_FAILED). Whatever happens, everything it started is stopped by PID and its
 * folders removed before it returns.
 */
export async function runDevCluster(io: CliIo, options: DevClusterOptions): Promise<void> {
  checkExposure(options.config);
  const bin = installedPostgresBin();
  if (bin === undefined) throw new PostgresNotInstalledError();
  const ports = await nodePorts(options.config.host, options.config.port, options.nodes);
  await new DevCluster(io, options, bin, ports).run();
}

/** A SIGINT or SIGTERM: the user stops the cluster, which is no failure. */
class StopRequested extends Error {}

interface DevNode {
  id: string;
  url: string;
  data: string;
  child: ChildProcess;
  exited: Promise<void>;
}

class DevCluster {
  readonly #io: CliIo;
  readonly #options: DevClusterOptions;
  readonly #bin: string;
  readonly #ports: number[];
  readonly #root = mkdtempSync(join(tmpdir(), 'ratestore-dev-cluster-'));
  readonly #nodes: DevNode[] = [];
  /** Aborted by the first signal or failure: start-up stops waiting, and the supervisor tears down. */
  readonly #abort = new AbortController();
  #postgres: ThrowawayPostgres | undefined;
  #seeded: { prices: number; version: number } | undefined;
  #stopping = false;
  #watch: NodeJS.Timeout | undefined;

  constructor(io: CliIo, options: DevClusterOptions, bin: string, ports: number[]) {
    this.#io = io;
    this.#options = options;
    this.#bin = bin;
    this.#ports = ports;
  }

  async run(): Promise<void> {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (this.#abort.signal.aborted) {
        // A second Ctrl-C: no more waiting for nodes to drain.
        for (const node of this.#nodes) node.child.kill('SIGKILL');
        return;
      }
      this.#io.stderr.write(`${signal}: stopping every node and PostgreSQL\n`);
      this.#interrupt(new StopRequested(signal));
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const stopped = new Promise<void>((resolve) => this.#abort.signal.addEventListener('abort', () => resolve(), { once: true }));
    try {
      await this.#start().catch((error: unknown) => this.#interrupt(error));
      if (!this.#abort.signal.aborted) this.#io.stdout.write(this.#summary());
      await stopped;
    } finally {
      await this.#teardown();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    const reason: unknown = this.#abort.signal.reason;
    if (!(reason instanceof StopRequested)) throw reason;
  }

  /** Ends the run with `reason` (the first reason counts; a StopRequested is a clean stop). */
  #interrupt(reason: unknown): void {
    if (!this.#abort.signal.aborted) this.#abort.abort(reason);
  }

  async #start(): Promise<void> {
    const { nodes, config, sample } = this.#options;
    this.#io.stdout.write(`starting PostgreSQL and ${nodes} node(s)…\n`);
    this.#postgres = await startThrowawayPostgres({
      bin: this.#bin,
      // Each node holds a pool (cluster.poolSize, default 8) and a LISTEN connection.
      settings: { max_connections: String(Math.max(100, 20 + nodes * (config.cluster.poolSize + 2))) }
    }).catch((error: unknown) => {
      throw new CliError('RATESTORE_START_FAILED', `PostgreSQL could not be started: ${(error as Error).message}`);
    });
    this.#watch = setInterval(() => {
      if (this.#postgres !== undefined && !isAlive(this.#postgres.pid)) {
        this.#interrupt(new CliError('RATESTORE_NODE_FAILED', `PostgreSQL (pid ${this.#postgres.pid}) went away; stopped every node`));
      }
    }, POSTGRES_CHECK_MS);
    this.#abort.signal.throwIfAborted();
    for (let i = 0; i < nodes; i++) this.#nodes.push(this.#spawnNode(`node-${i + 1}`, this.#ports[i]!));
    await Promise.all(this.#nodes.map((node) => this.#untilReady(node)));
    const first = this.#nodes[0]!;
    const client = new RatestoreClient({ baseUrl: first.url, ...this.#auth() });
    const seeded = await client.uploadBatch(generateSample(sample), { batchId: SAMPLE_BATCH_ID, signal: this.#abort.signal });
    await Promise.all(this.#nodes.map((node) => this.#untilVersion(node, seeded.version)));
    this.#seeded = { prices: seeded.counts.prices, version: seeded.version };
  }

  /** `ratestore serve --cluster` for one node, its output passed on line by line under its id. */
  #spawnNode(id: string, port: number): DevNode {
    const { host } = this.#options.config;
    const data = join(this.#root, id);
    const args = [CLI_MAIN, 'serve', '--cluster', this.#postgres!.url, '--node-id', id, '--data', data, '--host', host, '--port', String(port)];
    // Its own process group: a Ctrl-C in the terminal reaches only this supervisor, which stops the
    // nodes before PostgreSQL (pg_ctl puts the postmaster in a session of its own already).
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: this.#io.env });
    for (const [stream, out] of [[child.stdout!, this.#io.stdout], [child.stderr!, this.#io.stderr]] as const) {
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => out.write(`[${id}] ${line}\n`));
    }
    child.once('error', (error) => this.#interrupt(new CliError('RATESTORE_NODE_FAILED', `${id} could not be started: ${error.message}`)));
    const exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        if (!this.#stopping) {
          this.#interrupt(new CliError('RATESTORE_NODE_FAILED', `${id} (pid ${child.pid}) exited (${signal ?? `code ${code}`}); stopped the other nodes and PostgreSQL`));
        }
        resolve();
      });
    });
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    return { id, url, data, child, exited };
  }

  /** The API key the supervisor seeds with when the server has keys: one that may write. */
  #auth(): { apiKey?: string } {
    const key = this.#options.config.auth.keys.find((k) => k.scopes.includes('write') || k.scopes.includes('admin'));
    return key === undefined ? {} : { apiKey: key.key };
  }

  /** Polls until `check` is true, giving up when the run is interrupted or after START_TIMEOUT_MS. */
  async #until(what: string, check: () => Promise<boolean>): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      this.#abort.signal.throwIfAborted();
      if (await check().catch(() => false)) return;
      if (Date.now() > deadline) throw new CliError('RATESTORE_NODE_FAILED', `${what} within ${START_TIMEOUT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  #untilReady(node: DevNode): Promise<void> {
    return this.#until(`${node.id} was not ready (/readyz)`, async () => (await this.#get(node, '/readyz')).ok);
  }

  #untilVersion(node: DevNode, version: number): Promise<void> {
    return this.#until(`${node.id} did not apply version ${version}`, async () => {
      const response = await this.#get(node, '/v1/status');
      return response.ok && ((await response.json()) as { version: number }).version >= version;
    });
  }

  #get(node: DevNode, path: string): Promise<Response> {
    const { apiKey } = this.#auth();
    return fetch(`${node.url}${path}`, {
      signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(5000)]),
      ...(apiKey === undefined ? {} : { headers: { authorization: `Bearer ${apiKey}` } })
    });
  }

  #summary(): string {
    const pg = this.#postgres!;
    const width = Math.max(...this.#nodes.map((node) => node.id.length), 'postgresql'.length);
    const lines = [
      `ratestore dev --cluster ${this.#nodes.length}: ready`,
      ...this.#nodes.map((node) => `  ${node.id.padEnd(width)}  ${node.url}  pid ${node.child.pid}  data ${node.data}`),
      `  ${'postgresql'.padEnd(width)}  ${pg.url}  pid ${pg.pid}  data ${pg.dir}  (${pg.version})`,
      `seeded through ${this.#nodes[0]!.id}: ${count(this.#seeded!.prices)} sample prices as batch ${SAMPLE_BATCH_ID}, version ${this.#seeded!.version}, applied on every node`
    ];
    const [route] = sampleRoutes(this.#options.sample);
    const dateFrom = this.#options.sample.dateFrom;
    if (route !== undefined && dateFrom !== undefined) {
      const query = new URLSearchParams({ date_from: dateFrom, date_to: formatDay(parseDay(dateFrom)! + 9), origin: route.origin, destination: route.destination });
      lines.push(`try: curl '${this.#nodes[this.#nodes.length - 1]!.url}/rates?${query}'`);
    }
    lines.push('Ctrl-C stops every node and PostgreSQL and removes their folders');
    return `${lines.join('\n')}\n`;
  }

  /** Stops the nodes (SIGTERM: they drain; SIGKILL after STOP_TIMEOUT_MS), then PostgreSQL, then removes the folders. */
  async #teardown(): Promise<void> {
    this.#stopping = true;
    clearInterval(this.#watch);
    await Promise.all(
      this.#nodes.map(async (node) => {
        if (node.child.pid === undefined || node.child.exitCode !== null || node.child.signalCode !== null) return;
        node.child.kill('SIGTERM');
        const timer = setTimeout(() => node.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        await node.exited;
        clearTimeout(timer);
      })
    );
    await this.#postgres?.stop();
    rmSync(this.#root, { recursive: true, force: true });
  }
}

/**
 * The nodes' ports: `first`, `first + 1`, … (each checked free now, so that a port in use fails
 * before anything starts), or with `first` 0, any free ones.
 */
async function nodePorts(host: string, first: number, nodes: number): Promise<number[]> {
  if (first === 0) {
    // All held open until each is bound, so that the OS hands out N different ports.
    const servers = await Promise.all(Array.from({ length: nodes }, () => listen(host, 0)));
    const ports = servers.map((server) => (server.address() as AddressInfo).port);
    await Promise.all(servers.map(close));
    return ports;
  }
  if (first + nodes - 1 > 65535) throw new CliError('RATESTORE_CONFIG', `port: ${nodes} nodes from port ${first} would go past 65535; choose a lower --port`);
  const ports = Array.from({ length: nodes }, (_, i) => first + i);
  for (const [i, port] of ports.entries()) {
    try {
      await close(await listen(host, port));
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'the port is in use' : (error as Error).message;
      throw new CliError('RATESTORE_CONFIG', `port: cannot listen on ${host}:${port} for node-${i + 1}: ${reason}; nodes take consecutive ports from --port (${first}), so choose another`);
    }
  }
  return ports;
}

/** A server listening on `host:port` (0: a port the OS picks). */
function listen(host: string, port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port, exclusive: true }, () => resolve(server));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}
