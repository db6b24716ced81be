/**
 * `npm run bench:core`: in-process benchmarks of @ratestore/core on classic-level, in temporary
 * directories that are removed afterwards. Every scenario runs in a fresh child process (so that each
 * one's peak RSS is its own); the parent prints medians over the runs.
 *
 *   node benchmarks/dist/core.js [--runs 3] [--only commit|query] [--commit-sizes 50000,1000000]
 *     [--query-sizes 53000,10000000] [--queries 2000] [--warmup 300] [--chunk 50000]
 *     [--batch 1000000] [--dir /tmp] [--json results.json]
 *
 * A child alone (e.g. to profile it): node --cpu-prof benchmarks/dist/core.js --child commit --prices 1000000
 */
import { execFileSync, fork } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Ratestore, sampleCatalog, samplePrices, sampleRoutes, type PriceItem, type RatesQuery, type SampleOptions, type StagedBatch
} from '@ratestore/core';
import { addDays, fmtInt, intArg, median, mulberry32, parseArgs, quantile, regionChains, table } from './util.js';

const SELF = fileURLToPath(import.meta.url);
const args = parseArgs(process.argv.slice(2));
const baseDir = args.get('dir') ?? tmpdir();
const FIRST_DAY = '2016-01-01';
/** The catalog of every scenario: 200 ports in a region tree 4 levels deep. */
const CATALOG: SampleOptions = { seed: 1, ports: 200, depth: 4 };

// ---------------------------------------------------------------------------------------------
// Children

interface CommitFigures {
  kind: 'commit';
  prices: number;
  chunk: number;
  /** Sum of the `add()` calls (the chunks were generated before each call, outside the timing). */
  stageMs: number;
  commitMs: number;
  /** Generating the items, not part of stage or commit. */
  generateMs: number;
  baseRssMb: number;
  maxRssMb: number;
  /** process.hrtime of the commit in microseconds (the clock of --cpu-prof profiles). */
  commitStartUs: number;
  commitEndUs: number;
}

interface Latencies {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  /** Share of the answers with at least one price. */
  nonEmpty: number;
}

interface QueryFigures {
  kind: 'query';
  prices: number;
  days: number;
  buildMs: number;
  batches: Array<{ prices: number; stageMs: number; commitMs: number }>;
  /** `byLevel[k - 1]`: the region queries whose deeper side is at level k (level 1 both: area to area). */
  runs: Array<{ port: Latencies; region: Latencies; byLevel: Latencies[] }>;
  /** The same queries after `compactRange` over every key. */
  compacted?: { compactMs: number; runs: Array<{ port: Latencies; region: Latencies; byLevel: Latencies[] }> };
  maxRssMb: number;
}

type Figures = CommitFigures | QueryFigures;

const hrtimeUs = (): number => Number(process.hrtime.bigint() / 1000n);
const rssMb = (): number => process.memoryUsage().rss / 2 ** 20;
const maxRssMb = (): number => process.resourceUsage().maxRSS / 1024;

/** Stages `options`' prices in chunks of `chunk` items; times only the `add()` calls. */
async function stagePrices(staged: StagedBatch, options: SampleOptions, chunk: number): Promise<{ stageMs: number; generateMs: number; count: number }> {
  const prices = samplePrices(options);
  let stageMs = 0;
  let generateMs = 0;
  let count = 0;
  for (;;) {
    const started = performance.now();
    const items: PriceItem[] = [];
    while (items.length < chunk) {
      const next = prices.next();
      if (next.done === true) break;
      items.push(next.value);
    }
    generateMs += performance.now() - started;
    if (items.length === 0) break;
    count += items.length;
    const adding = performance.now();
    await staged.add(items);
    stageMs += performance.now() - adding;
    if (items.length < chunk) break;
  }
  return { stageMs, generateMs, count };
}

async function withStore<T>(work: (store: Ratestore) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(baseDir, 'ratestore-bench-'));
  try {
    // The engine's month cache is off unless --read-cache: the query figures measure LevelDB reads,
    // not repeats of the same pair and month answered from memory.
    const store = new Ratestore({ location: dir, readCacheMonths: args.has('read-cache') ? 4096 : 0 });
    await store.open();
    try {
      return await work(store);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function childCommit(): Promise<CommitFigures> {
  const prices = intArg(args, 'prices', 1_000_000);
  const chunk = intArg(args, 'chunk', 50_000);
  return withStore(async (store) => {
    // The ports and regions are already there; the measured batch holds prices only.
    await store.write(sampleCatalog(CATALOG), { batchId: 'catalog' });
    (globalThis as { gc?: () => void }).gc?.();
    const baseRssMb = rssMb();
    const staged = await store.begin('bench');
    const { stageMs, generateMs, count } = await stagePrices(staged, { ...CATALOG, prices, dateFrom: FIRST_DAY, days: 31 }, chunk);
    const commitStartUs = hrtimeUs();
    const started = performance.now();
    const result = await staged.commit();
    const commitMs = performance.now() - started;
    const commitEndUs = hrtimeUs();
    if (result.counts.prices !== prices || count !== prices) throw new Error(`committed ${result.counts.prices} prices, expected ${prices}`);
    return { kind: 'commit', prices, chunk, stageMs, commitMs, generateMs, baseRssMb, maxRssMb: maxRssMb(), commitStartUs, commitEndUs };
  });
}

async function childQuery(): Promise<QueryFigures> {
  const total = intArg(args, 'prices', 53_000);
  const days = intArg(args, 'days', 92);
  const batchSize = intArg(args, 'batch', 1_000_000);
  const chunk = intArg(args, 'chunk', 50_000);
  const runs = intArg(args, 'runs', 3);
  const queries = intArg(args, 'queries', 2_000);
  const warmup = intArg(args, 'warmup', 300);
  const label = `[${fmtInt(total)} store]`;
  return withStore(async (store) => {
    // Build: the catalog, then staged commits of `batchSize` prices, each over the next slice of days.
    const buildStarted = performance.now();
    await store.write(sampleCatalog(CATALOG), { batchId: 'catalog' });
    const batchCount = Math.max(1, Math.ceil(total / batchSize));
    const batches: QueryFigures['batches'] = [];
    for (let b = 0; b < batchCount; b++) {
      const fromDay = Math.floor((b * days) / batchCount);
      const toDay = Math.floor(((b + 1) * days) / batchCount);
      const prices = Math.floor((total * (b + 1)) / batchCount) - Math.floor((total * b) / batchCount);
      const staged = await store.begin(`build-${b}`);
      const { stageMs } = await stagePrices(staged, { ...CATALOG, prices, dateFrom: addDays(FIRST_DAY, fromDay), days: toDay - fromDay }, chunk);
      const started = performance.now();
      await staged.commit();
      const commitMs = performance.now() - started;
      batches.push({ prices, stageMs, commitMs });
      if (batchCount > 1) {
        console.error(`${label} batch ${b + 1}/${batchCount}: ${fmtInt(prices)} prices, ${addDays(FIRST_DAY, fromDay)}..${addDays(FIRST_DAY, toDay - 1)}, ` +
          `stage ${(stageMs / 1000).toFixed(2)} s + commit ${(commitMs / 1000).toFixed(2)} s; ${((performance.now() - buildStarted) / 1000).toFixed(0)} s so far, rss ${rssMb().toFixed(0)} MB`);
      }
    }
    const buildMs = performance.now() - buildStarted;
    console.error(`${label} built in ${(buildMs / 1000).toFixed(1)} s; querying`);

    // Query material: popular routes, and each port's chain of regions from the top level down.
    const catalog = sampleCatalog(CATALOG);
    const chains = regionChains(catalog);
    const depth = Math.max(...[...chains.values()].map((chain) => chain.length));
    const routes = sampleRoutes(CATALOG).slice(0, 100);

    const measure = async (phase: string): Promise<QueryFigures['runs']> => {
    const figures: QueryFigures['runs'] = [];
    for (let run = 0; run < runs; run++) {
      const random = mulberry32(1_000 + run);
      const window = (): { dateFrom: string; dateTo: string } => {
        const dateFrom = addDays(FIRST_DAY, Math.floor(random() * (days - 30)));
        return { dateFrom, dateTo: addDays(dateFrom, 30) };
      };
      const portQuery = (): RatesQuery => {
        const route = routes[Math.floor(random() * routes.length)]!;
        return { ...window(), origin: route.origin, destination: route.destination };
      };
      const regionQuery = (): { query: RatesQuery; level: number } => {
        const route = routes[Math.floor(random() * routes.length)]!;
        const from = chains.get(route.origin)!;
        const to = chains.get(route.destination)!;
        const fromLevel = Math.min(from.length, 1 + Math.floor(random() * depth));
        const toLevel = Math.min(to.length, 1 + Math.floor(random() * depth));
        return { query: { ...window(), origin: from[fromLevel - 1]!, destination: to[toLevel - 1]! }, level: Math.max(fromLevel, toLevel) };
      };
      for (let i = 0; i < warmup; i++) {
        await store.rates(portQuery());
        await store.rates(regionQuery().query);
      }
      const port: number[] = [];
      const region: number[] = [];
      const byLevel = Array.from({ length: depth }, () => ({ latencies: [] as number[], hits: 0 }));
      let portHits = 0;
      let regionHits = 0;
      // Interleaved, one query at a time, so both kinds see the same machine.
      for (let i = 0; i < queries; i++) {
        const p = portQuery();
        let started = performance.now();
        const portRows = await store.rates(p);
        port.push(performance.now() - started);
        const r = regionQuery();
        started = performance.now();
        const regionRows = await store.rates(r.query);
        const elapsed = performance.now() - started;
        region.push(elapsed);
        const regionHit = regionRows.rows.some((row) => row.count > 0);
        if (portRows.rows.some((row) => row.count > 0)) portHits++;
        if (regionHit) regionHits++;
        const bucket = byLevel[r.level - 1]!;
        bucket.latencies.push(elapsed);
        if (regionHit) bucket.hits++;
      }
      figures.push({ port: summarize(port, portHits), region: summarize(region, regionHits), byLevel: byLevel.map((bucket) => summarize(bucket.latencies, bucket.hits)) });
      console.error(`${label} ${phase} run ${run + 1}/${runs}: port p50 ${figures[run]!.port.p50.toFixed(3)} ms, region p50 ${figures[run]!.region.p50.toFixed(3)} ms`);
    }
    return figures;
    };

    // First right after the build (LevelDB may still be compacting), then, unless --no-compact, after a
    // full compactRange, the state of a store that has had time to settle.
    const figures = await measure('as built');
    let compacted: QueryFigures['compacted'];
    if (!args.has('no-compact')) {
      const started = performance.now();
      await (store.db as unknown as { compactRange(start: string, end: string): Promise<void> }).compactRange('\x00', '\xff');
      const compactMs = performance.now() - started;
      console.error(`${label} compactRange over all keys took ${(compactMs / 1000).toFixed(1)} s`);
      compacted = { compactMs, runs: await measure('compacted') };
    }
    return { kind: 'query', prices: total, days, buildMs, batches, runs: figures, ...(compacted === undefined ? {} : { compacted }), maxRssMb: maxRssMb() };
  });
}

function summarize(latencies: number[], hits: number): Latencies {
  const sorted = Float64Array.from(latencies).sort();
  const mean = latencies.reduce((sum, value) => sum + value, 0) / Math.max(1, latencies.length);
  return { n: latencies.length, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), mean, nonEmpty: hits / Math.max(1, latencies.length) };
}

// ---------------------------------------------------------------------------------------------
// Parent

function runChild(childArgs: string[]): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const child = fork(SELF, ['--child', ...childArgs, '--dir', baseDir], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let figures: Figures | undefined;
    child.on('message', (message) => (figures = message as Figures));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (figures !== undefined) resolve(figures);
      else reject(new Error(`benchmark child ${childArgs.join(' ')} exited with ${signal ?? code} and no result`));
    });
  });
}

const s = (ms: number): string => (ms / 1000).toFixed(2);
const perSecond = (count: number, ms: number): string => fmtInt((count * 1000) / ms);
const range = (values: number[], format: (value: number) => string): string =>
  values.length < 2 ? '' : ` (${format(Math.min(...values))}–${format(Math.max(...values))})`;
const verdict = (ok: boolean): string => (ok ? '**pass**' : '**miss**');

/** The commit the engine was built from, and whether packages/core differs from it. */
function gitState(): string {
  try {
    const git = (...gitArgs: string[]): string => execFileSync('git', gitArgs, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const changed = git('status', '--porcelain', '--', 'packages/core/src').split('\n').filter(Boolean).map((line) => line.slice(3).replace('packages/core/src/', ''));
    return `git ${git('rev-parse', '--short', 'HEAD').trim()}${changed.length > 0 ? ` + uncommitted changes in packages/core/src (${changed.join(', ')})` : ''}`;
  } catch {
    return 'git state unknown';
  }
}

async function parent(): Promise<void> {
  const runs = intArg(args, 'runs', 3);
  const only = args.get('only');
  const chunk = intArg(args, 'chunk', 50_000);
  const commitSizes = (args.get('commit-sizes') ?? '50000,1000000').split(',').map(Number);
  const querySizes = (args.get('query-sizes') ?? '53000,10000000').split(',').map(Number);
  const started = new Date();
  console.log(`# @ratestore/core benchmark, ${started.toISOString()}`);
  console.log(`engine: ${gitState()}`);
  console.log(`node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ${runs} runs, data in ${baseDir}\n`);

  const commits = new Map<number, CommitFigures[]>();
  if (only === undefined || only === 'commit') {
    // The sizes alternate within each run, so noise from other work on the machine hits them alike.
    for (let run = 0; run < runs; run++) {
      for (const prices of commitSizes) {
        const figures = (await runChild(['commit', '--prices', String(prices), '--chunk', String(chunk)])) as CommitFigures;
        commits.set(prices, [...(commits.get(prices) ?? []), figures]);
        console.error(`commit ${fmtInt(prices)} run ${run + 1}/${runs}: stage ${s(figures.stageMs)} s, commit ${s(figures.commitMs)} s, peak RSS ${figures.maxRssMb.toFixed(0)} MB`);
      }
    }
  }
  const queries = new Map<number, QueryFigures>();
  if (only === undefined || only === 'query') {
    for (const prices of querySizes) {
      const days = prices >= 1_000_000 ? 366 : 92;
      const figures = (await runChild(['query', '--prices', String(prices), '--days', String(days), '--runs', String(runs),
        '--queries', String(intArg(args, 'queries', 2_000)), '--warmup', String(intArg(args, 'warmup', 300)),
        '--batch', String(intArg(args, 'batch', 1_000_000)), '--chunk', String(chunk), ...(args.has('no-compact') ? ['--no-compact'] : []),
        ...(args.has('read-cache') ? ['--read-cache'] : [])])) as QueryFigures;
      queries.set(prices, figures);
    }
  }

  const out: string[] = [];
  if (commits.size > 0) {
    out.push(`## Staged commit (chunks of ${fmtInt(chunk)} prices; medians of ${runs} runs, each in a fresh process; min–max in brackets)\n`);
    out.push(table(
      ['prices', 'stage s', 'commit s', 'whole write s', 'whole write items/s', 'commit items/s', 'peak RSS MB', 'RSS before batch MB'],
      [...commits].map(([prices, list]) => {
        const stage = median(list.map((f) => f.stageMs));
        const commit = median(list.map((f) => f.commitMs));
        const totals = list.map((f) => f.stageMs + f.commitMs);
        const total = median(totals);
        return [fmtInt(prices), s(stage), s(commit) + range(list.map((f) => f.commitMs), s), s(total) + range(totals, s),
          perSecond(prices, total), perSecond(prices, commit), median(list.map((f) => f.maxRssMb)).toFixed(0) + range(list.map((f) => f.maxRssMb), (v) => v.toFixed(0)),
          median(list.map((f) => f.baseRssMb)).toFixed(0)];
      })));
    out.push('');
  }
  if (queries.size > 0) {
    out.push(`## Query latency, 31-day windows (${fmtInt(intArg(args, 'queries', 2_000))} queries per kind per run, interleaved, one at a time; median over ${runs} runs of each run's percentile)\n`);
    const rows: string[][] = [];
    for (const [prices, figures] of queries) {
      const kinds: Array<[string, (run: QueryFigures['runs'][number]) => Latencies]> = [
        ['port-to-port (top-100 routes)', (run) => run.port],
        ['region-to-region (levels 1-4 each side)', (run) => run.region],
        ...(figures.runs[0]?.byLevel ?? []).map((_, k): [string, (run: QueryFigures['runs'][number]) => Latencies] =>
          [k === 0 ? '… of which area to area (level 1 both sides)' : `… of which the deeper side at level ${k + 1}`, (run) => run.byLevel[k]!])
      ];
      const phases: Array<[string, QueryFigures['runs']]> = [['as built', figures.runs]];
      if (figures.compacted !== undefined) phases.push(['compacted', figures.compacted.runs]);
      for (const [phase, phaseRuns] of phases) for (const [kind, get] of kinds) {
        const list = phaseRuns.map(get);
        rows.push([fmtInt(prices), `${figures.days}`, phase, kind, String(median(list.map((l) => l.n))),
          median(list.map((l) => l.p50)).toFixed(3) + range(list.map((l) => l.p50), (v) => v.toFixed(3)),
          median(list.map((l) => l.p99)).toFixed(3) + range(list.map((l) => l.p99), (v) => v.toFixed(3)),
          median(list.map((l) => l.mean)).toFixed(3), `${(median(list.map((l) => l.nonEmpty)) * 100).toFixed(0)}%`]);
      }
    }
    out.push(table(['stored prices', 'days of data', 'store state', 'kind', 'queries/run', 'p50 ms', 'p99 ms', 'mean ms', 'non-empty answers'], rows));
    out.push('');
    const builds = [...queries.values()].filter((figures) => figures.batches.length > 1);
    for (const figures of builds) {
      const commitsMs = figures.batches.map((b) => b.commitMs);
      out.push(`Build of the ${fmtInt(figures.prices)} store: ${figures.batches.length} staged batches in ${s(figures.buildMs)} s; ` +
        `per batch stage ${s(median(figures.batches.map((b) => b.stageMs)))} s + commit ${s(median(commitsMs))} s (medians), ` +
        `commit of the first batch ${s(commitsMs[0]!)} s, of the last ${s(commitsMs[commitsMs.length - 1]!)} s; peak RSS ${figures.maxRssMb.toFixed(0)} MB` +
        `${figures.compacted === undefined ? '' : `; compactRange over all keys afterwards ${s(figures.compacted.compactMs)} s`}.\n`);
    }
  }

  // Targets of the engine spec (issue 2, Performance).
  const targets: string[][] = [];
  const million = commits.get(1_000_000);
  if (million !== undefined) {
    const total = median(million.map((f) => f.stageMs + f.commitMs));
    const commit = median(million.map((f) => f.commitMs));
    const rss = median(million.map((f) => f.maxRssMb));
    targets.push(['1M prices committed in ≤ 3 s (whole write: staging + commit)', `${s(total)} s`, verdict(total <= 3000)]);
    targets.push(['1M prices committed in ≤ 3 s (commit call alone)', `${s(commit)} s`, verdict(commit <= 3000)]);
    targets.push(['1M staged commit peak RSS < 300 MB', `${rss.toFixed(0)} MB`, verdict(rss < 300)]);
  }
  for (const [prices, figures] of queries) {
    const p50 = median(figures.runs.map((run) => run.region.p50));
    targets.push([`region-to-region 31-day p50 ≤ 0.5 ms at ${fmtInt(prices)} prices (as built)`, `${p50.toFixed(3)} ms`, verdict(p50 <= 0.5)]);
    if (figures.compacted !== undefined) {
      const settled = median(figures.compacted.runs.map((run) => run.region.p50));
      targets.push([`region-to-region 31-day p50 ≤ 0.5 ms at ${fmtInt(prices)} prices (compacted)`, `${settled.toFixed(3)} ms`, verdict(settled <= 0.5)]);
    }
  }
  if (targets.length > 0) {
    out.push('## Targets\n');
    out.push(table(['target', 'measured (median)', 'verdict'], targets));
    out.push('');
  }
  console.log(out.join('\n'));
  const json = args.get('json');
  if (json !== undefined) {
    writeFileSync(json, JSON.stringify({ started: started.toISOString(), node: process.version, cpus: cpus().length, runs, commits: Object.fromEntries(commits), queries: Object.fromEntries(queries) }, null, 2));
  }
}

// ---------------------------------------------------------------------------------------------

const childKind = args.get('child');
if (childKind === undefined) {
  await parent();
} else {
  const figures = childKind === 'commit' ? await childCommit() : childKind === 'query' ? await childQuery() : undefined;
  if (figures === undefined) throw new Error(`unknown --child ${childKind}`);
  if (process.send !== undefined) {
    process.send(figures, undefined, undefined, () => process.disconnect());
  } else {
    console.log(JSON.stringify(figures));
  }
}
