/**
 * `npm run bench:scale`: Ratestore at 1M, 10M and 100M stored prices (issue 15, target 4).
 *
 *   node benchmarks/dist/scale.js [--sizes 1000000,10000000,100000000] [--keep DIR] [--runs 3]
 *     [--queries 1000] [--warmup 100] [--pg-sizes N,N,...] [--pg-budget 1200] [--dir /tmp] [--json FILE]
 *
 * 1. Builds one store per size, each in a fresh child, as bench:compare builds its query stores: the
 *    catalog, then one staged commit per 1M-price slice of consecutive days over the 366 days of 2016
 *    (the generator of @ratestore/core, seed 1), then `compact()`. Disk bytes per price are read
 *    after the store is closed. With `--keep DIR` the stores are built in DIR and left there, and a
 *    store DIR already holds (with its figures, `ratestore-N.json`) is reused instead of rebuilt.
 * 2. One more child opens every store (month cache off) and times the same 31-day port-to-port and
 *    region-to-region queries on all of them in alternating blocks (compare/query-runs.ts), so the
 *    ratios to the 1M store are taken side by side, in one process.
 * 3. Loads the same rows into a throwaway PostgreSQL (ratestask schema, the covering index of
 *    bench:compare; one COPY transaction per 1M slice, then VACUUM ANALYZE), one size at a time in a
 *    schema of its own, and reads its table and index bytes. A load that would not fit the free disk
 *    is skipped; one that runs past `--pg-budget` seconds stops there, and its bytes are those of the
 *    rows loaded so far (the report says so).
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, statfsSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ratestore, sampleCatalog, samplePrices, type RatesQuery } from '@ratestore/core';
import { REPO_ROOT, childKind, cleanupOnSignal, runChild, runScript } from './child.js';
import { BUILD_BATCH, CATALOG, STAGE_CHUNK, slices } from './sample.js';
import { buildQueryStore } from './store.js';
import { PG_OPTIONS, SCHEMA_PREFIX, copyPrices, createDataSet, dropSchema, startPostgres } from './compare/postgres.js';
import { QUERY_DAYS, growthOf, kindName, medianCell, medianOf, ms3, timeQueryRuns, type QueryRun } from './compare/query-runs.js';
import { fmtInt, gitState, loadAverages, machine, maxRssMb, ratio, seconds, table, verdict, type OptionSpecs, type Values } from './util.js';

const SELF = fileURLToPath(import.meta.url);

const OPTIONS = {
  sizes: { type: 'ints', default: [1_000_000, 10_000_000, 100_000_000], description: 'stored prices of each store (the first is the baseline of the ratios)' },
  keep: { type: 'string', arg: 'DIR', description: 'build the stores in DIR and leave them there; reuse those DIR already holds' },
  runs: { type: 'int', default: 3, description: 'runs of the timed queries' },
  queries: { type: 'int', default: 1000, description: 'timed queries per kind, store and run' },
  warmup: { type: 'int', default: 100, description: 'untimed queries per kind and store before each run' },
  'pg-sizes': { type: 'ints', arg: 'N,N,...', description: 'stored prices loaded into PostgreSQL for its bytes per price (default: every size; 0 skips PostgreSQL)' },
  'pg-budget': { type: 'int', default: 1200, description: 'seconds a PostgreSQL load may take; past them it stops and its bytes are those of the rows loaded so far' },
  dir: { type: 'string', default: tmpdir(), arg: 'DIR', description: 'where the temporary stores and the throwaway PostgreSQL go' },
  json: { type: 'string', arg: 'FILE', description: 'also write the raw figures to FILE' }
} as const satisfies OptionSpecs;

const BUILD_OPTIONS = {
  store: { type: 'string', required: true, arg: 'DIR', description: 'where to build the store (left there)' },
  prices: { type: 'int', required: true, description: 'stored prices' }
} as const satisfies OptionSpecs;

const READ_OPTIONS = {
  stores: { type: 'strings', required: true, arg: 'DIR,DIR', description: 'the stores, built by build children' },
  runs: OPTIONS.runs,
  queries: OPTIONS.queries,
  warmup: OPTIONS.warmup
} as const satisfies OptionSpecs;

const PG_LOAD_OPTIONS = {
  prices: { type: 'int', required: true, description: 'stored prices' },
  budget: { type: 'int', default: 1200, description: 'seconds the COPYs may take; the load stops at the first slice past them' },
  ...PG_OPTIONS
} as const satisfies OptionSpecs;

interface BuildFigures {
  kind: 'build';
  prices: number;
  batches: number;
  /** Staging and commit of every slice, generation not counted. */
  buildMs: number;
  lastBatchMs: number;
  compactMs: number;
  bytes: number;
  files: number;
  maxRssMb: number;
  builtAt: string;
}

interface ReadFigures { kind: 'read'; stores: QueryRun[][] }

interface PgFigures {
  kind: 'pg-load';
  prices: number;
  /** Rows actually loaded: fewer than `prices` when the budget ran out. */
  loaded: number;
  copyMs: number;
  vacuumMs: number;
  /** pg_table_size (heap, TOAST, free space and visibility maps) and pg_indexes_size of `prices`. */
  tableBytes: number;
  indexBytes: number;
  maxRssMb: number;
}

// ---------------------------------------------------------------------------------------------
// Children

/** Bytes of the files under `dir`, and how many files. */
function bytesUnder(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const inner = bytesUnder(path);
      bytes += inner.bytes;
      files += inner.files;
    } else {
      bytes += statSync(path).size;
      files++;
    }
  }
  return { bytes, files };
}

async function childBuild({ store: dir, prices }: Values<typeof BUILD_OPTIONS>): Promise<BuildFigures> {
  mkdirSync(dir, { recursive: true });
  const store = new Ratestore({ location: dir });
  await store.open();
  const label = `[build ${fmtInt(prices)}]`;
  const started = performance.now();
  try {
    const batches = await buildQueryStore(store, prices, QUERY_DAYS, BUILD_BATCH, STAGE_CHUNK, (b, count, _slice, batch) => {
      if (count <= 10 || (b + 1) % 10 === 0) {
        console.error(`${label} ${b + 1}/${count} batches, the last ${seconds(batch.stageMs + batch.commitMs)} s; ${((performance.now() - started) / 1000).toFixed(0)} s so far; load ${loadAverages()}`);
      }
    });
    const compacting = performance.now();
    await store.compact();
    const compactMs = performance.now() - compacting;
    await store.close();
    const last = batches.at(-1)!;
    return {
      kind: 'build', prices, batches: batches.length, buildMs: batches.reduce((sum, b) => sum + b.stageMs + b.commitMs, 0), lastBatchMs: last.stageMs + last.commitMs,
      compactMs, ...bytesUnder(dir), maxRssMb: maxRssMb(), builtAt: new Date().toISOString()
    };
  } finally {
    if (store.status !== 'closed') await store.close();
  }
}

async function childRead({ stores: dirs, runs, queries, warmup }: Values<typeof READ_OPTIONS>): Promise<ReadFigures> {
  const stores = dirs.map((location) => new Ratestore({ location, readCacheMonths: 0 }));
  try {
    for (const store of stores) await store.open();
    const figures = await timeQueryRuns(stores.map((store) => (q: RatesQuery) => store.rates(q)), { runs, warmup, queries, seed: 5_000 },
      (run, each) => console.error(`[read] run ${run + 1}/${runs}: region p50 ${each.map((f) => ms3(f.region.p50)).join(' / ')} ms, ` +
        `port p50 ${each.map((f) => ms3(f.port.p50)).join(' / ')} ms; load ${loadAverages()}`));
    return { kind: 'read', stores: figures };
  } finally {
    for (const store of stores) if (store.status !== 'closed') await store.close();
  }
}

async function childPgLoad({ prices, budget, url, schema }: Values<typeof PG_LOAD_OPTIONS>): Promise<PgFigures> {
  const client = await createDataSet(url, schema, sampleCatalog(CATALOG));
  const label = `[pg ${fmtInt(prices)}]`;
  try {
    let copyMs = 0;
    let loaded = 0;
    const list = slices(prices, QUERY_DAYS, BUILD_BATCH);
    for (const [b, slice] of list.entries()) {
      const started = performance.now();
      loaded += await copyPrices(client, samplePrices(slice.options));
      copyMs += performance.now() - started;
      if (list.length <= 10 || (b + 1) % 10 === 0) {
        console.error(`${label} ${b + 1}/${list.length} COPY transactions, ${(copyMs / 1000).toFixed(0)} s so far; load ${loadAverages()}`);
      }
      if (copyMs > budget * 1000 && b + 1 < list.length) {
        console.error(`${label} over the budget of ${budget} s after ${fmtInt(loaded)} rows: stopping the load here`);
        break;
      }
    }
    const vacuuming = performance.now();
    await client.query('VACUUM (ANALYZE) prices');
    const vacuumMs = performance.now() - vacuuming;
    const { rows } = await client.query<{ table: string; index: string }>("SELECT pg_table_size('prices') AS table, pg_indexes_size('prices') AS index");
    return { kind: 'pg-load', prices, loaded, copyMs, vacuumMs, tableBytes: Number(rows[0]!.table), indexBytes: Number(rows[0]!.index), maxRssMb: maxRssMb() };
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Parent

/** Roughly what PostgreSQL's table and index take per row here (bench:compare: 1,002 MB for 10M), for the disk check. */
const PG_BYTES_PER_ROW = 110;

async function parent(args: Values<typeof OPTIONS>): Promise<void> {
  const { sizes, runs } = args;
  if (sizes.length === 0 || sizes.some((size) => size === 0)) throw new Error('--sizes needs positive sizes');
  const started = new Date();
  const base = args.keep ?? mkdtempSync(join(args.dir, 'ratestore-bench-scale-'));
  mkdirSync(base, { recursive: true });
  const loads: Array<[string, string]> = [['start', loadAverages()]];
  const phase = (name: string): void => {
    loads.push([name, loadAverages()]);
  };
  const json: Record<string, unknown> = { started: started.toISOString(), node: process.version, sizes };
  const save = (): void => {
    if (args.json !== undefined) writeFileSync(args.json, JSON.stringify({ ...json, loads }, null, 2));
  };
  const git = gitState(REPO_ROOT, ['packages/core/src', 'benchmarks/src'], (changed) => changed.join(', '));
  console.error(`[scale] ${git}; ${machine()}; stores in ${base}; load ${loadAverages()}`);

  // 1. The stores.
  const builds: BuildFigures[] = [];
  const storeDir = (size: number): string => join(base, `ratestore-${size}`);
  for (const size of sizes) {
    const marker = `${storeDir(size)}.json`;
    if (args.keep !== undefined && existsSync(marker)) {
      const figures = JSON.parse(readFileSync(marker, 'utf8')) as BuildFigures;
      builds.push(figures);
      console.error(`[scale] reusing the ${fmtInt(size)} store in ${storeDir(size)}, built ${figures.builtAt}`);
      continue;
    }
    rmSync(storeDir(size), { recursive: true, force: true });
    const figures = await runChild<BuildFigures>(SELF, 'build', ['--store', storeDir(size), '--prices', String(size)]);
    writeFileSync(marker, JSON.stringify(figures));
    builds.push(figures);
    phase(`built ${fmtInt(size)}`);
    console.error(`[scale] ${fmtInt(size)} built: ${(figures.buildMs / 1000).toFixed(1)} s, compact ${(figures.compactMs / 1000).toFixed(1)} s, ` +
      `${(figures.bytes / size).toFixed(1)} bytes per price; load ${loadAverages()}`);
  }
  json.builds = builds;
  save();

  // 2. Queries on every store side by side.
  phase('reads start');
  const read = await runChild<ReadFigures>(SELF, 'read', ['--stores', sizes.map(storeDir).join(','), '--runs', String(runs),
    '--queries', String(args.queries), '--warmup', String(args.warmup)]);
  phase('reads end');
  json.read = read;
  save();

  // 3. PostgreSQL's bytes for the same rows.
  const pgSizes = (args['pg-sizes'] ?? sizes).filter((size) => size > 0);
  const pgRuns: PgFigures[] = [];
  const pgNotes: string[] = [];
  if (pgSizes.length > 0) {
    const pg = await startPostgres(args.dir);
    const schema = `${SCHEMA_PREFIX}scale`;
    const stop = cleanupOnSignal(async () => {
      await dropSchema(pg.url, schema).catch(() => undefined);
      await pg.stop();
    });
    try {
      console.error(`[scale] PostgreSQL: ${pg.description}`);
      json.postgres = pg.settings;
      for (const size of pgSizes) {
        const { bavail, bsize } = statfsSync(args.dir);
        const free = Number(bavail) * Number(bsize);
        // Table and index, and as much again for the WAL the load writes before a checkpoint recycles it.
        const need = size * PG_BYTES_PER_ROW * 2.5;
        if (need > free) {
          pgNotes.push(`PostgreSQL at ${fmtInt(size)} prices skipped: it needs about ${(need / 2 ** 30).toFixed(0)} GiB of disk with its WAL, ${(free / 2 ** 30).toFixed(0)} GiB are free.`);
          console.error(`[scale] ${pgNotes.at(-1)}`);
          continue;
        }
        phase(`pg ${fmtInt(size)} start`);
        const figures = await runChild<PgFigures>(SELF, 'pg-load', ['--prices', String(size), '--budget', String(args['pg-budget']), '--url', pg.url, '--schema', schema]);
        phase(`pg ${fmtInt(size)} end`);
        await dropSchema(pg.url, schema);
        pgRuns.push(figures);
        if (figures.loaded < size) {
          pgNotes.push(`PostgreSQL's load of ${fmtInt(size)} prices ran past the budget of ${args['pg-budget']} s and stopped at ${fmtInt(figures.loaded)} rows; its bytes per price are those rows'.`);
        }
        console.error(`[scale] PostgreSQL ${fmtInt(figures.loaded)} rows: COPY ${(figures.copyMs / 1000).toFixed(0)} s, VACUUM ${(figures.vacuumMs / 1000).toFixed(0)} s, ` +
          `table ${(figures.tableBytes / figures.loaded).toFixed(1)} + index ${(figures.indexBytes / figures.loaded).toFixed(1)} bytes per price; load ${loadAverages()}`);
        json.pg = pgRuns;
        save();
      }
    } finally {
      await stop();
    }
  }
  if (args.keep === undefined) rmSync(base, { recursive: true, force: true });
  phase('end');
  save();

  // Report.
  const out: string[] = [];
  out.push(`# bench:scale, ${started.toISOString()} (${git})`);
  out.push('');
  out.push(`${machine()}; stores built as bench:compare builds its query stores (1M-price staged commits of consecutive days over the 366 days of 2016), then compact(); ` +
    `queries with the month cache off, all stores side by side in one process in alternating blocks, ${fmtInt(args.queries)} per kind, store and run after ${fmtInt(args.warmup)} warm-up; medians of ${runs} runs.`);
  out.push(`Load averages (1, 5, 15 min): ${loads.map(([name, load]) => `${name} ${load}`).join('; ')}.`);
  out.push('');
  out.push('## Stores\n');
  out.push(table(['stored prices', 'commits', 'build s (stage + commit)', 'last commit s', 'compact() s', 'files', 'disk MB', 'bytes per price', 'peak RSS MB (build)'],
    builds.map((b) => [fmtInt(b.prices), fmtInt(b.batches), (b.buildMs / 1000).toFixed(1), seconds(b.lastBatchMs), (b.compactMs / 1000).toFixed(1), fmtInt(b.files),
      (b.bytes / 2 ** 20).toFixed(0), (b.bytes / b.prices).toFixed(1), b.maxRssMb.toFixed(0)])));
  out.push('');
  out.push('## Queries, 31-day windows (month cache off; median over the runs of each run\'s percentile; p50 with the runs\' min–max)\n');
  const first = read.stores[0]!;
  const rows: string[][] = [];
  for (const kind of ['region', 'port'] as const) {
    for (const [i, runsOf] of read.stores.entries()) {
      rows.push([fmtInt(sizes[i]!), kindName(kind), medianCell(runsOf, kind, 'p50'), medianCell(runsOf, kind, 'p99'),
        i === 0 ? '1x' : ratio(growthOf(first, runsOf, kind)), i === 0 ? '1x' : ratio(medianOf(runsOf, kind, 'p99') / medianOf(first, kind, 'p99'))]);
    }
  }
  out.push(table(['stored prices', 'kind', 'p50 ms', 'p99 ms', `p50 / ${fmtInt(sizes[0]!)} (median of the runs' ratios)`, `p99 / ${fmtInt(sizes[0]!)}`], rows));
  out.push('');
  const targets: string[][] = [];
  const biggest = sizes.length - 1;
  if (biggest > 0) {
    for (const kind of ['region', 'port'] as const) {
      const growth = growthOf(first, read.stores[biggest]!, kind);
      targets.push([`${kindName(kind)} 31-day p50 at ${fmtInt(sizes[biggest]!)} ≤ 1.5x at ${fmtInt(sizes[0]!)}`, ratio(growth), verdict(growth <= 1.5)]);
    }
  }
  if (pgRuns.length > 0) {
    out.push('## Disk bytes per stored price: Ratestore against PostgreSQL (table + covering index), the same rows\n');
    out.push(table(['stored prices', 'Ratestore bytes per price', 'PostgreSQL rows loaded', 'COPY s + VACUUM s', 'PostgreSQL table', 'PostgreSQL index', 'PostgreSQL table + index', 'Ratestore / PostgreSQL'],
      pgRuns.map((p) => {
        const ours = builds.find((b) => b.prices === p.prices);
        const theirs = (p.tableBytes + p.indexBytes) / p.loaded;
        return [fmtInt(p.prices), ours === undefined ? '–' : (ours.bytes / ours.prices).toFixed(1), fmtInt(p.loaded), `${(p.copyMs / 1000).toFixed(0)} + ${(p.vacuumMs / 1000).toFixed(0)}`,
          (p.tableBytes / p.loaded).toFixed(1), (p.indexBytes / p.loaded).toFixed(1), theirs.toFixed(1), ours === undefined ? '–' : ratio(ours.bytes / ours.prices / theirs)];
      })));
    out.push('');
    const largest = pgRuns.at(-1)!;
    const ours = builds.find((b) => b.prices === largest.prices);
    if (ours !== undefined) {
      const share = ours.bytes / ours.prices / ((largest.tableBytes + largest.indexBytes) / largest.loaded);
      targets.push([`disk bytes per price ≤ PostgreSQL's table + index, at ${fmtInt(largest.loaded)} PostgreSQL rows`, ratio(share), verdict(share <= 1)]);
    }
  }
  out.push(...pgNotes.map((note) => `${note}\n`));
  if (targets.length > 0) {
    out.push('## Targets (issue 15, target 4)\n');
    out.push(table(['target', 'measured', 'verdict'], targets));
  }
  console.log(out.join('\n'));
}

await runScript({
  script: import.meta.url,
  summary: 'Ratestore at 1M, 10M and 100M stored prices (issue 15, target 4): builds the stores, times 31-day queries on all of them side by side, ' +
    'and compares disk bytes per price with PostgreSQL\'s table and covering index for the same rows. Prints markdown tables.',
  options: OPTIONS
}, parent, {
  build: childKind({ summary: 'Builds a store of N prices in 1M staged commits over 366 days, then compact(); leaves it there.', options: BUILD_OPTIONS, run: childBuild }),
  read: childKind({ summary: 'Opens the stores and times the same queries on all of them in alternating blocks (month cache off).', options: READ_OPTIONS, run: childRead }),
  'pg-load': childKind({ summary: 'Loads N prices into PostgreSQL (one COPY per 1M slice), VACUUM ANALYZE, and reads the table and index sizes.', options: PG_LOAD_OPTIONS, run: childPgLoad })
});
