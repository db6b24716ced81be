/**
 * `npm run bench:core`: in-process benchmarks of @ratestore/core on classic-level, in temporary
 * directories that are removed afterwards. Every scenario runs in a fresh child process (so that each
 * one's peak RSS is its own); the parent prints medians over the runs.
 *
 *   node benchmarks/dist/core.js [--runs 3] [--only commit|query|history|percentiles|workers] [--commit-sizes 50000,1000000]
 *     [--query-sizes 53000,10000000] [--queries 2000] [--warmup 300] [--chunk 50000]
 *     [--batch 1000000] [--no-compact] [--read-cache] [--dir /tmp] [--json results.json]
 *     [--history-batches 1,100,1000] [--history-prices 1000000] [--history-days 731] [--history-big]
 *     [--pct-prices 1000000] [--pct-queries 2000] [--baseline-core DIR]
 *     [--workers-counts 0,1,2] [--workers-prices 1000000] [--workers-days 366]
 *
 * The history section (history.ts) runs only with `--only history`: it builds stores from
 * overlapping batches, which takes minutes. The percentiles section (percentiles.ts) runs only with
 * `--only percentiles`: what the percentile sketches cost, against `--baseline-core DIR` (an
 * engine without them). The workers section (commit.ts) runs only with `--only workers`: one staged
 * commit over a year with `commitWorkers` 0, 1 and 2.
 *
 * `--help` lists the options with their defaults.
 *
 * A child alone (e.g. to profile it): node --cpu-prof benchmarks/dist/core.js --child commit --prices 1000000
 * (`--child commit --help` and `--child query --help` list each kind's options).
 */
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { type Ratestore } from '@ratestore/core';
import { childKind, runChild, runScript } from './child.js';
import { BUILD_BATCH, QueryMix } from './sample.js';
import { buildQueryStore, withTempStore, type BuiltBatch } from './store.js';
import { BUILD_OPTIONS, HISTORY_OPTIONS, READ_OPTIONS, childBuild, childRead, historySection } from './history.js';
import { COMMIT_OPTIONS, WORKERS_OPTIONS, childCommit, workersSection, type CommitFigures } from './commit.js';
import { PCT_BUILD_OPTIONS, PCT_READ_OPTIONS, PERCENTILE_OPTIONS, childPctBuild, childPctRead, percentilesSection } from './percentiles.js';
import {
  addDays, fmtInt, gitState, machine, maxRssMb, rssMb, median, minMax, percent, perSecond, seconds, summarizeLatencies, table, verdict,
  type LatencySummary, type OptionSpecs, type Values
} from './util.js';

const SELF = fileURLToPath(import.meta.url);

const OPTIONS = {
  runs: { type: 'int', default: 3, description: 'runs of each scenario, each in a fresh process' },
  only: { type: 'string', choices: ['commit', 'query', 'history', 'percentiles', 'workers'], description: 'run only the staged commits, the query stores, the history section, the percentiles section or the commits on worker threads (default: commits and query stores)' },
  'commit-sizes': { type: 'ints', default: [50_000, 1_000_000], description: 'prices of each staged commit scenario' },
  'query-sizes': { type: 'ints', default: [53_000, 10_000_000], description: 'stored prices of each query scenario' },
  queries: { type: 'int', default: 2_000, description: 'timed queries per kind and run' },
  warmup: { type: 'int', default: 300, description: 'untimed queries per kind before each run' },
  chunk: COMMIT_OPTIONS.chunk,
  batch: { type: 'int', default: BUILD_BATCH, description: 'prices per staged commit when building a query store' },
  'no-compact': { type: 'boolean', description: 'skip the second round of queries, after compactRange over every key' },
  'read-cache': { type: 'boolean', description: "query with the engine's month cache on (readCacheMonths 4096; off by default)" },
  dir: { ...COMMIT_OPTIONS.dir, description: 'where the temporary databases go' },
  json: { type: 'string', arg: 'FILE', description: "also write every run's raw figures to FILE" },
  ...HISTORY_OPTIONS,
  ...PERCENTILE_OPTIONS,
  ...WORKERS_OPTIONS
} as const satisfies OptionSpecs;

const QUERY_OPTIONS = {
  prices: { type: 'int', default: 53_000, description: 'stored prices' },
  days: { type: 'int', default: 92, description: 'days the prices are spread over' },
  runs: { ...OPTIONS.runs, description: 'runs of the timed queries, one after the other in this process' },
  queries: OPTIONS.queries,
  warmup: OPTIONS.warmup,
  chunk: OPTIONS.chunk,
  batch: OPTIONS.batch,
  'no-compact': OPTIONS['no-compact'],
  'read-cache': OPTIONS['read-cache'],
  dir: OPTIONS.dir
} as const satisfies OptionSpecs;

// ---------------------------------------------------------------------------------------------
// Children

interface Latencies extends LatencySummary {
  n: number;
  /** Share of the answers with at least one price. */
  nonEmpty: number;
}

interface QueryFigures {
  kind: 'query';
  prices: number;
  days: number;
  buildMs: number;
  batches: BuiltBatch[];
  /** `byLevel[k - 1]`: the region queries whose deeper side is at level k (level 1 both: area to area). */
  runs: Array<{ port: Latencies; region: Latencies; byLevel: Latencies[] }>;
  /** The same queries after `compactRange` over every key. */
  compacted?: { compactMs: number; runs: Array<{ port: Latencies; region: Latencies; byLevel: Latencies[] }> };
  maxRssMb: number;
}

async function withStore<T>(dir: string, readCache: boolean, work: (store: Ratestore) => Promise<T>): Promise<T> {
  // The engine's month cache is off unless --read-cache: the query figures measure LevelDB reads,
  // not repeats of the same pair and month answered from memory.
  return withTempStore(dir, 'ratestore-bench-', { readCacheMonths: readCache ? 4096 : 0 }, work);
}

async function childQuery(args: Values<typeof QUERY_OPTIONS>): Promise<QueryFigures> {
  const { prices: total, days, batch: batchSize, chunk, runs, queries, warmup } = args;
  const label = `[${fmtInt(total)} store]`;
  return withStore(args.dir, args['read-cache'], async (store) => {
    // Build: the catalog, then staged commits of `batchSize` prices, each over the next slice of days.
    const buildStarted = performance.now();
    const batches = await buildQueryStore(store, total, days, batchSize, chunk, (b, batchCount, slice, { prices, stageMs, commitMs }) => {
      if (batchCount > 1) {
        const { dateFrom, days: sliceDays } = slice.options;
        console.error(`${label} batch ${b + 1}/${batchCount}: ${fmtInt(prices)} prices, ${dateFrom}..${addDays(dateFrom!, sliceDays! - 1)}, ` +
          `stage ${seconds(stageMs)} s + commit ${seconds(commitMs)} s; ${((performance.now() - buildStarted) / 1000).toFixed(0)} s so far, rss ${rssMb().toFixed(0)} MB`);
      }
    });
    const buildMs = performance.now() - buildStarted;
    console.error(`${label} built in ${(buildMs / 1000).toFixed(1)} s; querying`);

    const measure = async (phase: string): Promise<QueryFigures['runs']> => {
    const figures: QueryFigures['runs'] = [];
    for (let run = 0; run < runs; run++) {
      const mix = new QueryMix(1_000 + run, days);
      for (let i = 0; i < warmup; i++) {
        await store.rates(mix.port());
        await store.rates(mix.region());
      }
      const port: number[] = [];
      const region: number[] = [];
      const byLevel = Array.from({ length: mix.depth }, () => ({ latencies: [] as number[], hits: 0 }));
      let portHits = 0;
      let regionHits = 0;
      // Interleaved, one query at a time, so both kinds see the same machine.
      for (let i = 0; i < queries; i++) {
        const p = mix.port();
        let started = performance.now();
        const portRows = await store.rates(p);
        port.push(performance.now() - started);
        const r = mix.regionWithLevel();
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
    if (!args['no-compact']) {
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
  return { n: latencies.length, ...summarizeLatencies(latencies), nonEmpty: hits / Math.max(1, latencies.length) };
}

// ---------------------------------------------------------------------------------------------
// Parent

async function parent(args: Values<typeof OPTIONS>): Promise<void> {
  const { runs, only, chunk, dir: baseDir } = args;
  /** One scenario in a fresh process (see child.ts), its data under --dir. */
  const runScenario = <T extends CommitFigures | QueryFigures>(kind: T['kind'], childArgs: string[]): Promise<T> =>
    runChild<T>(SELF, kind, [...childArgs, '--dir', baseDir]);
  const started = new Date();
  console.log(`# @ratestore/core benchmark, ${started.toISOString()}`);
  console.log(`engine: ${gitState(process.cwd(), ['packages/core/src'],
    (changed) => `packages/core/src (${changed.map((file) => file.replace('packages/core/src/', '')).join(', ')})`)}`);
  console.log(`${machine()}, ${runs} runs, data in ${baseDir}\n`);

  const commits = new Map<number, CommitFigures[]>();
  if (only === undefined || only === 'commit') {
    // The sizes alternate within each run, so noise from other work on the machine hits them alike.
    for (let run = 0; run < runs; run++) {
      for (const prices of args['commit-sizes']) {
        const figures = await runScenario<CommitFigures>('commit', ['--prices', String(prices), '--chunk', String(chunk)]);
        commits.set(prices, [...(commits.get(prices) ?? []), figures]);
        console.error(`commit ${fmtInt(prices)} run ${run + 1}/${runs}: stage ${seconds(figures.stageMs)} s, commit ${seconds(figures.commitMs)} s, peak RSS ${figures.maxRssMb.toFixed(0)} MB`);
      }
    }
  }
  const history = only === 'history'
    ? await historySection(args, (kind, childArgs) => runChild(SELF, kind, childArgs), 'current')
    : undefined;
  const percentiles = only === 'percentiles'
    ? await percentilesSection(args, (kind, childArgs) => runChild(SELF, kind, childArgs))
    : undefined;
  const workers = only === 'workers' ? await workersSection(args, (childArgs) => runScenario<CommitFigures>('commit', childArgs)) : undefined;
  const queries = new Map<number, QueryFigures>();
  if (only === undefined || only === 'query') {
    for (const prices of args['query-sizes']) {
      const days = prices >= 1_000_000 ? 366 : 92;
      const figures = await runScenario<QueryFigures>('query', ['--prices', String(prices), '--days', String(days), '--runs', String(runs),
        '--queries', String(args.queries), '--warmup', String(args.warmup),
        '--batch', String(args.batch), '--chunk', String(chunk), ...(args['no-compact'] ? ['--no-compact'] : []),
        ...(args['read-cache'] ? ['--read-cache'] : [])]);
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
        return [fmtInt(prices), seconds(stage), seconds(commit) + minMax(list.map((f) => f.commitMs), seconds), seconds(total) + minMax(totals, seconds),
          perSecond(prices, total), perSecond(prices, commit), median(list.map((f) => f.maxRssMb)).toFixed(0) + minMax(list.map((f) => f.maxRssMb), (v) => v.toFixed(0)),
          median(list.map((f) => f.baseRssMb)).toFixed(0)];
      })));
    out.push('');
  }
  if (queries.size > 0) {
    out.push(`## Query latency, 31-day windows (${fmtInt(args.queries)} queries per kind per run, interleaved, one at a time; median over ${runs} runs of each run's percentile)\n`);
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
          median(list.map((l) => l.p50)).toFixed(3) + minMax(list.map((l) => l.p50), (v) => v.toFixed(3)),
          median(list.map((l) => l.p99)).toFixed(3) + minMax(list.map((l) => l.p99), (v) => v.toFixed(3)),
          median(list.map((l) => l.mean)).toFixed(3), percent(median(list.map((l) => l.nonEmpty)))]);
      }
    }
    out.push(table(['stored prices', 'days of data', 'store state', 'kind', 'queries/run', 'p50 ms', 'p99 ms', 'mean ms', 'non-empty answers'], rows));
    out.push('');
    const builds = [...queries.values()].filter((figures) => figures.batches.length > 1);
    for (const figures of builds) {
      const commitsMs = figures.batches.map((b) => b.commitMs);
      out.push(`Build of the ${fmtInt(figures.prices)} store: ${figures.batches.length} staged batches in ${seconds(figures.buildMs)} s; ` +
        `per batch stage ${seconds(median(figures.batches.map((b) => b.stageMs)))} s + commit ${seconds(median(commitsMs))} s (medians), ` +
        `commit of the first batch ${seconds(commitsMs[0]!)} s, of the last ${seconds(commitsMs[commitsMs.length - 1]!)} s; peak RSS ${figures.maxRssMb.toFixed(0)} MB` +
        `${figures.compacted === undefined ? '' : `; compactRange over all keys afterwards ${seconds(figures.compacted.compactMs)} s`}.\n`);
    }
  }

  // Targets of the engine spec (issue 2, Performance).
  const targets: string[][] = [];
  const million = commits.get(1_000_000);
  if (million !== undefined) {
    const total = median(million.map((f) => f.stageMs + f.commitMs));
    const commit = median(million.map((f) => f.commitMs));
    const rss = median(million.map((f) => f.maxRssMb));
    targets.push(['1M prices committed in ≤ 3 s (whole write: staging + commit)', `${seconds(total)} s`, verdict(total <= 3000)]);
    targets.push(['1M prices committed in ≤ 3 s (commit call alone)', `${seconds(commit)} s`, verdict(commit <= 3000)]);
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
  if (history !== undefined) {
    out.push(...history.report);
    targets.push(...history.targets);
  }
  for (const section of [percentiles, workers]) {
    if (section === undefined) continue;
    out.push(...section.report);
    targets.push(...section.targets);
  }
  if (targets.length > 0) {
    out.push('## Targets\n');
    out.push(table(['target', 'measured (median)', 'verdict'], targets));
    out.push('');
  }
  console.log(out.join('\n'));
  const json = args.json;
  if (json !== undefined) {
    writeFileSync(json, JSON.stringify({ started: started.toISOString(), node: process.version, cpus: cpus().length, runs, commits: Object.fromEntries(commits), queries: Object.fromEntries(queries), history: history?.figures, percentiles: percentiles?.figures, workers: workers?.figures }, null, 2));
  }
}

// ---------------------------------------------------------------------------------------------

await runScript({
  script: import.meta.url,
  summary: 'In-process benchmarks of @ratestore/core: staged commits and query latency, each scenario in a fresh child process; prints markdown tables of medians.',
  options: OPTIONS
}, parent, {
  commit: childKind({ summary: 'One staged commit of sample prices into a temporary store.', options: COMMIT_OPTIONS, run: childCommit }),
  query: childKind({ summary: 'Builds a temporary query store, then times port-to-port and region-to-region queries.', options: QUERY_OPTIONS, run: childQuery }),
  'history-build': childKind({ summary: 'Builds a store from overlapping batches of the same prices, then compact(); leaves it for history-read.', options: BUILD_OPTIONS, run: childBuild }),
  'pct-build': childKind({ summary: 'One staged commit of sample prices into a store, timed, then compactRange and its bytes; leaves it for pct-read.', options: PCT_BUILD_OPTIONS, run: childPctBuild }),
  'pct-read': childKind({ summary: 'Opens stores built by pct-build and times region queries on them, with and without percentiles, in alternating blocks.', options: PCT_READ_OPTIONS, run: childPctRead }),
  'history-read': childKind({ summary: 'Opens stores built by history-build and times the same queries on all of them, at the latest and the middle version, in alternating blocks.', options: READ_OPTIONS, run: childRead })
});
