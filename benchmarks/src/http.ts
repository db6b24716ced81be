/**
 * `npm run bench:http`: the HTTP server under load. The orchestrator (this process) seeds a temporary
 * classic-level store with the sample, starts real server processes on it
 * (`packages/server/dist/cli/main.js serve`, 127.0.0.1, a free port) and drives them with autocannon
 * (programmatic API, in this process). Scenarios, each repeated --runs times (interleaved), medians:
 *
 *   uncached  GET /rates region to region, every request a different query, in-process cache off
 *             (`cache.entries: 0`), no If-None-Match: every request reads the store
 *   etag      the same queries with the If-None-Match each client got when it first asked: 304
 *   cached    in-process cache on, a small set of queries asked over and over (served from the cache)
 *   upload    POST /v1/batches of a 50k-row NDJSON batch, one at a time, distinct batch ids
 *
 *   node benchmarks/dist/http.js [--runs 3] [--duration 10] [--connections 16] [--warmup 3]
 *     [--prices 1000000] [--days 92] [--window 31] [--uploads 5] [--upload-rows 50000]
 *     [--scenarios uncached,etag,cached,upload] [--etags 5000] [--hot 1000] [--log-level info]
 *     [--cpu-prof DIR] [--dir /tmp] [--json results.json]
 *
 * --cpu-prof DIR runs the uncached server under `node --cpu-prof` and leaves its profile in DIR
 * (summarise it with `node benchmarks/dist/cpuprofile-top.js DIR/*.cpuprofile`). `--help` lists the
 * options with their defaults.
 */
import type { ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ratestore, generateSample, samplePrices } from '@ratestore/core';
import { freePort } from '@ratestore/test-support';
import { REPO_ROOT, cleanupOnSignal, spawnServer, stopProcess, waitReady } from './child.js';
import { Rotation, driveLoad, regionQueries, type LoadFigures, type Query } from './load.js';
import { BATCH_DAYS, CATALOG, FIRST_DAY, batchOptions } from './sample.js';
import {
  addDays, fmtInt, gitState, loadAverages, machine, median, minMax, parseCommand, percent, perSecond, seconds, table,
  usageError, verdict, type OptionSpecs
} from './util.js';

const SCENARIOS = ['uncached', 'etag', 'cached', 'upload'] as const;
type Scenario = (typeof SCENARIOS)[number];

const COMMAND = {
  script: import.meta.url,
  summary: 'The HTTP server under load: real `ratestore serve` processes on a seeded temporary store, driven by autocannon; prints markdown tables of medians.',
  options: {
    runs: { type: 'int', default: 3, description: 'runs of each scenario, interleaved' },
    duration: { type: 'int', default: 10, description: 'seconds per run and scenario' },
    connections: { type: 'int', default: 16, description: 'autocannon connections' },
    warmup: { type: 'int', default: 3, description: 'seconds of load per scenario before the runs' },
    prices: { type: 'int', default: 1_000_000, description: 'prices in the seeded store' },
    days: { type: 'int', default: 92, description: 'days the seeded prices are spread over' },
    window: { type: 'int', default: 31, description: 'days per query, at most --days' },
    uploads: { type: 'int', default: 5, description: 'uploads of the upload scenario' },
    'upload-rows': { type: 'int', default: 50_000, description: 'prices per upload' },
    scenarios: { type: 'strings', choices: SCENARIOS, default: SCENARIOS, description: 'the scenarios to run' },
    etags: { type: 'int', default: 5_000, description: 'queries of the etag scenario' },
    hot: { type: 'int', default: 1_000, description: 'queries of the cached scenario, asked over and over' },
    'log-level': { type: 'string', default: 'info', arg: 'LEVEL', description: "the servers' log level" },
    'cpu-prof': { type: 'string', arg: 'DIR', description: 'run the uncached server under node --cpu-prof, its profile left in DIR' },
    dir: { type: 'string', default: tmpdir(), arg: 'DIR', description: 'where the temporary stores go' },
    json: { type: 'string', arg: 'FILE', description: "also write every run's raw figures to FILE" }
  } as const satisfies OptionSpecs
};
const { values: args } = parseCommand(COMMAND);
const { runs, duration, connections, warmup, prices: totalPrices, days, window: windowDays, uploads, 'upload-rows': uploadRows,
  etags: etagCount, hot: hotCount, 'log-level': logLevel, 'cpu-prof': cpuProfDir, dir: baseDir } = args;
const scenarios = new Set(args.scenarios as Scenario[]);
if (windowDays > days) usageError(COMMAND, '--window must not exceed --days');

// ---------------------------------------------------------------------------------------------
// Server processes

interface Server {
  name: string;
  url: string;
  child: ChildProcess;
  pid: number;
  log: string;
}

const running = new Set<Server>();

async function startServer(name: string, data: string, config: object, workDir: string, profileDir?: string): Promise<Server> {
  const port = await freePort();
  const log = join(workDir, `${name}.log`);
  const fd = openSync(log, 'a');
  const child = spawnServer({ data, port, config, configFile: join(workDir, `${name}.config.json`), logLevel, stdio: ['ignore', fd, fd], profileDir });
  closeSync(fd);
  const url = `http://127.0.0.1:${port}`;
  const server: Server = { name, url, child, pid: child.pid!, log };
  running.add(server);
  const started = Date.now();
  try {
    await waitReady(`${url}/readyz`, child, 120_000);
  } catch (error) {
    throw new Error(`server ${name}: ${(error as Error).message}; its log:\n${readFileSync(log, 'utf8').slice(-4000)}`);
  }
  console.error(`server ${name}: pid ${server.pid} on ${url}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return server;
}

async function stopServer(server: Server): Promise<void> {
  if (running.delete(server)) await stopProcess(server.child, 30_000);
}

// ---------------------------------------------------------------------------------------------
// Load

/** One run of load on one server: its CPU (every thread: main, libuv pool, V8) and its main (JavaScript) thread's, in cores. */
interface ServerLoad extends LoadFigures {
  serverCpu: number;
  /** At 1.0 the main thread is the bottleneck. */
  mainCpu: number;
}

async function load(server: Server, rotation: Rotation, durationS: number, expect: 200 | 304): Promise<ServerLoad> {
  const figures = await driveLoad(server.url, rotation, { connections, duration: durationS, expect, watch: [{ pid: server.pid }, { pid: server.pid, tid: server.pid }] });
  return { ...figures, serverCpu: figures.cpu[0]!, mainCpu: figures.cpu[1]! };
}

/** Asks each query once (8 at a time), returning the ETags, and the share of answers with at least one average. */
async function prime(server: Server, queries: Query[]): Promise<{ etags: string[]; nonEmpty: number }> {
  const etags: string[] = new Array(queries.length);
  let nonEmpty = 0;
  let next = 0;
  await Promise.all(Array.from({ length: 8 }, async () => {
    while (next < queries.length) {
      const i = next++;
      const res = await fetch(server.url + queries[i]!.path);
      if (res.status !== 200) throw new Error(`GET ${queries[i]!.path}: ${res.status} ${await res.text()}`);
      const rows = (await res.json()) as Array<{ average_price: number | null }>;
      if (rows.some((row) => row.average_price !== null)) nonEmpty++;
      etags[i] = res.headers.get('etag')!;
    }
  }));
  return { etags, nonEmpty: nonEmpty / queries.length };
}

// ---------------------------------------------------------------------------------------------
// Uploads

interface UploadFigures {
  ms: number;
  rows: number;
  bytes: number;
  load1: number;
}

function uploadBody(index: number): Buffer {
  const lines: string[] = [];
  // Each upload brings the next month of prices after the data and the uploads before it.
  for (const price of samplePrices(batchOptions(uploadRows, addDays(FIRST_DAY, days + index * BATCH_DAYS)))) lines.push(JSON.stringify(price));
  return Buffer.from(lines.join('\n') + '\n');
}

async function upload(server: Server, body: Buffer, batchId: string): Promise<UploadFigures> {
  const load1 = loadavg()[0]!;
  const started = performance.now();
  const res = await fetch(`${server.url}/v1/batches`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': batchId },
    body
  });
  const answer = (await res.json()) as { counts?: { prices?: number } };
  const ms = performance.now() - started;
  if (res.status !== 201) throw new Error(`upload ${batchId}: ${res.status} ${JSON.stringify(answer)}`);
  const rows = answer.counts?.prices ?? NaN;
  if (rows !== uploadRows) throw new Error(`upload ${batchId}: committed ${rows} prices, expected ${uploadRows}`);
  return { ms, rows, bytes: body.length, load1 };
}

// ---------------------------------------------------------------------------------------------
// Main

async function seed(dir: string): Promise<number> {
  const started = performance.now();
  const store = new Ratestore({ location: dir });
  await store.open();
  try {
    const result = await store.write(generateSample({ ...CATALOG, prices: totalPrices, dateFrom: FIRST_DAY, days }), { batchId: 'sample-seed' });
    if (result.counts.prices !== totalPrices) throw new Error(`seeded ${result.counts.prices} prices, expected ${totalPrices}`);
  } finally {
    await store.close();
  }
  return performance.now() - started;
}

/** autocannon's latency percentiles are whole milliseconds; a median of two may end in .5. */
const ms = (v: number): string => String(Number(v.toFixed(1)));

async function main(): Promise<void> {
  const started = new Date();
  const work = mkdtempSync(join(baseDir, 'ratestore-bench-http-'));
  const cleanup = cleanupOnSignal(async () => {
    for (const server of [...running]) await stopServer(server).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  });
  try {
    console.log(`# Ratestore HTTP benchmark, ${started.toISOString()}`);
    console.log(`server and engine: ${gitState(REPO_ROOT, ['packages/core/src', 'packages/server/src'],
      (changed) => changed.map((file) => file.replace('packages/', '')).join(', '))}`);
    console.log(`${machine()}; load average at start ${loadAverages()}`);
    console.log(`${fmtInt(totalPrices)} prices over ${days} days; ${runs} runs of ${duration} s per scenario, ${connections} connections, ` +
      `${warmup} s warm-up; server log level ${logLevel}; data in ${work}\n`);

    const needReads = scenarios.has('uncached') || scenarios.has('etag') || scenarios.has('cached');
    const dataA = join(work, 'data-uncached');
    const seedMs = await seed(dataA);
    console.error(`seeded ${fmtInt(totalPrices)} prices in ${(seedMs / 1000).toFixed(1)} s`);
    const dataB = join(work, 'data-cached');
    if (scenarios.has('cached')) cpSync(dataA, dataB, { recursive: true });

    if (cpuProfDir !== undefined) mkdirSync(cpuProfDir, { recursive: true });
    // Two servers on two copies of the store, so the scenarios can interleave inside each run.
    const uncachedServer = await startServer('uncached', dataA, { cache: { entries: 0 } }, work, cpuProfDir);
    const cachedServer = scenarios.has('cached') ? await startServer('cached', dataB, {}, work) : undefined;

    // Enough distinct queries that no request of the uncached scenario repeats one, over all runs.
    const distinctWanted = Math.max(50_000, (warmup + runs * duration) * 12_000);
    const queries = needReads ? regionQueries({ count: distinctWanted, seed: 7, days, windowDays }) : [];
    if (needReads) console.error(`${fmtInt(queries.length)} distinct region-to-region queries`);
    const uncachedRotation = new Rotation(queries);

    let etagRotation: Rotation | undefined;
    let nonEmpty = NaN;
    if (needReads) {
      // The ETag queries: a separate slice of the queries (from the end), asked once to get their
      // tags; without the etag scenario, a few hundred of them only show how many answers hold data.
      const count = Math.max(1, Math.min(scenarios.has('etag') ? etagCount : 500, queries.length >> 1));
      const etagQueries = queries.slice(queries.length - count);
      const primed = await prime(uncachedServer, etagQueries);
      nonEmpty = primed.nonEmpty;
      etagRotation = new Rotation(etagQueries, 0, (i) => ({ 'if-none-match': primed.etags[i]! }));
      console.error(`primed ${fmtInt(etagQueries.length)} queries; ${percent(nonEmpty)} of those answers hold at least one average`);
    }
    let hotRotation: Rotation | undefined;
    if (cachedServer !== undefined) {
      const hot = regionQueries({ count: hotCount, seed: 11, days, windowDays });
      await prime(cachedServer, hot);
      hotRotation = new Rotation(hot);
    }

    if (warmup > 0) {
      if (scenarios.has('uncached')) await load(uncachedServer, uncachedRotation, warmup, 200);
      if (scenarios.has('etag')) await load(uncachedServer, etagRotation!, warmup, 304);
      if (cachedServer !== undefined) await load(cachedServer, hotRotation!, warmup, 200);
    }

    const results = new Map<Scenario, ServerLoad[]>();
    const add = (scenario: Scenario, figures: ServerLoad, run: number): void => {
      results.set(scenario, [...(results.get(scenario) ?? []), figures]);
      console.error(`${scenario} run ${run + 1}/${runs}: ${fmtInt(figures.requestsPerSecond)} req/s, p50 ${figures.p50} ms, p99 ${figures.p99} ms, ` +
        `server CPU ${percent(figures.serverCpu)} (main thread ${percent(figures.mainCpu)}), load generator CPU ${percent(figures.loadgenCpu)}, load ${figures.load1.toFixed(2)}` +
        (cpuProfDir === undefined ? '' : `; --from ${figures.startUs} --to ${figures.endUs}`));
    };
    for (let run = 0; run < runs; run++) {
      if (scenarios.has('uncached')) add('uncached', await load(uncachedServer, uncachedRotation, duration, 200), run);
      if (scenarios.has('etag')) add('etag', await load(uncachedServer, etagRotation!, duration, 304), run);
      if (cachedServer !== undefined) add('cached', await load(cachedServer, hotRotation!, duration, 200), run);
    }
    const uncachedSent = uncachedRotation.sent;
    if (cachedServer !== undefined) await stopServer(cachedServer);

    const uploaded: UploadFigures[] = [];
    if (scenarios.has('upload')) {
      // After the reads: each upload makes a new version, which would turn the primed ETags stale.
      const tag = `${process.pid}-${Date.now().toString(36)}`;
      for (let i = 0; i < uploads; i++) {
        const body = uploadBody(i);
        const figures = await upload(uncachedServer, body, `bench-upload-${tag}-${i}`);
        uploaded.push(figures);
        console.error(`upload ${i + 1}/${uploads}: ${fmtInt(figures.rows)} rows (${(figures.bytes / 2 ** 20).toFixed(1)} MiB) in ${seconds(figures.ms)} s, ` +
          `${perSecond(figures.rows, figures.ms)} rows/s, load ${figures.load1.toFixed(2)}`);
      }
    }
    await stopServer(uncachedServer);

    // Report
    const out: string[] = [];
    const labels: Record<Exclude<Scenario, 'upload'>, string> = {
      uncached: 'region-to-region `GET /rates`, uncached (cache off, every request a new query)',
      etag: 'the same with `If-None-Match` → 304',
      cached: 'in-process cache on, repeated queries'
    };
    const rows: string[][] = [];
    for (const scenario of ['uncached', 'etag', 'cached'] as const) {
      const list = results.get(scenario);
      if (list === undefined) continue;
      const rps = list.map((f) => f.requestsPerSecond);
      const mainUs = median(list.map((f) => (f.mainCpu * 1e6) / f.requestsPerSecond));
      rows.push([labels[scenario], fmtInt(median(rps)) + minMax(rps, fmtInt),
        ms(median(list.map((f) => f.p50))), ms(median(list.map((f) => f.p99))) + minMax(list.map((f) => f.p99), ms),
        fmtInt(median(list.map((f) => f.total))), percent(median(list.map((f) => f.serverCpu))), percent(median(list.map((f) => f.mainCpu))),
        fmtInt(mainUs), fmtInt(1e6 / mainUs), percent(median(list.map((f) => f.loadgenCpu))),
        list.map((f) => f.load1.toFixed(1)).join(', ')]);
    }
    if (rows.length > 0) {
      out.push(`## GET /rates under load (${connections} connections, ${duration} s per run; medians of ${runs} runs, min–max in brackets)\n`);
      out.push(table(['scenario', 'requests/s', 'p50 ms', 'p99 ms', 'requests/run', 'server CPU', 'server main thread CPU', 'main thread µs/request',
        'requests/s at 100% main thread', 'load generator CPU', 'load avg (1 min) per run'], rows));
      out.push('\nCPU is in cores (100% = one core): the server process (all threads), its main thread, and this process (autocannon). ' +
        'The main thread runs all JavaScript, so 1e6 / (its µs per request) is the ceiling of one server process if it had a core to itself.\n');
      out.push('');
      const notes: string[] = [];
      if (results.has('uncached')) {
        notes.push(`uncached: ${fmtInt(uncachedSent)} requests over the warm-up and all runs, ${fmtInt(queries.length)} distinct queries` +
          `${uncachedSent > queries.length ? ' (so some repeated)' : ' (none repeated)'}; ${Number.isNaN(nonEmpty) ? '' : `${percent(nonEmpty)} of sampled answers hold at least one average`}`);
      }
      if (etagRotation !== undefined && results.has('etag')) notes.push(`etag: ${fmtInt(etagRotation.queries.length)} queries, each with the ETag of its first answer`);
      if (hotRotation !== undefined) notes.push(`cached: ${fmtInt(hotRotation.queries.length)} queries, primed into the cache before the runs`);
      out.push(notes.map((n) => `- ${n}`).join('\n'));
      out.push('');
    }
    if (uploaded.length > 0) {
      const times = uploaded.map((f) => f.ms);
      const t = median(times);
      out.push(`## POST /v1/batches, ${fmtInt(uploadRows)}-row NDJSON (${(uploaded[0]!.bytes / 2 ** 20).toFixed(1)} MiB), one at a time (median of ${uploaded.length} uploads, distinct batch ids)\n`);
      out.push(table(['rows', 'time s', 'rows/s', 'load avg (1 min)'], [[fmtInt(uploadRows), seconds(t) + minMax(times, seconds),
        perSecond(uploadRows, t), uploaded.map((f) => f.load1.toFixed(1)).join(', ')]]));
      out.push('');
    }
    const uncached = results.get('uncached');
    if (uncached !== undefined) {
      const rps = median(uncached.map((f) => f.requestsPerSecond));
      out.push('## Target (issue 3)\n');
      out.push(table(['target', 'measured (median)', 'verdict'], [[
        '≥ 3,000 uncached region-to-region requests/s (server and load generator on the same machine)', `${fmtInt(rps)} req/s`, verdict(rps >= 3000)
      ]]));
      out.push('');
    }
    out.push(`seed: ${fmtInt(totalPrices)} prices written in ${(seedMs / 1000).toFixed(1)} s; load average at the end ${loadAverages()}` +
      (cpuProfDir === undefined ? '' : `; CPU profile of the uncached server in ${cpuProfDir}`));
    console.log(out.join('\n'));
    const json = args.json;
    if (json !== undefined) {
      writeFileSync(json, JSON.stringify({ started: started.toISOString(), node: process.version, cpus: cpus().length, runs, duration, connections, prices: totalPrices,
        results: Object.fromEntries(results), uploads: uploaded }, null, 2));
    }
  } finally {
    await cleanup();
  }
}

await main();
