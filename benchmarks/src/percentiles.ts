/**
 * bench:core's percentiles section (`--only percentiles`, issue 16): what the percentile sketches
 * cost. Each run builds, in fresh child processes, a store of one staged commit of 1M sample prices
 * (bench:core's commit scenario: 200 ports, 31 days) with this engine and, with `--baseline-core DIR`,
 * with the engine of another checkout (DIR is its packages/core, built: the engine before sketches);
 * it times the commit (and the whole staged write: the `add()` calls, then the commit), then
 * `compactRange` over every key and the bytes of the LevelDB directory; then the same commit again
 * into a second store in the same process ("warm": V8 has compiled the write path and the process
 * has memory to reuse, as a server's next batch finds them; the first is a `ratestore import`).
 * One more child opens both stores and times the same 31-day region-to-region queries in alternating
 * blocks (month cache off): the baseline engine, this engine without `percentiles`, and this engine
 * with `percentiles: [25, 50, 75]`. A third store is built with this engine and
 * `percentileSketches: false` and read without percentiles: what a store that opts out pays. The
 * section reports medians over the runs and each measure's ratio of this engine to the baseline,
 * against the issue's goal of at most 1.5x.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type * as Core from '@ratestore/core';
import { BATCH_DAYS, CATALOG, QueryMix, batchOptions } from './sample.js';
import { stagePrices } from './store.js';
import { bytesUnder, loadCore, openStores, type RunChild } from './history.js';
import { fmtInt, gitState, maxRssMb, median, minMax, ratio, seconds, summarizeLatencies, table, verdict, type OptionSpecs, type Values } from './util.js';

/** This engine again, with percentileSketches: false (built and read beside the others, not an engine of its own). */
const OFF = 'sketches off';
/** Blocks of this many queries take turns across the variants. */
const BLOCK = 20;
/** The percentiles the "with" queries ask for: the quartiles, as a rates page would. */
const QUARTILES = [25, 50, 75];

export const PERCENTILE_OPTIONS = {
  'pct-prices': { type: 'int', default: 1_000_000, description: 'percentiles: prices of the one staged commit of each store' },
  'pct-queries': { type: 'int', default: 2_000, description: 'percentiles: timed region queries per variant and run' }
} as const satisfies OptionSpecs;

export const PCT_BUILD_OPTIONS = {
  store: { type: 'string', required: true, arg: 'DIR', description: 'where to build the store (left there)' },
  prices: { type: 'int', default: 1_000_000, description: 'prices of the staged commit' },
  chunk: { type: 'int', default: 50_000, description: 'prices per add() call' },
  core: { type: 'string', arg: 'DIR', description: "another checkout's packages/core to build with (default this one's)" },
  'no-sketches': { type: 'boolean', description: 'build with percentileSketches: false' }
} as const satisfies OptionSpecs;

export const PCT_READ_OPTIONS = {
  stores: { type: 'strings', required: true, arg: 'DIR,DIR', description: 'the stores: the baseline engine\'s (if any), then this engine\'s' },
  cores: { type: 'string', default: '', arg: 'DIR,DIR', description: 'per store, the packages/core it was built with (empty: this one)' },
  queries: { type: 'int', default: 2_000, description: 'timed queries per variant' },
  warmup: { type: 'int', default: 300, description: 'untimed queries per variant first' },
  seed: { type: 'int', default: 1, description: 'seed of the query mix' },
  'sketches-off': { type: 'string', arg: 'DIR', description: 'a store of this engine built with percentileSketches: false, read without percentiles too' }
} as const satisfies OptionSpecs;

export interface PctBuildFigures {
  kind: 'pct-build';
  /** The process's first commit: V8 compiles the write path as it runs, and its memory is fresh (a `ratestore import`). */
  commitMs: number;
  /** The same commit again, into a second store in the same process: a server's next batch. */
  warmCommitMs: number;
  /** The whole staged write as a user makes it: the `add()` calls, then `commit()`. */
  writeMs: number;
  /** The LevelDB directory of the live data, compacted (see liveBytes). */
  bytes: number;
  /** The aggregate records' keys and values, uncompressed. */
  recordBytes: number;
  maxRssMb: number;
}

/** Region p50s of one read child: per variant, in ms. */
export interface PctReadFigures {
  kind: 'pct-read';
  p50: Record<string, number>;
  p99: Record<string, number>;
}

export async function childPctBuild(args: Values<typeof PCT_BUILD_OPTIONS>): Promise<PctBuildFigures> {
  const core = await loadCore(args.core);
  const built = await buildOne(core, args, args.store);
  // The commit's peak, before the measures below read and copy the store.
  const peakRssMb = maxRssMb();
  const { store } = built;
  try {
    const recordBytes = await aggregateBytes(store);
    const bytes = await liveBytes(core, store, `${args.store}-copy`);
    await store.close();
    const warm = await buildOne(core, args, `${args.store}-warm`);
    await warm.store.close();
    rmSync(`${args.store}-warm`, { recursive: true, force: true });
    return { kind: 'pct-build', commitMs: built.commitMs, warmCommitMs: warm.commitMs, writeMs: built.stageMs + built.commitMs, bytes, recordBytes, maxRssMb: peakRssMb };
  } finally {
    if (store.status !== 'closed') await store.close();
  }
}

/** A store at `dir` with the catalog and one staged commit of `args.prices` prices; the commit's and the staging's times. */
async function buildOne(core: typeof Core, args: Values<typeof PCT_BUILD_OPTIONS>, dir: string): Promise<{ store: Core.Ratestore; commitMs: number; stageMs: number }> {
  mkdirSync(dir, { recursive: true });
  const store = new core.Ratestore({ location: dir, ...(args['no-sketches'] === true ? { percentileSketches: false } : {}) });
  await store.open();
  try {
    await store.write(core.sampleCatalog(CATALOG), { batchId: 'catalog' });
    const staged = await store.begin('bench');
    const { stageMs } = await stagePrices(staged as never, batchOptions(args.prices), args.chunk);
    const started = performance.now();
    await staged.commit();
    return { store, commitMs: performance.now() - started, stageMs };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/**
 * The bytes on disk of the store's live data: its snapshot restored into a fresh directory, then
 * `compactRange` over every key, closed. The store's own directory after `compactRange` is no
 * measure: LevelDB may move a table file down a level without rewriting it, keeping the staged
 * chunks that the commit deleted (one engine's store kept 16.7 MB in one file, the other's was
 * rewritten to 15.6 MB of live data, and the same engine measured 15.6 or 25.1 MB from run to run).
 */
export async function liveBytes(core: typeof Core, store: Core.Ratestore, dir: string): Promise<number> {
  const copy = new core.Ratestore({ location: dir });
  await copy.restore((await store.snapshot()).entries);
  await copy.open();
  await (copy.db as unknown as { compactRange(start: string, end: string): Promise<void> }).compactRange('\x00', '\xff');
  await copy.close();
  return bytesUnder(dir);
}

/**
 * Keys and values of the aggregate records (head and history), uncompressed: what the records
 * themselves take, whatever LevelDB's compression and the state of its files.
 */
async function aggregateBytes(store: Core.Ratestore): Promise<number> {
  let bytes = 0;
  for (const space of ['a', 'h']) {
    const range = { gte: `${space}\0`, lt: `${space}\x01`, keyEncoding: 'utf8', valueEncoding: 'view' };
    for await (const [key, value] of store.db.iterator(range as never) as AsyncIterable<[string, Uint8Array]>) bytes += key.length + value.byteLength;
  }
  return bytes;
}

export async function childPctRead(args: Values<typeof PCT_READ_OPTIONS>): Promise<PctReadFigures> {
  const stores: Core.Ratestore[] = [];
  try {
    await openStores(args.stores, args.cores, stores);
    const mine = stores[stores.length - 1]!;
    if (args['sketches-off'] !== undefined) await openStores([args['sketches-off']], '', stores);
    const off = args['sketches-off'] === undefined ? undefined : stores[stores.length - 1]!;
    const variants: Array<[string, Core.Ratestore, (query: Core.RatesQuery) => Core.RatesQuery]> = [
      ...(stores.length > 1 ? [['baseline', stores[0]!, (query: Core.RatesQuery) => query] as [string, Core.Ratestore, (query: Core.RatesQuery) => Core.RatesQuery]] : []),
      ['without percentiles', mine, (query) => query],
      ['with percentiles', mine, (query) => ({ ...query, percentiles: QUARTILES })],
      ...(off === undefined ? [] : [['sketches off, without percentiles', off, (query: Core.RatesQuery) => query] as [string, Core.Ratestore, (query: Core.RatesQuery) => Core.RatesQuery]])
    ];
    const warm = new QueryMix(9_000 + args.seed, BATCH_DAYS);
    for (let q = 0; q < args.warmup; q++) {
      const query = warm.region();
      for (const [, store, make] of variants) await store.rates(make(query));
    }
    const times = variants.map((): number[] => []);
    const mix = new QueryMix(3_000 + args.seed, BATCH_DAYS);
    for (let done = 0; done < args.queries; done += BLOCK) {
      const queries = Array.from({ length: BLOCK }, () => mix.region());
      // Which variant goes first rotates, so that each sees the machine as the others do.
      for (let k = 0; k < variants.length; k++) {
        const at = (k + done / BLOCK) % variants.length;
        const [, store, make] = variants[at]!;
        for (const query of queries) {
          const started = performance.now();
          await store.rates(make(query));
          times[at]!.push(performance.now() - started);
        }
      }
    }
    const p50: Record<string, number> = {};
    const p99: Record<string, number> = {};
    for (const [at, [name]] of variants.entries()) {
      const summary = summarizeLatencies(times[at]!);
      p50[name] = summary.p50;
      p99[name] = summary.p99;
    }
    return { kind: 'pct-read', p50, p99 };
  } finally {
    for (const store of stores) await store.close();
  }
}

/** Runs the section: `runs` rounds of builds (engines alternating) and one read child each. */
export async function percentilesSection(args: Values<typeof PERCENTILE_OPTIONS> & { runs: number; dir: string; chunk: number; 'baseline-core'?: string | undefined },
  runChild: RunChild): Promise<{ report: string[]; targets: string[][]; figures: object }> {
  const base = join(args.dir, `ratestore-percentiles-${process.pid}`);
  const baselineCore = args['baseline-core'] === undefined ? undefined : resolve(args['baseline-core']);
  const engines: Array<[string, string | undefined]> = [...(baselineCore === undefined ? [] : [['baseline', baselineCore] as [string, string]]), ['percentiles', undefined]];
  const built: Array<[string, string | undefined]> = [...engines, [OFF, undefined]];
  const builds = new Map<string, PctBuildFigures[]>(built.map(([engine]) => [engine, []]));
  const reads: PctReadFigures[] = [];
  try {
    for (let run = 0; run < args.runs; run++) {
      rmSync(base, { recursive: true, force: true });
      mkdirSync(base, { recursive: true });
      // Which engine builds first alternates, so that a slower stretch of the machine hits both.
      const order = run % 2 === 0 ? built : [...built].reverse();
      for (const [engine, core] of order) {
        const figures = await runChild<PctBuildFigures>('pct-build', ['--store', join(base, engine), '--prices', String(args['pct-prices']), '--chunk', String(args.chunk),
          ...(core === undefined ? [] : ['--core', core]), ...(engine === OFF ? ['--no-sketches'] : [])]);
        builds.get(engine)!.push(figures);
        console.error(`[percentiles] run ${run + 1}/${args.runs} ${engine}: commit ${seconds(figures.commitMs)} s (warm ${seconds(figures.warmCommitMs)} s), ${fmtInt(figures.bytes)} bytes`);
      }
      const read = await runChild<PctReadFigures>('pct-read', ['--stores', engines.map(([engine]) => join(base, engine)).join(','), '--cores', engines.map(([, core]) => core ?? '').join(','),
        '--queries', String(args['pct-queries']), '--seed', String(run), '--sketches-off', join(base, OFF)]);
      reads.push(read);
      console.error(`[percentiles] run ${run + 1}/${args.runs} region p50: ${Object.entries(read.p50).map(([name, ms]) => `${name} ${ms.toFixed(3)} ms`).join(', ')}`);
    }
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
  return { ...report(args, built.map(([engine]) => engine), builds, reads, baselineCore), figures: { builds: Object.fromEntries(builds), reads } };
}

function report(args: Values<typeof PERCENTILE_OPTIONS> & { runs: number }, engines: string[], builds: Map<string, PctBuildFigures[]>, reads: PctReadFigures[],
  baselineCore: string | undefined): { report: string[]; targets: string[][] } {
  const out: string[] = [];
  out.push(`## Percentiles (issue 16): one staged commit of ${fmtInt(args['pct-prices'])} prices over ${BATCH_DAYS} days; medians of ${args.runs} runs, each in fresh processes; min–max in brackets\n`);
  if (baselineCore !== undefined) out.push(`baseline engine: ${gitState(baselineCore, ['src'], () => 'its src')} (${baselineCore})\n`);
  out.push(table(['engine', 'commit s', 'warm commit s', 'staged write s (add() calls + commit)', 'store bytes (live data, compacted)', 'bytes per price', 'aggregate records, uncompressed bytes', 'commit peak RSS MB'], engines.map((engine) => {
    const list = builds.get(engine)!;
    const bytes = list.map((f) => f.bytes);
    return [engine, seconds(median(list.map((f) => f.commitMs))) + minMax(list.map((f) => f.commitMs), seconds),
      seconds(median(list.map((f) => f.warmCommitMs))) + minMax(list.map((f) => f.warmCommitMs), seconds),
      seconds(median(list.map((f) => f.writeMs))) + minMax(list.map((f) => f.writeMs), seconds), fmtInt(median(bytes)) + minMax(bytes, fmtInt),
      (median(bytes) / args['pct-prices']).toFixed(1), fmtInt(median(list.map((f) => f.recordBytes))), median(list.map((f) => f.maxRssMb)).toFixed(0)];
  })));
  out.push('');
  const variants = Object.keys(reads[0]?.p50 ?? {});
  out.push(`Region-to-region 31-day queries (${fmtInt(args['pct-queries'])} per variant and run, in alternating blocks of ${BLOCK}, month cache off; "with percentiles" asks for [${QUARTILES.join(', ')}]):\n`);
  out.push(table(['variant', 'p50 ms', 'p99 ms'], variants.map((name) => {
    const p50 = reads.map((r) => r.p50[name]!);
    const p99 = reads.map((r) => r.p99[name]!);
    return [name, median(p50).toFixed(3) + minMax(p50, (v) => v.toFixed(3)), median(p99).toFixed(3) + minMax(p99, (v) => v.toFixed(3))];
  })));
  out.push('');
  const targets: string[][] = [];
  // Ratios run by run (each run's stores were built and read side by side), then their median.
  const ratioOf = (values: number[]): number => median(values);
  const within = ratioOf(reads.map((r) => r.p50['with percentiles']! / r.p50['without percentiles']!));
  if (builds.has('baseline')) {
    const mine = builds.get('percentiles')!;
    const before = builds.get('baseline')!;
    const commit = ratioOf(mine.map((f, run) => f.commitMs / before[run]!.commitMs));
    const bytes = ratioOf(mine.map((f, run) => f.bytes / before[run]!.bytes));
    const records = ratioOf(mine.map((f, run) => f.recordBytes / before[run]!.recordBytes));
    const query = ratioOf(reads.map((r) => r.p50['with percentiles']! / r.p50.baseline!));
    targets.push([`percentiles cost ≤ 1.5x (16): 1M staged commit time, against the engine before`, ratio(commit), verdict(commit <= 1.5)]);
    const warm = ratioOf(mine.map((f, run) => f.warmCommitMs / before[run]!.warmCommitMs));
    targets.push([`(16) the same commit in a process that has committed before (a server's next batch), against the engine before`, ratio(warm), '–']);
    const write = ratioOf(mine.map((f, run) => f.writeMs / before[run]!.writeMs));
    targets.push([`(16) the whole 1M staged write (add() calls + commit), against the engine before`, ratio(write), '–']);
    targets.push([`percentiles cost ≤ 1.5x (16): store bytes (live data, compacted), against the engine before`, ratio(bytes), verdict(bytes <= 1.5)]);
    targets.push([`(16) aggregate records' bytes, uncompressed, against the engine before`, ratio(records), '–']);
    targets.push([`percentiles cost ≤ 1.5x (16): region-to-region 31-day p50 with percentiles, against the engine before`, ratio(query), verdict(query <= 1.5)]);
    const plain = ratioOf(reads.map((r) => r.p50['without percentiles']! / r.p50.baseline!));
    targets.push([`(16) region-to-region 31-day p50 without percentiles, against the engine before (unchanged: ≈ 1x)`, ratio(plain), '–']);
    const off = builds.get(OFF)!;
    const offCommit = ratioOf(off.map((f, run) => f.commitMs / before[run]!.commitMs));
    const offBytes = ratioOf(off.map((f, run) => f.bytes / before[run]!.bytes));
    const offRss = ratioOf(off.map((f, run) => f.maxRssMb / before[run]!.maxRssMb));
    const offQuery = ratioOf(reads.map((r) => r.p50['sketches off, without percentiles']! / r.p50.baseline!));
    targets.push([`(16) percentileSketches: false, against the engine before: commit, store bytes, commit peak RSS, region p50`, `${ratio(offCommit)}, ${ratio(offBytes)}, ${ratio(offRss)}, ${ratio(offQuery)}`, '–']);
  }
  targets.push([`(16) region-to-region 31-day p50 with percentiles, against without, same engine`, ratio(within), '–']);
  return { report: out, targets };
}
