/**
 * bench:core's staged commit: the child that stages and commits one batch of sample prices into a
 * temporary store (`--child commit`), and the section on commits on worker threads
 * (`--only workers`, issue 15's target 3): the same batch committed with `commitWorkers` 0, 1 and
 * 2, in fresh children, the counts taking turns from run to run.
 */
import { tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { BATCH_DAYS, STAGE_CHUNK, batchOptions } from './sample.js';
import { stagePrices, withTempStore, writeCatalog } from './store.js';
import { fmtInt, hrtimeUs, maxRssMb, median, rssMb, minMax, ratio, seconds, table, verdict, type OptionSpecs, type Values } from './util.js';

export const COMMIT_OPTIONS = {
  prices: { type: 'int', default: 1_000_000, description: 'prices in the staged commit' },
  days: { type: 'int', default: BATCH_DAYS, description: 'days the prices are spread over' },
  workers: { type: 'int', default: 0, description: "the store's commitWorkers" },
  chunk: { type: 'int', default: STAGE_CHUNK, description: 'prices per add() call' },
  dir: { type: 'string', default: tmpdir(), arg: 'DIR', description: 'where the temporary database goes' }
} as const satisfies OptionSpecs;

export const WORKERS_OPTIONS = {
  'workers-counts': { type: 'ints', default: [0, 1, 2], description: 'workers: the commitWorkers of each store (the first 1 and 2 give the target ratio)' },
  'workers-prices': { type: 'int', default: 1_000_000, description: 'workers: prices of the staged commit' },
  'workers-days': { type: 'int', default: 366, description: 'workers: days the prices are spread over (months are what the workers share)' }
} as const satisfies OptionSpecs;

export interface CommitFigures {
  kind: 'commit';
  prices: number;
  workers: number;
  chunk: number;
  /** Sum of the `add()` calls (the chunks were generated before each call, outside the timing). */
  stageMs: number;
  commitMs: number;
  /** Generating the items, not part of stage or commit. */
  generateMs: number;
  baseRssMb: number;
  maxRssMb: number;
  /** The longest the event loop was held up during the commit: how long a query arriving then could wait. */
  loopDelayMaxMs: number;
  /** process.hrtime of the commit in microseconds (the clock of --cpu-prof profiles). */
  commitStartUs: number;
  commitEndUs: number;
}

export async function childCommit({ prices, days, workers, chunk, dir }: Values<typeof COMMIT_OPTIONS>): Promise<CommitFigures> {
  return withTempStore(dir, 'ratestore-bench-', { readCacheMonths: 0, commitWorkers: workers }, async (store) => {
    // The ports and regions are already there; the measured batch holds prices only.
    await writeCatalog(store);
    (globalThis as { gc?: () => void }).gc?.();
    const baseRssMb = rssMb();
    const staged = await store.begin('bench');
    const { stageMs, generateMs, count } = await stagePrices(staged, { ...batchOptions(prices), days }, chunk);
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const commitStartUs = hrtimeUs();
    const started = performance.now();
    const result = await staged.commit();
    const commitMs = performance.now() - started;
    const commitEndUs = hrtimeUs();
    loop.disable();
    if (result.counts.prices !== prices || count !== prices) throw new Error(`committed ${result.counts.prices} prices, expected ${prices}`);
    return { kind: 'commit', prices, workers, chunk, stageMs, commitMs, generateMs, baseRssMb, maxRssMb: maxRssMb(), loopDelayMaxMs: loop.max / 1e6, commitStartUs, commitEndUs };
  });
}

/** Runs the workers section: `runs` rounds, each committing the batch once per count of workers. */
export async function workersSection(args: Values<typeof WORKERS_OPTIONS> & { runs: number; chunk: number },
  runScenario: (childArgs: string[]) => Promise<CommitFigures>): Promise<{ report: string[]; targets: string[][]; figures: object }> {
  const counts = args['workers-counts'];
  const figures = new Map<number, CommitFigures[]>(counts.map((count) => [count, []]));
  for (let run = 0; run < args.runs; run++) {
    // The order turns from run to run, so that a slower stretch of the machine hits every count.
    for (const count of run % 2 === 0 ? counts : [...counts].reverse()) {
      const commit = await runScenario(['--prices', String(args['workers-prices']), '--days', String(args['workers-days']), '--workers', String(count), '--chunk', String(args.chunk)]);
      figures.get(count)!.push(commit);
      console.error(`[workers] run ${run + 1}/${args.runs}, ${count} workers: commit ${seconds(commit.commitMs)} s, peak RSS ${commit.maxRssMb.toFixed(0)} MB, event loop held up to ${commit.loopDelayMaxMs.toFixed(0)} ms`);
    }
  }
  const out: string[] = [];
  out.push(`## Commits on worker threads (issue 15, target 3): one staged commit of ${fmtInt(args['workers-prices'])} prices over ${args['workers-days']} days, per \`commitWorkers\`; medians of ${args.runs} runs, each in a fresh process; min–max in brackets\n`);
  out.push(table(['commitWorkers', 'commit s', 'whole write s (add() calls + commit)', 'peak RSS MB', 'event loop held up, max ms'], counts.map((count) => {
    const list = figures.get(count)!;
    const commits = list.map((f) => f.commitMs);
    const writes = list.map((f) => f.stageMs + f.commitMs);
    const delays = list.map((f) => f.loopDelayMaxMs);
    return [String(count), seconds(median(commits)) + minMax(commits, seconds), seconds(median(writes)) + minMax(writes, seconds),
      median(list.map((f) => f.maxRssMb)).toFixed(0), median(delays).toFixed(0) + minMax(delays, (v) => v.toFixed(0))];
  })));
  out.push('');
  const targets: string[][] = [];
  // Ratios run by run (each run's commits ran one after the other), then their median.
  const speedup = (slow: number, fast: number): number => median(figures.get(slow)!.map((f, run) => f.commitMs / figures.get(fast)![run]!.commitMs));
  if (figures.has(1) && figures.has(2)) {
    const gain = speedup(1, 2);
    targets.push([`the commit's aggregation ≥ 1.6x faster on 2 workers than on 1 (15, target 3): ${fmtInt(args['workers-prices'])} prices over ${args['workers-days']} days, commit time`, ratio(gain), verdict(gain >= 1.6)]);
  }
  if (figures.has(0) && figures.has(2)) targets.push([`(15) the same commit on the calling thread against 2 workers`, ratio(speedup(0, 2)), '–']);
  return { report: out, targets, figures: Object.fromEntries(figures) };
}
