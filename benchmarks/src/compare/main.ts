/**
 * `npm run bench:compare`: Ratestore against PostgreSQL, on the same machine in the same run.
 *
 *   node benchmarks/dist/compare/main.js [--quick] [--runs N] [--query-runs N] [--http-runs N]
 *     [--ingest-sizes 50000,1000000] [--query-sizes 1000000,10000000] [--queries 200] [--warmup 30]
 *     [--connections 16] [--duration 10] [--dump-prices 1000000] [--check 200]
 *     [--pct-prices 1000000] [--pct-check 50]
 *     [--skip http,dump,ingest,query,percentiles] [--dir /tmp] [--json results.json] [--profile DIR]
 *
 * Starts a throwaway PostgreSQL (see postgres.ts) unless DATABASE_URL is set. Every measured piece of
 * work runs in a fresh child process (one per scenario and run, for either engine). Prints markdown
 * tables of medians with ratios; exits non-zero if the correctness cross-check finds a difference.
 *
 * --quick: 1M query store only, fewer runs, shorter HTTP runs.
 * The percentiles scenario (percentiles.ts, issue 16) measures what the percentile sketches cost,
 * with sketches against `percentileSketches: false` side by side, and PostgreSQL's percentile_disc
 * on the same queries: --pct-prices is its ingest batch and query stores, --pct-check its
 * cross-check's queries; --skip percentiles leaves it out.
 * --profile DIR: the Ratestore children and server run with --cpu-prof into DIR.
 * `--help` lists the options with their defaults; `--child KIND --help` those of a child
 * (rs-ingest, pg-ingest, pg-load, query, flat, pct-query).
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { Ratestore, sampleCatalog, samplePrices, type RatesQuery, type RatestoreOptions } from '@ratestore/core';
import { freePort, installedPostgresBin } from '@ratestore/test-support';
import { SERVER_CLI, childKind, cleanupOnSignal, cpuProfFlags, runChild, runScript, spawnServer, stopProcess, waitReady } from '../child.js';
import { BUILD_BATCH, CATALOG, FIRST_DAY, QueryMix, STAGE_CHUNK, batchOptions, ratesPath, slices } from '../sample.js';
import { buildQueryStore, withTempStore, writeCatalog } from '../store.js';
import {
  fmtInt, loadAverages, machine, maxRssMb, median, minMax, perSecond, ratio, seconds, table, verdict,
  type OptionSpecs, type Values
} from '../util.js';
import { checkQueries, crossCheck, writeSampleDump } from './data.js';
import { PCT_QUERY_OPTIONS, childPctQuery, percentilesScenario } from './percentiles.js';
import { QUERY_BLOCK, QUERY_DAYS, growthOf, kindName, medianCell, medianOf, ms3, timeQueryRuns, type QueryRun, type QueryRunOptions } from './query-runs.js';
import {
  INDEX_SQL, PG_OPTIONS, SCHEMA_PREFIX, connect, copyPrices, createDataSet, dropSchema, ratesQuery, resetSchema, startPostgres,
  type RateAnswer
} from './postgres.js';

const SELF = fileURLToPath(import.meta.url);
const PG_SERVER = join(dirname(SELF), 'pg-server.js');

/** The parent's options. Those whose default depends on --quick say so; `settings` fills them in. */
const OPTIONS = {
  quick: { type: 'boolean', description: 'the 1M query store only, fewer runs, 5 s HTTP runs' },
  runs: { type: 'int', description: 'ingest runs (default 5; 3 with --quick)' },
  'query-runs': { type: 'int', description: 'runs of the in-process queries (default 3; 2 with --quick)' },
  'http-runs': { type: 'int', description: 'HTTP runs per server (default 3; 2 with --quick)' },
  'ingest-sizes': { type: 'ints', default: [50_000, 1_000_000], description: 'prices of each ingest batch' },
  'query-sizes': { type: 'ints', description: 'stored prices of each query store (default 1000000,10000000; 1000000 with --quick)' },
  queries: { type: 'int', default: 200, description: 'timed in-process queries per kind, run and engine' },
  warmup: { type: 'int', default: 30, description: 'untimed in-process queries per kind and engine before each run' },
  connections: { type: 'int', default: 16, description: 'autocannon connections' },
  duration: { type: 'int', description: 'seconds per HTTP run (default 10; 5 with --quick)' },
  'dump-prices': { type: 'int', default: 1_000_000, description: 'prices of the sample dump' },
  check: { type: 'int', default: 200, description: 'queries of each correctness cross-check' },
  'pct-prices': { type: 'int', default: 1_000_000, description: 'percentiles: prices of the ingest batch and of each query store, with sketches and without' },
  'pct-check': { type: 'int', default: 50, description: 'percentiles: queries of the cross-check against the exact prices PostgreSQL ranks' },
  skip: { type: 'strings', choices: ['ingest', 'dump', 'query', 'http', 'percentiles'], description: 'scenarios to leave out' },
  dir: { type: 'string', default: tmpdir(), arg: 'DIR', description: 'where the temporary stores, dumps and the throwaway PostgreSQL go' },
  json: { type: 'string', arg: 'FILE', description: 'also write the raw figures of every run to FILE' },
  profile: { type: 'string', arg: 'DIR', description: 'run the Ratestore children and server with --cpu-prof into DIR' }
} as const satisfies OptionSpecs;

/** The parent's options, with the defaults that depend on --quick filled in. */
function settings(args: Values<typeof OPTIONS>) {
  const { quick } = args;
  return {
    ...args,
    runs: args.runs ?? (quick ? 3 : 5),
    'query-runs': args['query-runs'] ?? (quick ? 2 : 3),
    'http-runs': args['http-runs'] ?? (quick ? 2 : 3),
    'query-sizes': args['query-sizes'] ?? (quick ? [1_000_000] : [1_000_000, 10_000_000]),
    duration: args.duration ?? (quick ? 5 : 10)
  };
}
type Settings = ReturnType<typeof settings>;

/** Untimed batches a warm Ratestore process has committed before the timed one (each into its own throwaway store). */
const WARMUP_BATCHES = 3;
const WARMUP_PRICES = 50_000;

const RS_INGEST_OPTIONS = {
  prices: { type: 'int', default: 50_000, description: 'prices in the timed batch' },
  api: { type: 'string', choices: ['write', 'staged'], default: 'write', description: 'write(): the batch in one call; staged: begin(), add() of chunks, commit()' },
  warm: { type: 'boolean', description: `first commit ${WARMUP_BATCHES} untimed batches of ${fmtInt(WARMUP_PRICES)} prices, each into its own store (without: cold)` },
  'no-sketches': { type: 'boolean', description: 'stores with percentileSketches: false (the percentiles scenario)' },
  dir: { ...OPTIONS.dir, description: 'where the temporary stores go' }
} as const satisfies OptionSpecs;

const PG_INGEST_OPTIONS = {
  prices: RS_INGEST_OPTIONS.prices,
  ...PG_OPTIONS
} as const satisfies OptionSpecs;

const PG_LOAD_OPTIONS = {
  prices: { type: 'int', default: 1_000_000, description: 'stored prices' },
  ...PG_OPTIONS
} as const satisfies OptionSpecs;

const QUERY_OPTIONS = {
  prices: PG_LOAD_OPTIONS.prices,
  store: { type: 'string', required: true, arg: 'DIR', description: 'where to build the Ratestore store (left there for the HTTP runs)' },
  ...PG_OPTIONS,
  runs: { type: 'int', default: 3, description: 'runs of the timed queries' },
  queries: OPTIONS.queries,
  warmup: OPTIONS.warmup,
  check: OPTIONS.check
} as const satisfies OptionSpecs;

const FLAT_OPTIONS = {
  small: { type: 'string', required: true, arg: 'DIR', description: 'the 1M query store (built by the query child)' },
  big: { type: 'string', required: true, arg: 'DIR', description: 'the 10M query store' },
  runs: QUERY_OPTIONS.runs,
  queries: OPTIONS.queries,
  warmup: OPTIONS.warmup
} as const satisfies OptionSpecs;


// ---------------------------------------------------------------------------------------------
// Children

interface IngestFigures { kind: 'ingest'; engine: 'ratestore' | 'postgres'; api?: 'write' | 'staged'; warm?: boolean; sketches?: boolean; prices: number; ms: number; stageMs?: number; commitMs?: number; maxRssMb: number }
interface BuildFigures { batchesMs: number[]; totalMs: number; vacuumMs?: number; sizeMb: number }
interface QueryFigures {
  kind: 'query';
  prices: number;
  build: BuildFigures;
  checked: number;
  nullDays: number;
  days: number;
  /** Read cache off: every query reads LevelDB. */
  ratestore: QueryRun[];
  postgres: QueryRun[];
  /** Ratestore alone afterwards, the same queries: read cache off, then reopened with its defaults (on). */
  ratestoreAlone: QueryRun[];
  ratestoreCached: QueryRun[];
  maxRssMb: number;
}
interface PgLoadFigures { kind: 'pg-load'; prices: number; build: BuildFigures }
interface FlatFigures { kind: 'flat'; small: QueryRun[]; big: QueryRun[] }

function duMb(path: string): number {
  try {
    return Number(execFileSync('du', ['-sk', path], { encoding: 'utf8' }).split('\t')[0]) / 1024;
  } catch {
    return NaN;
  }
}

/**
 * `--warm`: first commits a few untimed batches, so the timed one runs on compiled code, as in a
 * server that has taken uploads before; without it, the timed batch is the first of a fresh process.
 */
async function childRatestoreIngest({ prices, api, warm, 'no-sketches': noSketches, dir }: Values<typeof RS_INGEST_OPTIONS>): Promise<IngestFigures> {
  const kind = api === 'staged' ? 'staged' : 'write';
  const options: StoreOptions = noSketches ? { percentileSketches: false } : {};
  if (warm) for (let i = 0; i < WARMUP_BATCHES; i++) await ratestoreIngest(dir, kind, WARMUP_PRICES, options);
  return { ...(await ratestoreIngest(dir, kind, prices, options)), warm, sketches: !noSketches };
}

type StoreOptions = Omit<RatestoreOptions, 'location'>;

async function ratestoreIngest(dir: string, api: 'write' | 'staged', prices: number, options: StoreOptions): Promise<IngestFigures> {
  return withTempStore(dir, 'ratestore-compare-ingest-', options, async (store) => {
    await writeCatalog(store);
    // The same prices PostgreSQL gets, generated before the clock starts.
    const items = [...samplePrices(batchOptions(prices))];
    const started = performance.now();
    if (api === 'write') {
      const result = await store.write(items, { batchId: 'ingest' });
      const ms = performance.now() - started;
      if (result.counts.prices !== prices) throw new Error(`committed ${result.counts.prices} prices, expected ${prices}`);
      return { kind: 'ingest', engine: 'ratestore', api, prices, ms, maxRssMb: maxRssMb() };
    }
    const staged = await store.begin('ingest');
    for (let at = 0; at < items.length; at += STAGE_CHUNK) await staged.add(items.slice(at, at + STAGE_CHUNK));
    const staging = performance.now();
    const result = await staged.commit();
    const ended = performance.now();
    if (result.counts.prices !== prices) throw new Error(`committed ${result.counts.prices} prices, expected ${prices}`);
    return { kind: 'ingest', engine: 'ratestore', api, prices, ms: ended - started, stageMs: staging - started, commitMs: ended - staging, maxRssMb: maxRssMb() };
  });
}

async function childPostgresIngest({ prices, url, schema }: Values<typeof PG_INGEST_OPTIONS>): Promise<IngestFigures> {
  const client = await connect(url, schema);
  try {
    // An empty indexed table, its catalog loaded, nothing dirty left from the previous run.
    await client.query('TRUNCATE prices');
    await client.query('CHECKPOINT');
    const items = [...samplePrices(batchOptions(prices))];
    const started = performance.now();
    const count = await copyPrices(client, items);
    const ms = performance.now() - started;
    if (count !== prices) throw new Error(`copied ${count} prices, expected ${prices}`);
    return { kind: 'ingest', engine: 'postgres', prices, ms, maxRssMb: maxRssMb() };
  } finally {
    await client.end();
  }
}

/** Loads a query data set into PostgreSQL: one COPY transaction per 1M-price slice, then VACUUM ANALYZE. */
async function childPostgresLoad({ prices, url, schema }: Values<typeof PG_LOAD_OPTIONS>): Promise<PgLoadFigures> {
  const client = await createDataSet(url, schema, sampleCatalog(CATALOG));
  try {
    const batchesMs: number[] = [];
    let totalMs = 0;
    const list = slices(prices, QUERY_DAYS, BUILD_BATCH);
    for (const [b, slice] of list.entries()) {
      const items = [...samplePrices(slice.options)];
      const started = performance.now();
      await copyPrices(client, items);
      const ms = performance.now() - started;
      batchesMs.push(ms);
      totalMs += ms;
      if (list.length > 1) console.error(`[pg ${fmtInt(prices)}] COPY batch ${b + 1}/${list.length}: ${seconds(ms)} s`);
    }
    const started = performance.now();
    await client.query('VACUUM (ANALYZE) prices');
    const vacuumMs = performance.now() - started;
    const { rows } = await client.query<{ bytes: string }>("SELECT pg_total_relation_size('prices') AS bytes");
    return { kind: 'pg-load', prices, build: { batchesMs, totalMs, vacuumMs, sizeMb: Number(rows[0]!.bytes) / 2 ** 20 } };
  } finally {
    await client.end();
  }
}

/**
 * Builds the Ratestore store of a query data set in --store (kept for the HTTP runs), checks 200
 * random queries against PostgreSQL, then measures both engines' latencies in alternating blocks of queries
 * (Ratestore's read cache off), then Ratestore alone with its defaults.
 */
async function childQuery(args: Values<typeof QUERY_OPTIONS>): Promise<QueryFigures> {
  const { prices, runs, warmup, queries: queryCount } = args;
  const label = `[${fmtInt(prices)}]`;
  // The read cache is off for the comparison: with it on, the p50 falls between hits (~0.02 ms) and
  // LevelDB reads (~0.15 ms) and so moves with the mix's hit rate, not with the engine or the data.
  let store = new Ratestore({ location: args.store, readCacheMonths: 0 });
  await store.open();
  const client = await connect(args.url, args.schema);
  try {
    // Build: the catalog, then one staged commit per 1M-price slice of days (generation not timed).
    const batches = await buildQueryStore(store, prices, QUERY_DAYS, BUILD_BATCH, STAGE_CHUNK);
    const batchesMs = batches.map((batch) => batch.stageMs + batch.commitMs);
    const build: BuildFigures = { batchesMs, totalMs: batchesMs.reduce((s, v) => s + v, 0), sizeMb: duMb(args.store) };
    console.error(`${label} Ratestore built in ${(build.totalMs / 1000).toFixed(1)} s; cross-checking`);

    // Correctness: the same numbers for 200 random queries.
    const { checked, nullDays } = await crossCheck(store, client, checkQueries(sampleCatalog(CATALOG), FIRST_DAY, QUERY_DAYS, args.check, 4242 + prices));
    console.error(`${label} ${checked} queries gave the same answers on both engines (${nullDays} null days among them); measuring`);

    const options: QueryRunOptions = { runs, warmup, queries: queryCount, seed: 1_000 };
    // Reads `store` when called, so it follows the reopen below.
    const ratestoreRates = (q: RatesQuery): Promise<unknown> => store.rates(q);
    const [ratestore, postgres] = await timeQueryRuns([ratestoreRates, (q) => client.query(ratesQuery(q))], options, (run, [rs, pg]) =>
      console.error(`${label} run ${run + 1}/${runs}: region p50 Ratestore ${ms3(rs!.region.p50)} ms, PostgreSQL ${ms3(pg!.region.p50)} ms; load ${loadavg()[0]!.toFixed(2)}`));

    // The same runs, Ratestore alone: first as compared (read cache off), which shows what the
    // PostgreSQL blocks in between cost it; then reopened with its defaults, as an application gets it.
    const [ratestoreAlone] = await timeQueryRuns([ratestoreRates], options);
    await store.close();
    store = new Ratestore({ location: args.store });
    await store.open();
    const [ratestoreCached] = await timeQueryRuns([ratestoreRates], options);
    return { kind: 'query', prices, build, checked, nullDays, days: QUERY_DAYS, ratestore: ratestore!, postgres: postgres!, ratestoreAlone: ratestoreAlone!,
      ratestoreCached: ratestoreCached!, maxRssMb: maxRssMb() };
  } finally {
    await client.end();
    await store.close();
  }
}

/**
 * Ratestore at 1M and at 10M side by side in one process, read cache off: the same queries in
 * alternating blocks, so that the machine's drift between two children minutes apart does not land
 * on one store (the 1M store alone measured a region p50 of 0.093-0.148 ms in four runs).
 */
async function childFlat({ small: smallDir, big: bigDir, runs, warmup, queries: queryCount }: Values<typeof FLAT_OPTIONS>): Promise<FlatFigures> {
  const stores = [new Ratestore({ location: smallDir, readCacheMonths: 0 }), new Ratestore({ location: bigDir, readCacheMonths: 0 })];
  for (const store of stores) await store.open();
  try {
    const [small, big] = await timeQueryRuns(stores.map((store) => (q: RatesQuery) => store.rates(q)), { runs, warmup, queries: queryCount, seed: 2_000 },
      (run, [s, b]) => console.error(`[flat] run ${run + 1}/${runs}: region p50 1M ${ms3(s!.region.p50)} ms, 10M ${ms3(b!.region.p50)} ms`));
    return { kind: 'flat', small: small!, big: big! };
  } finally {
    for (const store of stores) await store.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Parent helpers

/**
 * One measured piece of work in a fresh process (see child.ts); with a `profileDir` (--profile, given
 * for the Ratestore ones) under --cpu-prof. No other Node flags of this process are passed on.
 */
function runScenario<T extends IngestFigures | QueryFigures | PgLoadFigures | FlatFigures>(kind: string, childArgs: string[], profileDir?: string): Promise<T> {
  return runChild<T>(SELF, kind, childArgs, cpuProfFlags(profileDir));
}

interface HttpRun { rps: number; p50: number; p99: number; non2xx: number; errors: number; requests: number }

async function cannon(base: string, paths: string[], connections: number, duration: number): Promise<HttpRun> {
  let next = 0;
  const result = await autocannon({
    url: base, connections, duration,
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: paths[next++ % paths.length]! }) }]
  });
  return {
    rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99,
    non2xx: result.non2xx, errors: result.errors + result.timeouts, requests: result.requests.total
  };
}

interface HttpFigures { prices: number; ratestore: HttpRun[]; ratestoreCached: HttpRun[]; postgres: HttpRun[]; loads: number[] }

/** Our server (response cache off, then on) against the minimal Express + pg server, same paths, same concurrency. */
async function httpScenario(settings: Settings, prices: number, storeDir: string, url: string, schema: string): Promise<HttpFigures> {
  const { 'http-runs': runs, connections, duration, dir: baseDir, profile: profileDir } = settings;
  const mix = new QueryMix(77, QUERY_DAYS);
  const paths: string[] = [];
  for (let i = 0; i < 500; i++) paths.push(ratesPath(mix.port()), ratesPath(mix.region()));
  const work = mkdtempSync(join(baseDir, 'ratestore-compare-http-'));
  const servers: ChildProcess[] = [];
  try {
    const start = async (kind: 'ratestore' | 'ratestore-cached' | 'postgres', port: number): Promise<ChildProcess> => {
      let child: ChildProcess;
      if (kind === 'postgres') {
        child = spawn(process.execPath, [PG_SERVER, '--url', url, '--schema', schema, '--port', String(port), '--pool', '8'], { stdio: ['ignore', 'ignore', 'inherit'] });
      } else {
        child = spawnServer({ data: storeDir, port, config: { cache: { entries: kind === 'ratestore' ? 0 : 10_000 }, shutdown: { deadlineMs: 3000 } },
          configFile: join(work, `${kind}.json`), logLevel: 'warn', stdio: ['ignore', 'ignore', 'inherit'], profileDir });
      }
      servers.push(child);
      await waitReady(`http://127.0.0.1:${port}${kind === 'postgres' ? '/healthz' : '/readyz'}`, child, 300_000);
      return child;
    };
    const figures: HttpFigures = { prices, ratestore: [], ratestoreCached: [], postgres: [], loads: [] };
    // Free ephemeral ports (fetch refuses some low ones, e.g. 4045, as "bad ports").
    const [pgPort, ourPort, cachedPort] = [await freePort(), await freePort(), await freePort()];
    await start('postgres', pgPort);
    // Same answers over HTTP too, for a few paths.
    let ours = await start('ratestore', ourPort);
    for (const path of paths.slice(0, 20)) {
      const a = (await (await fetch(`http://127.0.0.1:${ourPort}${path}`)).json()) as RateAnswer[];
      const b = (await (await fetch(`http://127.0.0.1:${pgPort}${path}`)).json()) as RateAnswer[];
      if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`CORRECTNESS MISMATCH over HTTP for ${path}: ${JSON.stringify(a).slice(0, 300)} vs ${JSON.stringify(b).slice(0, 300)}`);
    }
    // Warm-up of both, then alternate.
    await cannon(`http://127.0.0.1:${ourPort}`, paths, connections, 2);
    await cannon(`http://127.0.0.1:${pgPort}`, paths, connections, 2);
    for (let run = 0; run < runs; run++) {
      figures.loads.push(loadavg()[0]!);
      figures.ratestore.push(await cannon(`http://127.0.0.1:${ourPort}`, paths, connections, duration));
      figures.postgres.push(await cannon(`http://127.0.0.1:${pgPort}`, paths, connections, duration));
      console.error(`[${fmtInt(prices)}] HTTP run ${run + 1}/${runs}: Ratestore ${fmtInt(figures.ratestore[run]!.rps)} req/s, ` +
        `Express+pg ${fmtInt(figures.postgres[run]!.rps)} req/s; load ${loadavg()[0]!.toFixed(2)}`);
    }
    await stopProcess(ours, 15_000);
    // The store's lock is released when the server exits; then the same with the response cache on.
    ours = await start('ratestore-cached', cachedPort);
    await cannon(`http://127.0.0.1:${cachedPort}`, paths, connections, 2);
    for (let run = 0; run < runs; run++) figures.ratestoreCached.push(await cannon(`http://127.0.0.1:${cachedPort}`, paths, connections, duration));
    return figures;
  } finally {
    for (const child of servers) await stopProcess(child, 15_000);
    rmSync(work, { recursive: true, force: true });
  }
}

interface DumpFigures { name: string; prices: number; bytes: number; ratestoreMs: number[]; postgresMs: number[]; checked: number; nullDays: number }

/** psql of the newest installed PostgreSQL, else the first on PATH. */
function psqlPath(): string {
  const installed = installedPostgresBin();
  for (const dir of [...(installed === undefined ? [] : [installed]), ...(process.env.PATH ?? '').split(delimiter)]) {
    if (existsSync(join(dir, 'psql'))) return join(dir, 'psql');
  }
  throw new Error('psql not found');
}

/**
 * Loads a ratestask dump into both, `runs` times each, alternating: Ratestore with `ratestore import`
 * (a fresh data directory each time), PostgreSQL with `psql --single-transaction -f dump -f index`
 * into a fresh schema. Wall-clock of the whole command, process start included on both sides.
 * Then cross-checks 200 random queries on the last load.
 */
async function dumpScenario(settings: Settings, name: string, file: string, prices: number, url: string, runs: number): Promise<DumpFigures> {
  const work = mkdtempSync(join(settings.dir, 'ratestore-compare-dump-'));
  const schema = `${SCHEMA_PREFIX}dump`;
  const indexFile = join(work, 'index.sql');
  writeFileSync(indexFile, `${INDEX_SQL}\n`);
  const figures: DumpFigures = { name, prices, bytes: statSync(file).size, ratestoreMs: [], postgresMs: [], checked: 0, nullDays: 0 };
  const psql = psqlPath();
  let storeDir = '';
  try {
    for (let run = 0; run < runs; run++) {
      if (storeDir !== '') rmSync(storeDir, { recursive: true, force: true });
      storeDir = join(work, `store-${run}`);
      let started = performance.now();
      const imported = spawnSync(process.execPath, [SERVER_CLI, 'import', file, '--data', storeDir], { encoding: 'utf8' });
      figures.ratestoreMs.push(performance.now() - started);
      if (imported.status !== 0) throw new Error(`ratestore import ${file} failed: ${imported.stderr}${imported.stdout}`);
      await resetSchema(url, schema);
      started = performance.now();
      const loaded = spawnSync(psql, ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '--single-transaction', '-d', url, '-f', file, '-f', indexFile],
        { encoding: 'utf8', env: { ...process.env, PGOPTIONS: `-c search_path=${schema}` } });
      figures.postgresMs.push(performance.now() - started);
      if (loaded.status !== 0) throw new Error(`psql -f ${file} failed: ${loaded.stderr}`);
      console.error(`[dump ${name}] run ${run + 1}/${runs}: ratestore import ${seconds(figures.ratestoreMs[run]!)} s, psql ${seconds(figures.postgresMs[run]!)} s`);
    }
    const client = await connect(url, schema);
    const store = new Ratestore({ location: storeDir });
    await store.open();
    try {
      await client.query('VACUUM (ANALYZE) prices');
      const regions = await client.query<{ slug: string; parent_slug: string | null }>('SELECT slug, parent_slug FROM regions');
      const ports = await client.query<{ code: string; parent_slug: string }>('SELECT code, parent_slug FROM ports');
      const span = await client.query<{ first: string; days: number }>("SELECT to_char(min(day), 'YYYY-MM-DD') AS first, max(day) - min(day) + 1 AS days FROM prices");
      const catalog = [
        ...regions.rows.map((r) => ({ type: 'region' as const, slug: r.slug, parent: r.parent_slug })),
        ...ports.rows.map((p) => ({ type: 'port' as const, code: p.code, region: p.parent_slug }))
      ];
      const { checked, nullDays } = await crossCheck(store, client, checkQueries(catalog, span.rows[0]!.first, span.rows[0]!.days, settings.check, 99));
      figures.checked = checked;
      figures.nullDays = nullDays;
      console.error(`[dump ${name}] ${checked} queries gave the same answers on both engines (${nullDays} null days among them)`);
    } finally {
      await store.close();
      await client.end();
      await dropSchema(url, schema);
    }
    return figures;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Parent


async function parent(args: Settings): Promise<void> {
  const { quick, runs, 'query-runs': queryRuns, 'http-runs': httpRuns, 'ingest-sizes': ingestSizes, 'query-sizes': querySizes, dir: baseDir } = args;
  const { queries: queryCount, check: checkCount, connections, duration, profile: profileDir } = args;
  const skip = new Set(args.skip);
  const started = new Date();
  console.log(`# Ratestore vs PostgreSQL, ${started.toISOString()}${quick ? ' (--quick)' : ''}`);
  console.log(`${machine()}, data under ${baseDir}; load average at start ${loadAverages()}`);

  const postgres = await startPostgres(baseDir);
  const cleanup = cleanupOnSignal(() => postgres.stop());
  const out: string[] = [];
  const targets: string[][] = [];
  const json: Record<string, unknown> = { started: started.toISOString(), quick, node: process.version, postgres: postgres.settings };
  const loads: number[] = [];
  const noteLoad = (): void => {
    loads.push(loadavg()[0]!);
  };
  try {
    console.error(`compare: PostgreSQL: ${postgres.description}`);
    out.push(`PostgreSQL: ${postgres.description}.`);
    out.push(`Settings: ${Object.entries(postgres.settings).sort().map(([k, v]) => `${k}=${v}`).join(', ')}.\n`);

    // Ingest ------------------------------------------------------------------------------------
    if (!skip.has('ingest')) {
      const schema = `${SCHEMA_PREFIX}ingest`;
      await (await createDataSet(postgres.url, schema, sampleCatalog(CATALOG))).end();
      const series = {
        write: ['--api', 'write', '--warm'],
        writeCold: ['--api', 'write'],
        staged: ['--api', 'staged', '--warm']
      } as const;
      type Series = keyof typeof series | 'postgres';
      const results = new Map<number, Record<Series, IngestFigures[]>>();
      const coldNotes: string[] = [];
      for (let run = 0; run < runs; run++) {
        for (const prices of ingestSizes) {
          noteLoad();
          const entry = results.get(prices) ?? { write: [], writeCold: [], staged: [], postgres: [] };
          results.set(prices, entry);
          for (const [name, flags] of Object.entries(series) as Array<[keyof typeof series, readonly string[]]>) {
            entry[name].push(await runScenario<IngestFigures>('rs-ingest', ['--prices', String(prices), ...flags, '--dir', baseDir], profileDir));
          }
          entry.postgres.push(await runScenario<IngestFigures>('pg-ingest', ['--prices', String(prices), '--url', postgres.url, '--schema', schema]));
          const last = (name: Series): string => seconds(entry[name].at(-1)!.ms);
          console.error(`ingest ${fmtInt(prices)} run ${run + 1}/${runs}: Ratestore write() ${last('write')} s (cold ${last('writeCold')} s), staged ${last('staged')} s, PostgreSQL COPY ${last('postgres')} s; load ${loadavg()[0]!.toFixed(2)}`);
        }
      }
      await dropSchema(postgres.url, schema);
      json.ingest = Object.fromEntries(results);
      out.push(`## Atomic ingest (medians of ${runs} runs, each in a fresh process; min–max in brackets)\n`);
      out.push('Ratestore `write()`: the whole batch in one call, the counterpart of one COPY transaction. Ratestore staged: `begin()`, ' +
        '`add()` of 50,000-price chunks (each fsynced, so that an upload can resume), `commit()`. PostgreSQL: `BEGIN`, `COPY prices FROM STDIN` ' +
        '(pg-copy-streams) into the empty table with its covering index, `COMMIT`, against a server that has run the previous runs. ' +
        `Warm: the Ratestore process first commits ${WARMUP_BATCHES} untimed batches of ${fmtInt(WARMUP_PRICES)} prices into throwaway stores, ` +
        'as a server that has taken uploads before; cold: the timed batch is the first of a fresh process (V8 has compiled none of the write path). ' +
        'Same prices (sample generator, 31 days) into an empty store or table, generated before the clock starts; catalog loaded before, not timed.\n');
      out.push(table(['prices', 'write() s', 'write() cold s', 'staged s', 'PostgreSQL s', 'write() prices/s', 'PostgreSQL prices/s', 'write() / PostgreSQL', 'cold / PostgreSQL', 'staged / PostgreSQL'],
        [...results].map(([prices, figures]) => {
          const m = (name: Series): number => median(figures[name].map((f) => f.ms));
          const cell = (name: Series): string => seconds(m(name)) + minMax(figures[name].map((f) => f.ms), seconds);
          const p = m('postgres');
          // Throughput is a steady-state figure, so the target is judged warm; the cold batch is the
          // latency a process pays once after it starts, reported beside it and not hidden.
          targets.push([`ingest ${fmtInt(prices)} prices (write(), warm): ≥ 2x PostgreSQL's throughput`, ratio(p / m('write')), verdict(p / m('write') >= 2)]);
          coldNotes.push(`${fmtInt(prices)} prices: ${ratio(p / m('writeCold'))} PostgreSQL's speed (${seconds(m('writeCold'))} s against ${seconds(p)} s)`);
          return [fmtInt(prices), cell('write'), cell('writeCold'), cell('staged'), cell('postgres'), perSecond(prices, m('write')), perSecond(prices, p),
            ratio(p / m('write')), ratio(p / m('writeCold')), ratio(p / m('staged'))];
        })));
      out.push(`\nThe targets judge throughput warm. The first batch of a fresh process, a latency paid once after start while V8 compiles the write path: ${coldNotes.join('; ')}.`);
      out.push('');
      console.error(out.join('\n'));
    }

    // Dumps -------------------------------------------------------------------------------------
    if (!skip.has('dump')) {
      const dumps: DumpFigures[] = [];
      const dumpRuns = quick ? 2 : 3;
      const work = mkdtempSync(join(baseDir, 'ratestore-compare-dumpfile-'));
      try {
        const dumpPrices = args['dump-prices'];
        const file = join(work, 'sample.sql');
        await writeSampleDump(file, batchOptions(dumpPrices));
        noteLoad();
        dumps.push(await dumpScenario(args, `sample, ${fmtInt(dumpPrices)} prices`, file, dumpPrices, postgres.url, dumpRuns));
        const real = '/work/shared/data/rates.sql';
        if (existsSync(real)) {
          noteLoad();
          dumps.push(await dumpScenario(args, 'ratestask rates.sql', real, NaN, postgres.url, dumpRuns));
        }
      } finally {
        rmSync(work, { recursive: true, force: true });
      }
      json.dumps = dumps;
      out.push(`## Loading a ratestask dump (wall clock of the command, process start included; medians of ${dumpRuns} runs)\n`);
      out.push('Ratestore: `ratestore import FILE --data DIR` (fresh directory; the importer reads the file twice). PostgreSQL: ' +
        '`psql --single-transaction -f FILE -f index.sql` into a fresh schema (the dump\'s tables, COPY sections and keys, then the covering index).\n');
      out.push(table(['dump', 'size MB', 'Ratestore s', 'PostgreSQL s', 'Ratestore / PostgreSQL speed', 'cross-check'],
        dumps.map((d) => {
          const r = median(d.ratestoreMs);
          const p = median(d.postgresMs);
          return [d.name, (d.bytes / 2 ** 20).toFixed(1), seconds(r) + minMax(d.ratestoreMs, seconds), seconds(p) + minMax(d.postgresMs, seconds), ratio(p / r),
            `${d.checked} queries equal (${d.nullDays} null days)`];
        })));
      out.push('');
      console.error(out.slice(-4).join('\n'));
    }

    // Queries and HTTP per store size -----------------------------------------------------------
    const queryResults: Array<{ q: QueryFigures; pg: PgLoadFigures; http?: HttpFigures }> = [];
    let flat: FlatFigures | undefined;
    // Kept until the side-by-side growth run at the end.
    const storeDirs = new Map<number, string>();
    if (!skip.has('query')) {
      try {
        for (const prices of querySizes) {
          const schema = `${SCHEMA_PREFIX}q${prices}`;
          const storeDir = mkdtempSync(join(baseDir, 'ratestore-compare-store-'));
          storeDirs.set(prices, storeDir);
          try {
            noteLoad();
            const pgLoad = await runScenario<PgLoadFigures>('pg-load', ['--prices', String(prices), '--url', postgres.url, '--schema', schema]);
            console.error(`[${fmtInt(prices)}] PostgreSQL loaded in ${seconds(pgLoad.build.totalMs)} s + VACUUM ANALYZE ${seconds(pgLoad.build.vacuumMs!)} s`);
            noteLoad();
            const q = await runScenario<QueryFigures>('query', ['--prices', String(prices), '--store', storeDir, '--url', postgres.url, '--schema', schema,
              '--runs', String(queryRuns), '--queries', String(queryCount), '--warmup', String(args.warmup), '--check', String(checkCount)], profileDir);
            const entry: { q: QueryFigures; pg: PgLoadFigures; http?: HttpFigures } = { q, pg: pgLoad };
            if (!skip.has('http')) {
              noteLoad();
              entry.http = await httpScenario(args, prices, storeDir, postgres.url, schema);
            }
            queryResults.push(entry);
          } finally {
            await dropSchema(postgres.url, schema);
          }
        }
        const small = storeDirs.get(1_000_000);
        const big = storeDirs.get(10_000_000);
        if (small !== undefined && big !== undefined) {
          noteLoad();
          flat = await runScenario<FlatFigures>('flat', ['--small', small, '--big', big,
            '--runs', String(queryRuns), '--queries', String(queryCount), '--warmup', String(args.warmup)], profileDir);
        }
      } finally {
        for (const dir of storeDirs.values()) rmSync(dir, { recursive: true, force: true });
      }
      json.queries = queryResults;
      json.flat = flat;

      out.push(`## In-process query latency, 31-day windows (${queryCount} queries per kind per run, in alternating blocks of ${QUERY_BLOCK} per engine; median over ${queryRuns} runs of each run's percentile)\n`);
      out.push('Ratestore: `store.rates()` in the benchmark process, its read cache off (`readCacheMonths: 0`), so every query reads LevelDB. ' +
        'PostgreSQL: the canonical query as a named prepared statement ' +
        'through one `pg` client over loopback (client and network round trip included; that is what an application pays).\n');
      const rows: string[][] = [];
      for (const { q } of queryResults) {
        for (const kind of ['port', 'region'] as const) {
          const speedUp = (stat: 'p50' | 'p99'): string => ratio(medianOf(q.postgres, kind, stat) / medianOf(q.ratestore, kind, stat));
          rows.push([fmtInt(q.prices), kindName(kind), medianCell(q.ratestore, kind, 'p50'), medianCell(q.ratestore, kind, 'p99'),
            medianCell(q.postgres, kind, 'p50'), medianCell(q.postgres, kind, 'p99'), speedUp('p50'), speedUp('p99')]);
        }
      }
      out.push(table(['stored prices', 'kind', 'Ratestore p50 ms', 'Ratestore p99 ms', 'PostgreSQL p50 ms', 'PostgreSQL p99 ms', 'speed-up p50', 'speed-up p99'], rows));
      out.push('');
      out.push('Ratestore alone afterwards in the same child, the same warm-up and queries: read cache off, as compared above but with no ' +
        'PostgreSQL queries in between; then reopened with its defaults (read cache on). A cached month answers in microseconds, so the cache-on ' +
        'figures depend on how often this mix repeats a pair\'s month, not on the stored data.\n');
      out.push(table(['stored prices', 'kind', 'cache off p50 ms', 'cache off p99 ms', 'cache on p50 ms', 'cache on p99 ms'],
        queryResults.flatMap(({ q }) => (['port', 'region'] as const).map((kind) => [fmtInt(q.prices), kindName(kind),
          medianCell(q.ratestoreAlone, kind, 'p50'), medianCell(q.ratestoreAlone, kind, 'p99'), medianCell(q.ratestoreCached, kind, 'p50'), medianCell(q.ratestoreCached, kind, 'p99')]))));
      out.push('');
      const checked = queryResults.map(({ q }) => `${fmtInt(q.prices)}: ${q.checked} queries, ${q.nullDays} null days`).join('; ');
      out.push(`Correctness cross-check before measuring (any port or region on each side, windows of 1–31 days, some outside the data): same answers on both engines (${checked}).\n`);

      if (queryResults.some((e) => e.http !== undefined)) {
        out.push(`## HTTP \`GET /rates\` (autocannon, ${connections} connections, ${duration} s per run, medians of ${httpRuns} runs, the two servers alternating)\n`);
        out.push('The same 1,000 paths (500 port-to-port, 500 region-to-region, 31-day windows) cycled in the same order against each server. ' +
          'Ratestore: `ratestore serve` (log level warn), response cache off for the comparison; "cache on" is the default configuration (every path repeats, so it measures the cache). ' +
          'PostgreSQL: Express 5 + a pg pool of 8 running the prepared canonical query. autocannon runs in the benchmark process on the same 2 cores.\n');
        const httpRows: string[][] = [];
        for (const { http } of queryResults) {
          if (http === undefined) continue;
          const r = median(http.ratestore.map((run) => run.rps));
          const c = median(http.ratestoreCached.map((run) => run.rps));
          const p = median(http.postgres.map((run) => run.rps));
          const bad = [...http.ratestore, ...http.ratestoreCached, ...http.postgres].reduce((sum, run) => sum + run.non2xx + run.errors, 0);
          httpRows.push([fmtInt(http.prices), fmtInt(r) + minMax(http.ratestore.map((run) => run.rps), fmtInt),
            `${median(http.ratestore.map((run) => run.p50))} / ${median(http.ratestore.map((run) => run.p99))}`,
            fmtInt(p) + minMax(http.postgres.map((run) => run.rps), fmtInt),
            `${median(http.postgres.map((run) => run.p50))} / ${median(http.postgres.map((run) => run.p99))}`,
            ratio(r / p), fmtInt(c), ratio(c / p), String(bad)]);
          targets.push([`HTTP /rates at ${fmtInt(http.prices)} prices: ≥ 5x Express + pg throughput (Ratestore cache off)`, ratio(r / p), verdict(r / p >= 5)]);
        }
        out.push(table(['stored prices', 'Ratestore req/s', 'Ratestore p50 / p99 ms', 'Express+pg req/s', 'Express+pg p50 / p99 ms', 'ratio',
          'Ratestore cache on req/s', 'ratio cache on', 'non-2xx + errors'], httpRows));
        out.push('');
      }

      if (flat !== undefined) {
        const { small, big } = flat;
        out.push(`## Ratestore at 1M and at 10M side by side (read cache off; ${queryCount} queries per kind per run in alternating blocks of ${QUERY_BLOCK} per store, one process; median over ${queryRuns} runs)\n`);
        out.push('Both query stores as built above, opened together after the HTTP runs, so that drift of the machine between two children does not land on one of them.\n');
        out.push(table(['kind', '1M p50 ms', '10M p50 ms', '10M / 1M p50 (median of runs)', '1M p99 ms', '10M p99 ms'], (['port', 'region'] as const).map((kind) => [
          kindName(kind), medianCell(small, kind, 'p50'), medianCell(big, kind, 'p50'), ratio(growthOf(small, big, kind)),
          medianCell(small, kind, 'p99'), medianCell(big, kind, 'p99')])));
        out.push('');
      }

      out.push('## Growth from 1M to 10M stored prices\n');
      const growthRows: string[][] = [];
      for (const { q, pg: pgLoad, http } of queryResults) {
        const rb = q.build.batchesMs;
        const pb = pgLoad.build.batchesMs;
        growthRows.push([fmtInt(q.prices), `${seconds(q.build.totalMs)} (last 1M: ${seconds(rb[rb.length - 1]!)})`, `${seconds(pgLoad.build.totalMs)} + VACUUM ${seconds(pgLoad.build.vacuumMs!)} (last 1M: ${seconds(pb[pb.length - 1]!)})`,
          q.build.sizeMb.toFixed(0), pgLoad.build.sizeMb.toFixed(0),
          ms3(medianOf(q.ratestore, 'region', 'p50')), ms3(medianOf(q.postgres, 'region', 'p50')),
          http === undefined ? '–' : fmtInt(median(http.ratestore.map((run) => run.rps))), http === undefined ? '–' : fmtInt(median(http.postgres.map((run) => run.rps)))]);
      }
      out.push(table(['stored prices', 'Ratestore build s (1M staged commits)', 'PostgreSQL load s (1M COPY transactions)', 'Ratestore disk MB', 'PostgreSQL table+index MB',
        'Ratestore region p50 ms', 'PostgreSQL region p50 ms', 'Ratestore HTTP req/s', 'Express+pg HTTP req/s'], growthRows));
      out.push('');
      const small = queryResults.find((e) => e.q.prices === 1_000_000);
      const big = queryResults.find((e) => e.q.prices === 10_000_000);
      if (big !== undefined) {
        const r = medianOf(big.q.ratestore, 'region', 'p50');
        const p = medianOf(big.q.postgres, 'region', 'p50');
        targets.push(['region-to-region 31-day in-process at 10M: ≥ 50x faster than PostgreSQL (p50)', ratio(p / r), verdict(p / r >= 50)]);
        if (small !== undefined) {
          const growth = (pick: (q: QueryFigures) => QueryRun[]): string => {
            const from = medianOf(pick(small.q), 'region', 'p50');
            const to = medianOf(pick(big.q), 'region', 'p50');
            return `${ms3(from)} → ${ms3(to)} ms (${ratio(to / from)})`;
          };
          targets.push(['(for information) region p50 from 1M to 10M, each in its own child: compared with PostgreSQL / alone, cache off / alone, cache on',
            `${growth((q) => q.ratestore)} / ${growth((q) => q.ratestoreAlone)} / ${growth((q) => q.ratestoreCached)}`, '–']);
        }
        if (flat !== undefined) {
          const growth = growthOf(flat.small, flat.big, 'region');
          targets.push(['region-to-region p50 flat from 1M to 10M, side by side (10M ≤ 1.5x 1M)',
            `${ms3(medianOf(flat.small, 'region', 'p50'))} → ${ms3(medianOf(flat.big, 'region', 'p50'))} ms (median of the runs' ratios ${ratio(growth)})`,
            verdict(growth <= 1.5)]);
        }
      } else if (small !== undefined) {
        const r = medianOf(small.q.ratestore, 'region', 'p50');
        const p = medianOf(small.q.postgres, 'region', 'p50');
        targets.push(['(quick run: 10M not measured) region-to-region 31-day at 1M, speed-up p50', ratio(p / r), '–']);
      }
    }

    // Percentiles (issue 16) -------------------------------------------------------------------
    if (!skip.has('percentiles')) {
      const percentiles = await percentilesScenario({
        prices: args['pct-prices'], runs, queryRuns, queries: queryCount, warmup: args.warmup, check: args['pct-check'], dir: baseDir, url: postgres.url, noteLoad
      }, (kind, childArgs) => runChild(SELF, kind, childArgs, kind.startsWith('pg-') ? [] : cpuProfFlags(profileDir)));
      json.percentiles = percentiles.figures;
      out.push(...percentiles.report);
      targets.push(...percentiles.targets);
      console.error(percentiles.report.join('\n'));
    }

    out.push('## Targets\n');
    out.push(table(['target', 'measured (medians)', 'verdict'], targets));
    out.push('');
    out.push(`Load average (1 min) when each scenario started: ${loads.map((v) => v.toFixed(1)).join(', ')}; at the end ${loadavg()[0]!.toFixed(2)}. ` +
      `Finished ${new Date().toISOString()} (${((Date.now() - started.getTime()) / 60_000).toFixed(1)} min).`);
    console.log('\n' + out.join('\n'));
    json.loads = loads;
    const jsonFile = args.json;
    if (jsonFile !== undefined) writeFileSync(jsonFile, JSON.stringify(json, null, 2));
  } finally {
    await cleanup();
  }
}

// ---------------------------------------------------------------------------------------------

await runScript({
  script: import.meta.url,
  summary: 'Ratestore against PostgreSQL on this machine: ingest, dump loading, in-process queries, HTTP and percentiles, each measured piece of work in a fresh ' +
    'child process; starts a throwaway PostgreSQL unless DATABASE_URL is set. Prints markdown tables of medians with ratios.',
  options: OPTIONS
}, async (args) => {
  try {
    await parent(settings(args));
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  }
}, {
  'rs-ingest': childKind({ summary: 'Commits one batch of sample prices into a temporary Ratestore store.', options: RS_INGEST_OPTIONS, run: childRatestoreIngest }),
  'pg-ingest': childKind({ summary: 'COPYs one batch of sample prices into the emptied PostgreSQL table, in one transaction.', options: PG_INGEST_OPTIONS, run: childPostgresIngest }),
  'pg-load': childKind({ summary: 'Loads a query data set into PostgreSQL (one COPY per 1M prices), then VACUUM ANALYZE.', options: PG_LOAD_OPTIONS, run: childPostgresLoad }),
  query: childKind({ summary: 'Builds the Ratestore store of a query data set, cross-checks it against PostgreSQL, then times both engines\' queries.',
    options: QUERY_OPTIONS, run: childQuery }),
  flat: childKind({ summary: 'Times the same queries on the 1M and the 10M Ratestore store side by side (read cache off).', options: FLAT_OPTIONS, run: childFlat }),
  'pct-query': childKind({ summary: 'Builds a query store with percentile sketches and one without, cross-checks the percentiles against PostgreSQL, ' +
    'then times queries with and without percentiles on both engines.', options: PCT_QUERY_OPTIONS, run: childPctQuery })
});
