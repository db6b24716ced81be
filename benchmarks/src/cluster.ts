/**
 * bench:cluster: the figures of cluster mode (issue 13), on a throwaway PostgreSQL and real
 * `ratestore serve --cluster` processes on 127.0.0.1, HAProxy from deploy/ in front of the nodes for
 * the read figure; everything started here is stopped by its PID.
 *
 * 1. commit: a batch of 50k and of 1M prices through `POST /v1/batches` of a single node, of node A
 *    of a 3-node cluster, of the only node of a 1-node cluster, and the same prices by PostgreSQL
 *    `COPY` alone, side by side in each run.
 * 2. lag: 50k-price batches committed through A; from A's answer until a read with `min_version`
 *    answers on B and on C.
 * 3. catchup: C stopped while A commits 10 batches, then started again: how fast it applies them
 *    (beside B restarted having missed nothing). bootstrap: a new node, empty data directory, into a
 *    cluster of 10M prices that has a snapshot.
 * 4. reads: uncached region-to-region `GET /rates` through HAProxy with 1 and with 2 nodes in
 *    service, as requests/s and per CPU-second of the node processes.
 *
 *   npm run bench:cluster -- --help
 */
import { execFile } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { sampleCatalog, samplePrices, sampleRoutes, type PriceItem, type SampleOptions } from '@ratestore/core';
import { freePort, startHaproxy, type RunningHaproxy } from '@ratestore/test-support';
import { REPO_ROOT, SERVER_CLI, cleanupOnSignal, spawnServer, stopProcess } from './child.js';
import { SCHEMA_PREFIX, copyPrices, createDataSet, dropSchema, startPostgres, type Postgres } from './compare/postgres.js';
import { Rotation, childrenCpuSeconds, childrenCpuSince, contextSwitches, cpuSeconds, driveLoad, regionQueries, type LoadFigures } from './load.js';
import { BATCH_DAYS, CATALOG, FIRST_DAY, batchOptions, slices } from './sample.js';
import {
  addDays, fmtInt, gitState, hrtimeUs, loadAverages, machine, median, minMax, parseCommand, percent, perSecond, ratio, seconds, summarizeLatencies, table,
  verdict, type OptionSpecs
} from './util.js';

const FIGURES = ['commit', 'lag', 'catchup', 'bootstrap', 'reads'] as const;
type Figure = (typeof FIGURES)[number];

const COMMAND = {
  script: import.meta.url,
  summary: 'Cluster mode under measurement: commit cost against PostgreSQL COPY, replication lag, catch-up and bootstrap, read capacity through HAProxy with 1 and 2 nodes; prints markdown tables of medians.',
  options: {
    runs: { type: 'int', default: 3, description: 'runs of each figure, the variants side by side (alternating order) inside each' },
    figures: { type: 'strings', choices: FIGURES, default: FIGURES, description: 'the figures to measure' },
    'commit-sizes': { type: 'ints', default: [50_000, 1_000_000], description: 'prices per batch of the commit figure' },
    'batch-prices': { type: 'int', default: 50_000, description: 'prices per batch of the lag and catch-up figures' },
    'lag-batches': { type: 'int', default: 20, description: 'batches per run of the lag figure' },
    missed: { type: 'int', default: 10, description: 'batches the catching-up node misses' },
    'bootstrap-prices': { type: 'int', default: 10_000_000, description: 'prices in the cluster a new node bootstraps into (committed as 1M-price batches over 366 days)' },
    'read-prices': { type: 'int', default: 1_000_000, description: 'prices in the cluster of the read figure' },
    days: { type: 'int', default: 92, description: 'days the read figure\'s prices are spread over' },
    window: { type: 'int', default: 31, description: 'days per query of the read figure' },
    duration: { type: 'int', default: 10, description: 'seconds of load per run and node count' },
    warmup: { type: 'int', default: 3, description: 'seconds of load with 2 nodes before the read runs' },
    'warmup-batches': { type: 'int', default: 5, description: 'untimed batches (of --batch-prices) through every path before the commit runs' },
    connections: { type: 'int', default: 16, description: 'autocannon connections (to HAProxy)' },
    'log-level': { type: 'string', default: 'warn', arg: 'LEVEL', description: "the nodes' log level" },
    'cpu-prof': { type: 'string', arg: 'DIR', description: 'run the commit figure\'s single node and 1-node cluster under node --cpu-prof, their profiles left in DIR' },
    dir: { type: 'string', default: tmpdir(), arg: 'DIR', description: 'where the temporary data (PostgreSQL, replicas) goes' }
  } as const satisfies OptionSpecs
};
const { values: args } = parseCommand(COMMAND);
const { runs, 'commit-sizes': commitSizes, 'batch-prices': batchPrices, 'lag-batches': lagBatches, missed, 'bootstrap-prices': bootstrapPrices,
  'read-prices': readPrices, days, window: windowDays, duration, warmup, 'warmup-batches': warmupBatches, connections, 'log-level': logLevel, 'cpu-prof': cpuProfDir, dir: baseDir } = args;
const figures = new Set(args.figures as Figure[]);

// ---------------------------------------------------------------------------------------------
// Nodes

interface Node {
  name: string;
  url: string;
  pid: number;
  data: string;
  child: ReturnType<typeof spawnServer>;
  log: string;
}

interface Started {
  node: Node;
  /** From spawning the process until it answered HTTP at all (/readyz, 503 while it opens its replica). */
  listenMs: number;
  /** From spawning the process until /readyz answered 200 (caught up with the log head it saw at start). */
  readyMs: number;
}

const running = new Set<Node>();
let work = '';

/** Starts `ratestore serve` on `data` (with `clusterUrl`, a cluster node named `name`), the response cache off; resolves once /readyz is 200. */
async function startNode(name: string, data: string, clusterUrl?: string, level = logLevel, profileDir?: string): Promise<Started> {
  const port = await freePort();
  const log = join(work, `${name}.log`);
  const fd = openSync(log, 'a');
  const config = { cache: { entries: 0 }, ...(clusterUrl === undefined ? {} : { cluster: { url: clusterUrl, nodeId: name } }) };
  const spawned = performance.now();
  const child = spawnServer({ data, port, config, configFile: join(work, `${name}.config.json`), logLevel: level, stdio: ['ignore', fd, fd], profileDir });
  closeSync(fd);
  const node: Node = { name, url: `http://127.0.0.1:${port}`, pid: child.pid!, data, child, log };
  running.add(node);
  let listenMs: number | undefined;
  const deadline = spawned + 30 * 60_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`node ${name} exited with ${child.signalCode ?? child.exitCode}; its log:\n${readFileSync(log, 'utf8').slice(-4000)}`);
    }
    try {
      const response = await send(`${node.url}/readyz`);
      listenMs ??= performance.now() - spawned;
      if (response.status === 200) break;
    } catch {
      // not listening yet
    }
    if (performance.now() > deadline) throw new Error(`node ${name} not ready after 30 minutes`);
    await new Promise((done) => setTimeout(done, 20));
  }
  const readyMs = performance.now() - spawned;
  console.error(`node ${name}: pid ${node.pid} on ${node.url}, listening after ${seconds(listenMs)} s, ready after ${seconds(readyMs)} s`);
  return { node, listenMs, readyMs };
}

async function stopNode(node: Node): Promise<void> {
  if (running.delete(node)) await stopProcess(node.child, 60_000);
}

/** A new, empty database on the throwaway server; its URL. */
async function createDatabase(server: Postgres, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name}`);
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return server.url.replace(/\/[^/]*$/, `/${name}`);
}

// ---------------------------------------------------------------------------------------------
// Writes and reads over HTTP

/**
 * One request on a connection of its own: a kept-alive connection that the node closes after its
 * idle timeout just as a request starts on it fails that request (EPIPE), and fetch does not retry a POST.
 */
function send(url: string, method = 'GET', body?: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers, agent: false }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode!, text }));
      response.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A CSV body of the sample's prices (`origin,destination,day,price`). */
function pricesCsv(options: SampleOptions): string {
  const lines = ['origin,destination,day,price'];
  for (const p of samplePrices(options)) lines.push(`${p.origin},${p.destination},${p.day},${p.price}`);
  return lines.join('\n') + '\n';
}

interface Committed {
  ms: number;
  version: number;
}

/** `POST /v1/batches` of `body` under `batchId`: the time until the 201 has arrived, and the version it made. */
async function commit(node: Node, body: string, type: string, batchId: string): Promise<Committed> {
  const started = performance.now();
  const response = await send(`${node.url}/v1/batches`, 'POST', body, { 'content-type': type, 'idempotency-key': batchId });
  const ms = performance.now() - started;
  const answer = (response.status === 201 ? JSON.parse(response.text) : {}) as { version?: number };
  if (typeof answer.version !== 'number') throw new Error(`commit ${batchId} through ${node.name}: ${response.status} ${response.text.slice(0, 2000)}`);
  return { ms, version: answer.version };
}

const ROUTE = sampleRoutes(CATALOG)[0]!;

/** Resolves once a read on `node` with `min_version=version` answers 200 (the node waits for the version up to cluster.waitMs, then answers 503: asked again). */
async function visible(node: Node, version: number): Promise<void> {
  const path = `/v1/rates?date_from=${FIRST_DAY}&date_to=${FIRST_DAY}&origin=${ROUTE.origin}&destination=${ROUTE.destination}&min_version=${version}`;
  for (;;) {
    const response = await send(node.url + path);
    if (response.status === 200) return;
    if (response.status !== 503) throw new Error(`GET ${path} on ${node.name}: ${response.status}`);
  }
}

async function nodeVersion(node: Node): Promise<number> {
  return (JSON.parse((await send(`${node.url}/v1/status`)).text) as { version: number }).version;
}

/** The next month of prices for each batch the run commits, so that every batch is new data. */
let month = 0;
const nextBatch = (prices: number): SampleOptions => batchOptions(prices, addDays(FIRST_DAY, (month++ % 1200) * BATCH_DAYS));

const TAG = `${process.pid}-${Date.now().toString(36)}`;
let batches = 0;
const batchId = (what: string): string => `bench-${what}-${TAG}-${++batches}`;

/** `[0, 1, ..., n-1]` turned left by `run`: the order of the variants in each run, so that no variant always goes first. */
const order = (n: number, run: number): number[] => Array.from({ length: n }, (_, i) => (i + run) % n);

const CATALOG_BODY = JSON.stringify(sampleCatalog(CATALOG));

// ---------------------------------------------------------------------------------------------
// 1. Commit: single node, through the cluster, PostgreSQL COPY alone

const COMMIT_VARIANTS = ['single node', 'cluster of 3, through A', 'cluster of 1', 'PostgreSQL COPY alone'] as const;

/** One timed commit: its wall time, and PostgreSQL's work for it (CPU of its processes, WAL written). */
interface CommitSample {
  ms: number;
  pgCpuS: number;
  walBytes: number;
}

interface CommitFigures {
  /** Per size, per variant: each run's sample. */
  samples: Map<number, CommitSample[][]>;
}

interface PgReading {
  /** CPU seconds of its processes by PID; empty for a server not started here. */
  cpu: Map<number, number>;
  lsn: string;
}

/** What PostgreSQL has done so far: its processes' CPU and its WAL position. */
async function pgWork(server: Postgres, client: pg.Client): Promise<PgReading> {
  const { rows } = await client.query<{ lsn: string }>('SELECT pg_current_wal_insert_lsn()::text AS lsn');
  return { cpu: server.pid === undefined ? new Map() : childrenCpuSeconds(server.pid), lsn: rows[0]!.lsn };
}

async function pgWorkSince(server: Postgres, client: pg.Client, before: PgReading): Promise<{ pgCpuS: number; walBytes: number }> {
  const now = await pgWork(server, client);
  const { rows } = await client.query<{ bytes: string }>('SELECT pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::text AS bytes', [now.lsn, before.lsn]);
  return { pgCpuS: server.pid === undefined ? NaN : childrenCpuSince(before.cpu, now.cpu), walBytes: Number(rows[0]!.bytes) };
}

async function commitFigure(server: Postgres): Promise<CommitFigures> {
  const url3 = await createDatabase(server, 'bench_cluster3');
  const url1 = await createDatabase(server, 'bench_cluster1');
  if (cpuProfDir !== undefined) mkdirSync(cpuProfDir, { recursive: true });
  const single = (await startNode('single', join(work, 'single'), undefined, logLevel, cpuProfDir)).node;
  const [a, b, c] = (await Promise.all(['a', 'b', 'c'].map((name) => startNode(name, join(work, name), url3)))).map((s) => s.node) as [Node, Node, Node];
  const alone = (await startNode('alone', join(work, 'alone'), url1, logLevel, cpuProfDir)).node;
  const schema = `${SCHEMA_PREFIX}cluster_copy`;
  const copyClient = await createDataSet(server.url, schema, sampleCatalog(CATALOG) as never);
  const probe = new pg.Client({ connectionString: server.url });
  await probe.connect();
  try {
    /** One commit of a variant; the cluster's nodes B and C have applied it when this resolves. */
    const measure = async (variant: number, size: number, body: string, prices: PriceItem[]): Promise<CommitSample> => {
      const before = await pgWork(server, probe);
      let ms: number;
      if (variant === 3) {
        const started = performance.now();
        const copied = await copyPrices(copyClient, prices);
        ms = performance.now() - started;
        if (copied !== size) throw new Error(`COPY wrote ${copied} prices, expected ${size}`);
      } else {
        const node = [single, a, alone][variant]!;
        const startUs = hrtimeUs();
        const committed = await commit(node, body, 'text/csv', batchId(`commit-${size}`));
        ms = committed.ms;
        if (cpuProfDir !== undefined && node !== a) console.error(`  ${node.name} (pid ${node.pid}) profile window: --from ${startUs} --to ${hrtimeUs()}`);
        // B and C apply the batch in the background: let them finish before the next variant is timed
        // (their reads of the batch from PostgreSQL count as its work).
        if (node === a) await Promise.all([b, c].map((other) => visible(other, committed.version)));
      }
      return { ms, ...(await pgWorkSince(server, probe, before)) };
    };
    for (const node of [single, a, alone]) await commit(node, CATALOG_BODY, 'application/json', batchId('catalog'));
    // A service's nodes have committed many batches; a process's first few run on V8's interpreter
    // and baseline compilers (a 50k-price POST took 0.42, 0.26, 0.24, 0.20, 0.15, 0.14 s in a row on
    // one fresh single node): untimed batches through every path before the runs.
    for (let warmup = 0; warmup < warmupBatches; warmup++) {
      const warm = nextBatch(batchPrices);
      for (const variant of COMMIT_VARIANTS.keys()) await measure(variant, batchPrices, pricesCsv(warm), [...samplePrices(warm)]);
    }
    const samples = new Map(commitSizes.map((size) => [size, COMMIT_VARIANTS.map(() => [] as CommitSample[])]));
    for (let run = 0; run < runs; run++) {
      for (const size of commitSizes) {
        const options = nextBatch(size);
        const body = pricesCsv(options);
        const prices = [...samplePrices(options)];
        for (const variant of order(COMMIT_VARIANTS.length, run)) {
          const sample = await measure(variant, size, body, prices);
          samples.get(size)![variant]!.push(sample);
          console.error(`commit run ${run + 1}/${runs}, ${fmtInt(size)} prices, ${COMMIT_VARIANTS[variant]}: ${seconds(sample.ms)} s, ` +
            `PostgreSQL CPU ${sample.pgCpuS.toFixed(2)} s, WAL ${(sample.walBytes / 2 ** 20).toFixed(1)} MiB, load ${loadavg()[0]!.toFixed(2)}`);
        }
      }
    }
    return { samples };
  } finally {
    await probe.end();
    await copyClient.end();
    await dropSchema(server.url, schema);
    for (const node of [single, alone]) await stopNode(node);
    clusterOfThree = { a, b, c, url: url3 };
  }
}

/** The 3-node cluster of the commit figure, which the lag and catch-up figures go on with. */
let clusterOfThree: { a: Node; b: Node; c: Node; url: string } | undefined;

async function threeNodes(server: Postgres): Promise<{ a: Node; b: Node; c: Node; url: string }> {
  if (clusterOfThree === undefined) {
    const url = await createDatabase(server, 'bench_cluster3');
    const [a, b, c] = (await Promise.all(['a', 'b', 'c'].map((name) => startNode(name, join(work, name), url)))).map((s) => s.node) as [Node, Node, Node];
    await commit(a, CATALOG_BODY, 'application/json', batchId('catalog'));
    clusterOfThree = { a, b, c, url };
  }
  return clusterOfThree;
}

// ---------------------------------------------------------------------------------------------
// 2. Replication lag

interface LagFigures {
  /** Per run: ms from A's answer until the batch was visible on B, on C, and on both. */
  runs: Array<{ b: number[]; c: number[]; both: number[] }>;
}

async function lagFigure(server: Postgres): Promise<LagFigures> {
  const { a, b, c } = await threeNodes(server);
  const out: LagFigures = { runs: [] };
  for (let run = 0; run < runs; run++) {
    const lags = { b: [] as number[], c: [] as number[], both: [] as number[] };
    for (let i = 0; i < lagBatches; i++) {
      const body = pricesCsv(nextBatch(batchPrices));
      const { version } = await commit(a, body, 'text/csv', batchId('lag'));
      const answered = performance.now();
      const [lb, lc] = await Promise.all([b, c].map((node) => visible(node, version).then(() => performance.now() - answered)));
      lags.b.push(lb!);
      lags.c.push(lc!);
      lags.both.push(Math.max(lb!, lc!));
    }
    out.runs.push(lags);
    const s = summarizeLatencies(lags.both);
    console.error(`lag run ${run + 1}/${runs}: ${lagBatches} batches, visible on B and C after p50 ${s.p50.toFixed(0)} ms, p99 ${s.p99.toFixed(0)} ms, load ${loadavg()[0]!.toFixed(2)}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// 3a. Catch-up of a node that missed batches

interface CatchupRun {
  /** C, which missed the batches: from spawn until it answered HTTP, and until /readyz was 200. */
  missed: { listenMs: number; readyMs: number };
  /** B, restarted having missed nothing: what starting costs without catching up. */
  baseline: { listenMs: number; readyMs: number };
  prices: number;
  load1: number;
}

async function catchupFigure(server: Postgres): Promise<CatchupRun[]> {
  const cluster = await threeNodes(server);
  const out: CatchupRun[] = [];
  for (let run = 0; run < runs; run++) {
    await stopNode(cluster.c);
    let head = 0;
    for (let i = 0; i < missed; i++) head = (await commit(cluster.a, pricesCsv(nextBatch(batchPrices)), 'text/csv', batchId('missed'))).version;
    await visible(cluster.b, head);
    await stopNode(cluster.b);
    const load1 = loadavg()[0]!;
    const restarted: Partial<Record<'b' | 'c', Started>> = {};
    for (const which of run % 2 === 0 ? ['c', 'b'] as const : ['b', 'c'] as const) {
      restarted[which] = await startNode(which, cluster[which].data, cluster.url);
      cluster[which] = restarted[which].node;
    }
    const version = await nodeVersion(cluster.c);
    if (version !== head) throw new Error(`c is at version ${version} when ready, expected ${head}`);
    const pick = ({ listenMs, readyMs }: Started) => ({ listenMs, readyMs });
    out.push({ missed: pick(restarted.c!), baseline: pick(restarted.b!), prices: missed * batchPrices, load1 });
    console.error(`catch-up run ${run + 1}/${runs}: ${fmtInt(missed * batchPrices)} prices in ${seconds(restarted.c!.readyMs - restarted.c!.listenMs)} s from listening to ready ` +
      `(B, nothing missed: ${seconds(restarted.b!.readyMs - restarted.b!.listenMs)} s), load ${load1.toFixed(2)}`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// 3b. Bootstrap of a new node from a snapshot

interface BootstrapFigures {
  prices: number;
  buildMs: number;
  snapshot: { version: number; bytes: number; parts: number; ms: number };
  /** Versions committed after the snapshot, which a new node replays from the log. */
  after: number;
  runs: Array<{ listenMs: number; readyMs: number; load1: number }>;
}

const execFileAsync = promisify(execFile);

async function bootstrapFigure(server: Postgres): Promise<BootstrapFigures> {
  const url = await createDatabase(server, 'bench_bootstrap');
  const first = (await startNode('boot-a', join(work, 'boot-a'), url)).node;
  try {
    const started = performance.now();
    await commit(first, CATALOG_BODY, 'application/json', batchId('catalog'));
    const parts = slices(bootstrapPrices, 366, 1_000_000);
    for (const [i, slice] of parts.entries()) {
      const { ms } = await commit(first, pricesCsv(slice.options), 'text/csv', batchId('build'));
      console.error(`bootstrap cluster: batch ${i + 1}/${parts.length} (${fmtInt(slice.prices)} prices) committed in ${seconds(ms)} s`);
    }
    const buildMs = performance.now() - started;
    const snapStarted = performance.now();
    const { stdout } = await execFileAsync(process.execPath, [SERVER_CLI, 'snapshot', '--cluster', url, '--json'], { maxBuffer: 1 << 20 });
    const snapshotMs = performance.now() - snapStarted;
    const info = JSON.parse(stdout) as { version: number; bytes: number; parts: number };
    console.error(`bootstrap cluster: snapshot at version ${info.version}, ${fmtInt(info.bytes)} bytes in ${info.parts} parts, ${seconds(snapshotMs)} s`);
    // The log goes on after the snapshot: a new node restores it, then replays these.
    const after = 2;
    let head = info.version;
    for (let i = 0; i < after; i++) head = (await commit(first, pricesCsv(nextBatch(batchPrices)), 'text/csv', batchId('after-snapshot'))).version;
    const out: BootstrapFigures = { prices: bootstrapPrices, buildMs, snapshot: { ...info, ms: snapshotMs }, after, runs: [] };
    for (let run = 0; run < runs; run++) {
      const data = mkdtempSync(join(work, 'boot-new-'));
      const load1 = loadavg()[0]!;
      // At level info the node says that it restored the snapshot.
      const { node, listenMs, readyMs } = await startNode(`boot-new-${run + 1}`, data, url, 'info');
      const version = await nodeVersion(node);
      await stopNode(node);
      rmSync(data, { recursive: true, force: true });
      if (version !== head) throw new Error(`the new node is at version ${version} when ready, expected ${head}`);
      if (!readFileSync(node.log, 'utf8').includes('restored from the newest snapshot')) throw new Error(`${node.name} did not restore the snapshot`);
      out.runs.push({ listenMs, readyMs, load1 });
      console.error(`bootstrap run ${run + 1}/${runs}: ready after ${seconds(readyMs)} s, load ${load1.toFixed(2)}`);
    }
    return out;
  } finally {
    await stopNode(first);
  }
}

// ---------------------------------------------------------------------------------------------
// 4. Read capacity through HAProxy

/**
 * The read figure's variants: 1 and 2 nodes under the same load; then 1 node with half the
 * connections, and 1 node at half the requests/s of the latest 2-node run, which is what each of 2
 * nodes got (so that a difference per CPU-second between 1 and 2 nodes can be told apart from one
 * made by how busy a node is). The 2-node variant comes before the half-rate one in the first run.
 */
const READ_VARIANTS = [
  { nodes: 1, connections: 1, rate: undefined, label: '1' },
  { nodes: 2, connections: 1, rate: undefined, label: '2' },
  { nodes: 1, connections: 0.5, rate: undefined, label: '1, half the connections' },
  { nodes: 1, connections: 1, rate: 0.5, label: '1, half the rate of 2' }
] as const;

interface ReadRun extends LoadFigures {
  variant: number;
  /** The rate autocannon was held to, if any. */
  overallRate?: number;
  /** Times the nodes' main threads were preempted (nonvoluntary context switches) per 1,000 requests. */
  preemptedPer1k: number;
  /** CPU of the node processes in service, in cores (summed). */
  nodeCpu: number;
  haproxyCpu: number;
}

/** One command to HAProxy's runtime API; its answer. */
function runtime(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const connection = connect(socket);
    let answer = '';
    connection.on('connect', () => connection.end(`${command}\n`));
    connection.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    connection.on('end', () => resolve(answer));
    connection.on('error', reject);
  });
}

/** The status column of `show stat` for one server of the backend (UP, DOWN, MAINT, ...). */
async function serverStatus(socket: string, server: string): Promise<string> {
  const [header, ...lines] = (await runtime(socket, 'show stat')).split('\n');
  const columns = header!.replace(/^# /, '').split(',');
  const row = lines.map((line) => line.split(',')).find((fields) => fields[0] === 'ratestore' && fields[1] === server);
  return row?.[columns.indexOf('status')] ?? 'missing';
}

/** Puts blue2 into service (2 nodes) or into maintenance (1 node), and waits until HAProxy says so. */
async function nodesInService(socket: string, count: number): Promise<void> {
  await runtime(socket, `set server ratestore/blue2 state ${count === 2 ? 'ready' : 'maint'}`);
  const want = count === 2 ? 'UP' : 'MAINT';
  const deadline = Date.now() + 30_000;
  while (!(await serverStatus(socket, 'blue2')).startsWith(want)) {
    if (Date.now() > deadline) throw new Error(`HAProxy's blue2 did not become ${want}`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

interface ReadFigures {
  runs: ReadRun[];
  /** CPU of each node with no load for 5 s (HAProxy's health checks and the log's polling go on), in cores. */
  idleCpu: number;
  distinct: number;
  sent: number;
  haproxyVersion: string;
}

async function readFigure(server: Postgres): Promise<ReadFigures> {
  const url = await createDatabase(server, 'bench_reads');
  const [r1, r2] = (await Promise.all(['r1', 'r2'].map((name) => startNode(name, join(work, name), url)))).map((s) => s.node) as [Node, Node];
  let haproxy: RunningHaproxy | undefined;
  try {
    await commit(r1, CATALOG_BODY, 'application/json', batchId('catalog'));
    const { version } = await commit(r1, pricesCsv({ ...CATALOG, prices: readPrices, dateFrom: FIRST_DAY, days }), 'text/csv', batchId('reads'));
    await visible(r2, version);
    const socket = join(work, 'haproxy.sock');
    const env: Record<string, string> = {
      RATESTORE_LB_SOCKET: socket,
      RATESTORE_LB_BIND: `127.0.0.1:${await freePort()}`,
      RATESTORE_LB_LOG_LEVEL: 'err',
      RATESTORE_BLUE1: new URL(r1.url).host,
      RATESTORE_BLUE2: new URL(r2.url).host,
      // Green stays disabled, as between deploys; nothing listens there.
      RATESTORE_GREEN1: `127.0.0.1:${await freePort()}`,
      RATESTORE_GREEN2: `127.0.0.1:${await freePort()}`
    };
    haproxy = await startHaproxy({ configs: [join(REPO_ROOT, 'deploy', 'haproxy.cfg')], env, socket });
    const lbUrl = `http://${env.RATESTORE_LB_BIND}`;
    const { stdout: haproxyVersion } = await execFileAsync('/usr/sbin/haproxy', ['-v']);
    const queries = regionQueries({ count: Math.max(50_000, (warmup + runs * 2 * duration) * 8_000), seed: 7, days, windowDays });
    const rotation = new Rotation(queries);
    const watch = (count: number) => [{ pid: haproxy!.pid }, ...[r1, r2].slice(0, count).map((node) => ({ pid: node.pid }))];
    await nodesInService(socket, 2);
    if (warmup > 0) await driveLoad(lbUrl, rotation, { connections, expect: 200, watch: watch(2), duration: warmup });
    const idleBefore = [r1, r2].map((node) => cpuSeconds(node.pid));
    await new Promise((done) => setTimeout(done, 5_000));
    const idleCpu = median([r1, r2].map((node, i) => (cpuSeconds(node.pid) - idleBefore[i]!) / 5));
    const out: ReadRun[] = [];
    let twoNodes = NaN;
    for (let run = 0; run < runs; run++) {
      for (const variant of order(READ_VARIANTS.length, run)) {
        const { nodes: count, connections: share, rate, label } = READ_VARIANTS[variant]!;
        await nodesInService(socket, count);
        const inService = [r1, r2].slice(0, count);
        const switchesBefore = inService.map((node) => contextSwitches(node.pid));
        const figures = await driveLoad(lbUrl, rotation, {
          connections: Math.max(1, Math.round(connections * share)), expect: 200, watch: watch(count), duration,
          ...(rate === undefined ? {} : { overallRate: Math.round(twoNodes * rate) })
        });
        if (count === 2) twoNodes = figures.requestsPerSecond;
        const switches = inService.map((node, i) => contextSwitches(node.pid).nonvoluntary - switchesBefore[i]!.nonvoluntary).reduce((sum, n) => sum + n, 0);
        const nodeCpu = figures.cpu.slice(1).reduce((sum, cores) => sum + cores, 0);
        out.push({ ...figures, variant, nodeCpu, haproxyCpu: figures.cpu[0]!, preemptedPer1k: (switches * 1000) / (figures.requestsPerSecond * figures.seconds), ...(rate === undefined ? {} : { overallRate: Math.round(twoNodes * rate) }) });
        console.error(`reads run ${run + 1}/${runs}, ${label} node(s): ${fmtInt(figures.requestsPerSecond)} req/s, node CPU ${percent(nodeCpu)}, ` +
          `${fmtInt(figures.requestsPerSecond / nodeCpu)} req per node CPU-second, HAProxy CPU ${percent(figures.cpu[0]!)}, load generator CPU ${percent(figures.loadgenCpu)}, ` +
          `p99 ${figures.p99} ms, load ${figures.load1.toFixed(2)}`);
      }
    }
    return { runs: out, idleCpu, distinct: queries.length, sent: rotation.sent, haproxyVersion: haproxyVersion.split('\n')[0]! };
  } finally {
    await haproxy?.stop();
    await stopNode(r1);
    await stopNode(r2);
  }
}

// ---------------------------------------------------------------------------------------------
// Report

const s2 = (ms: number): string => seconds(ms);

function commitReport(f: CommitFigures): { text: string; targets: string[][] } {
  const rows: string[][] = [];
  const targets: string[][] = [];
  const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
  for (const [size, variants] of f.samples) {
    const ms = variants.map((list) => list.map((sample) => sample.ms));
    const copy = median(ms[3]!);
    for (const [i, name] of COMMIT_VARIANTS.entries()) {
      const t = median(ms[i]!);
      const pgCpu = variants[i]!.map((sample) => sample.pgCpuS);
      rows.push([fmtInt(size), name, s2(t) + minMax(ms[i]!, s2), perSecond(size, t), i === 3 ? '1' : ratio(t / copy),
        i === 0 ? '–' : median(pgCpu).toFixed(2) + minMax(pgCpu, (v) => v.toFixed(2)), i === 0 ? '–' : mib(median(variants[i]!.map((sample) => sample.walBytes)))]);
    }
    const cluster = median(ms[1]!);
    const pgCluster = median(variants[1]!.map((sample) => sample.pgCpuS));
    const pgCopy = median(variants[3]!.map((sample) => sample.pgCpuS));
    targets.push([`commit of ${fmtInt(size)} prices through the cluster ≤ 1.5x PostgreSQL COPY alone`,
      `${ratio(cluster / copy)} (${s2(cluster)} s against ${s2(copy)} s)`, verdict(cluster / copy <= 1.5)]);
    targets.push([`… PostgreSQL's own work for it (CPU of its processes) ≤ 1.5x COPY's, ${fmtInt(size)} prices`,
      `${ratio(pgCluster / pgCopy)} (${pgCluster.toFixed(2)} s against ${pgCopy.toFixed(2)} s)`, verdict(pgCluster / pgCopy <= 1.5)]);
  }
  return {
    text: `## 1. Commit (medians of ${runs} runs, the variants side by side in each run; min–max in brackets)\n\n` +
      table(['prices', 'path', 'time s', 'prices/s', 'x COPY alone', 'PostgreSQL CPU s', 'WAL MiB'], rows) +
      '\n\nTime from sending `POST /v1/batches` (CSV, prepared beforehand) until its 201 has arrived: parsing, validation, ' +
      'staging (into PostgreSQL in a cluster), the commit, and the answering node applying it. COPY alone: `BEGIN; COPY prices FROM STDIN; COMMIT` ' +
      'of the same prices (generated beforehand) into bench:compare\'s ratestask table with its covering index, on the same PostgreSQL. ' +
      'PostgreSQL CPU: all its processes, from before the commit until B and C have applied it (their reads of the batch included). ' +
      `WAL: bytes of write-ahead log PostgreSQL wrote meanwhile. ${warmupBatches} untimed batches of ${fmtInt(batchPrices)} prices went through every path before the runs.\n`,
    targets
  };
}

function lagReport(f: LagFigures): { text: string; targets: string[][] } {
  const per = (pick: (run: LagFigures['runs'][number]) => number[], stat: 'p50' | 'p99') => f.runs.map((run) => summarizeLatencies(pick(run))[stat]);
  const ms0 = (v: number): string => v.toFixed(0);
  const rows = (['b', 'c', 'both'] as const).map((which) => {
    const p50 = per((run) => run[which], 'p50');
    const p99 = per((run) => run[which], 'p99');
    return [which === 'both' ? 'B and C' : which.toUpperCase(), ms0(median(p50)) + minMax(p50, ms0), ms0(median(p99)) + minMax(p99, ms0),
      ms0(Math.max(...f.runs.flatMap((run) => run[which])))];
  });
  const p99 = median(per((run) => run.both, 'p99'));
  return {
    text: `## 2. Replication lag, ${fmtInt(batchPrices)}-price batches committed through A (${lagBatches} batches per run; per-run percentiles, median of ${runs} runs)\n\n` +
      table(['visible on', 'p50 ms', 'p99 ms', 'max ms'], rows) +
      '\n\nFrom the moment A\'s 201 arrived until a read with `min_version` of that version answered 200 on the node (it waits for the version ' +
      `and answers at once when it has it). With ${lagBatches} batches a run, a run's p99 is its slowest batch.\n`,
    targets: [[`replication lag p99 < 1 s (${fmtInt(batchPrices)}-price batches, until visible on B and C)`, `${ms0(p99)} ms`, verdict(p99 < 1000)]]
  };
}

function catchupReport(f: CatchupRun[]): string {
  const catchMs = f.map((run) => run.missed.readyMs - run.missed.listenMs);
  const baseMs = f.map((run) => run.baseline.readyMs - run.baseline.listenMs);
  const rates = f.map((run) => run.prices / ((run.missed.readyMs - run.missed.listenMs) / 1000));
  const netRates = f.map((run) => run.prices / ((run.missed.readyMs - run.missed.listenMs - (run.baseline.readyMs - run.baseline.listenMs)) / 1000));
  return `## 3a. Catch-up of a node that missed ${missed} batches of ${fmtInt(batchPrices)} prices (medians of ${runs} runs)\n\n` +
    table(['node', 'spawn → ready s', 'listening → ready s', 'prices/s'], [
      ['C, missed ' + fmtInt(missed * batchPrices) + ' prices', s2(median(f.map((run) => run.missed.readyMs))), s2(median(catchMs)) + minMax(catchMs, s2),
        `${fmtInt(median(rates))}${minMax(rates, fmtInt)}; net of B's time: ${fmtInt(median(netRates))}`],
      ['B, missed nothing', s2(median(f.map((run) => run.baseline.readyMs))), s2(median(baseMs)) + minMax(baseMs, s2), '–']
    ]) +
    '\n\nA node listens before it opens its replica; from then until /readyz is 200 it opens LevelDB and applies what it missed. ' +
    'prices/s = prices missed / C\'s listening → ready time; "net" takes away B\'s time, which is the same start without anything to apply.\n';
}

function bootstrapReport(f: BootstrapFigures): string {
  const ready = f.runs.map((run) => run.readyMs);
  const listening = f.runs.map((run) => run.readyMs - run.listenMs);
  return `## 3b. Bootstrap of a new node into a cluster of ${fmtInt(f.prices)} prices from a snapshot (medians of ${f.runs.length} new nodes)\n\n` +
    table(['what', 's'], [
      [`build: catalog + ${Math.ceil(f.prices / 1_000_000)} batches of ≤ 1M prices through one node`, s2(f.buildMs)],
      [`\`ratestore snapshot\` (version ${f.snapshot.version}, ${(f.snapshot.bytes / 2 ** 20).toFixed(0)} MiB in ${f.snapshot.parts} parts)`, s2(f.snapshot.ms)],
      [`new node, empty data directory: spawn → ready (snapshot restored, ${f.after} later batches replayed)`, s2(median(ready)) + minMax(ready, s2)],
      ['of which listening → ready', s2(median(listening)) + minMax(listening, s2)]
    ]) + '\n';
}

function readReport(f: ReadFigures): { text: string; targets: string[][] } {
  const rows: string[][] = [];
  const perCpu = new Map<number, number>();
  for (const [variant, { label }] of READ_VARIANTS.entries()) {
    const list = f.runs.filter((run) => run.variant === variant);
    const rps = list.map((run) => run.requestsPerSecond);
    const per = list.map((run) => run.requestsPerSecond / run.nodeCpu);
    perCpu.set(variant, median(per));
    rows.push([label, fmtInt(median(rps)) + minMax(rps, fmtInt), fmtInt(median(per)) + minMax(per, fmtInt), percent(median(list.map((run) => run.nodeCpu))),
      percent(median(list.map((run) => run.haproxyCpu))), percent(median(list.map((run) => run.loadgenCpu))), String(median(list.map((run) => run.p50))),
      String(median(list.map((run) => run.p99))), median(list.map((run) => run.preemptedPer1k)).toFixed(0), list.map((run) => run.load1.toFixed(1)).join(', ')]);
  }
  const ratioPerCpu = perCpu.get(1)! / perCpu.get(0)!;
  return {
    text: `## 4. Read capacity through HAProxy (uncached region-to-region \`GET /rates\`, ${connections} connections, ${duration} s per run; medians of ${runs} runs, min–max in brackets)\n\n` +
      table(['nodes', 'requests/s', 'requests per node CPU-second', 'node CPU', 'HAProxy CPU', 'load generator CPU', 'p50 ms', 'p99 ms', 'node main threads preempted per 1,000 requests', 'load avg (1 min) per run'], rows) +
      `\n\nCPU in cores (100% = one core of 2). ${f.haproxyVersion}, deploy/haproxy.cfg (leastconn); for 1 node the second is in maintenance. ` +
      `"Half the connections": ${Math.max(1, Math.round(connections / 2))} connections to 1 node, about what each of 2 nodes gets; "half the rate": ${connections} connections held to half the requests/s of the latest 2-node run ` +
      `(${f.runs.flatMap((run) => (run.overallRate === undefined ? [] : [fmtInt(run.overallRate)])).join(', ')}). ` +
      `A node with no load used ${percent(f.idleCpu)} of a core (health checks every 500 ms, the log's polling). ` +
      `The nodes' response cache is off and their answers are not cacheable by HAProxy (max-age=0); ${fmtInt(f.sent)} requests over ${fmtInt(f.distinct)} distinct queries` +
      `${f.sent > f.distinct ? ' (so some repeated)' : ' (none repeated)'}.\n`,
    targets: [['read capacity per node CPU-second with 2 nodes ≥ 0.9x with 1', `${ratio(ratioPerCpu)} (${fmtInt(perCpu.get(1)!)} against ${fmtInt(perCpu.get(0)!)})`,
      verdict(ratioPerCpu >= 0.9)]]
  };
}

// ---------------------------------------------------------------------------------------------
// Main

async function main(): Promise<void> {
  const started = new Date();
  mkdirSync(baseDir, { recursive: true });
  work = mkdtempSync(join(baseDir, 'ratestore-bench-cluster-'));
  let server: Postgres | undefined;
  const cleanup = cleanupOnSignal(async () => {
    for (const node of [...running]) await stopNode(node).catch(() => undefined);
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });
  try {
    console.log(`# Ratestore cluster benchmark, ${started.toISOString()}`);
    console.log(`server and engine: ${gitState(REPO_ROOT, ['packages/core/src', 'packages/server/src'], (changed) => changed.map((file) => file.replace('packages/', '')).join(', '))}`);
    console.log(`${machine()}; load average at start ${loadAverages()}`);
    // Beside the work folder, not in it: mkdtemp's folders are private, and PostgreSQL runs as its own user.
    server = await startPostgres(baseDir);
    console.log(`PostgreSQL: ${server.description}; fsync ${server.settings.fsync}, synchronous_commit ${server.settings.synchronous_commit}`);
    console.log(`${runs} runs; figures ${[...figures].join(', ')}; node log level ${logLevel}; data in ${work}\n`);
    const out: string[] = [];
    const targets: string[][] = [];
    const add = (report: string | { text: string; targets: string[][] }): void => {
      if (typeof report === 'string') out.push(report);
      else {
        out.push(report.text);
        targets.push(...report.targets);
      }
      console.error(out.at(-1));
    };
    if (figures.has('commit')) add(commitReport(await commitFigure(server)));
    if (figures.has('lag')) add(lagReport(await lagFigure(server)));
    if (figures.has('catchup')) add(catchupReport(await catchupFigure(server)));
    if (clusterOfThree !== undefined) for (const node of [clusterOfThree.a, clusterOfThree.b, clusterOfThree.c]) await stopNode(node);
    if (figures.has('bootstrap')) add(bootstrapReport(await bootstrapFigure(server)));
    if (figures.has('reads')) add(readReport(await readFigure(server)));
    if (targets.length > 0) out.push('## Targets (issue 13)\n\n' + table(['target', 'measured (median)', 'verdict'], targets) + '\n');
    out.push(`load average at the end ${loadAverages()}; ${((Date.now() - started.getTime()) / 60_000).toFixed(1)} minutes`);
    console.log(out.join('\n'));
  } finally {
    await cleanup();
  }
}

await main();
