/**
 * bench:core's history section (`--only history`): reads as history grows. The same prices (by
 * default 1M over 200 ports and two years) are written as 1 batch, as 100 overlapping batches and as
 * 1,000 overlapping daily batches (price i goes to batch i mod N, so every batch spreads over the
 * whole two years, as daily uploads and corrections touch the same months again and again), each
 * store in a fresh child process with default options, then `compact()` as the issue measured. One
 * more child opens every store and times the same 31-day queries on all of them in alternating
 * blocks (month cache off), at the latest version and at the middle version (`asOf`), so the ratios
 * between stores are taken side by side. With `--baseline-core DIR` every store is also built and
 * read with another checkout's engine (DIR is its packages/core, built), for before/after figures.
 */
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as Core from '@ratestore/core';
import { CATALOG, FIRST_DAY, QueryMix } from './sample.js';
import { fmtInt, gitState, maxRssMb, median, ratio, table, verdict, summarizeLatencies, type LatencySummary, type OptionSpecs, type Values } from './util.js';

/** Blocks of this many queries of each kind take turns across the stores. */
const BLOCK = 20;

export const HISTORY_OPTIONS = {
  'history-batches': { type: 'ints', default: [1, 100, 1000], description: 'history: the stores, as how many overlapping batches the same prices are written in (the first is the baseline of the ratios)' },
  'history-prices': { type: 'int', default: 1_000_000, description: 'history: prices of each store' },
  'history-days': { type: 'int', default: 731, description: 'history: days the prices spread over' },
  'history-big': { type: 'boolean', description: 'history: also 10 times the prices as 10 overlapping batches (10M by default)' },
  'baseline-core': { type: 'string', arg: 'DIR', description: "history and percentiles: also build and read every store with the engine of another checkout's packages/core (built), side by side" }
} as const satisfies OptionSpecs;

export const BUILD_OPTIONS = {
  store: { type: 'string', required: true, arg: 'DIR', description: 'where to build the store (left there)' },
  prices: { type: 'int', default: 1_000_000, description: 'prices' },
  days: { type: 'int', default: 731, description: 'days the prices spread over' },
  batches: { type: 'int', default: 100, description: 'overlapping batches the prices are written in' },
  core: { type: 'string', arg: 'DIR', description: "another checkout's packages/core to build with (default this one's)" }
} as const satisfies OptionSpecs;

export const READ_OPTIONS = {
  stores: { type: 'strings', required: true, arg: 'DIR,DIR', description: 'the stores, built by history-build children' },
  cores: { type: 'string', default: '', arg: 'DIR,DIR', description: 'per store, the packages/core it was built with (empty: this one)' },
  days: BUILD_OPTIONS.days,
  runs: { type: 'int', default: 3, description: 'runs of the timed queries' },
  queries: { type: 'int', default: 400, description: 'timed queries per kind, version and store in a run' },
  warmup: { type: 'int', default: 60, description: 'untimed queries per kind and store before each run' }
} as const satisfies OptionSpecs;

export interface BuildFigures {
  kind: 'history-build';
  prices: number;
  batches: number;
  buildMs: number;
  /** Each batch's `write()`, in order. */
  writesMs: number[];
  compactMs: number;
  bytes: number;
  version: number;
  maxRssMb: number;
}

interface KindLatencies {
  port: LatencySummary;
  region: LatencySummary;
}

export interface ReadFigures {
  kind: 'history-read';
  /** Per store, per run. */
  stores: Array<{ asOf: number; runs: Array<{ latest: KindLatencies; asOf: KindLatencies }> }>;
}

/** @ratestore/core, or the engine of another checkout's packages/core. */
export async function loadCore(dir: string | undefined): Promise<typeof Core> {
  return dir === undefined || dir === '' ? import('@ratestore/core') : (import(pathToFileURL(join(resolve(dir), 'dist', 'index.js')).href) as Promise<typeof Core>);
}

/** Bytes of the files under `dir`. */
export function bytesUnder(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    bytes += entry.isDirectory() ? bytesUnder(path) : statSync(path).size;
  }
  return bytes;
}

/** The prices of a store, generated once into typed arrays, so that any batch of them is cheap to make. */
class PriceTable {
  readonly codes: string[] = [];
  readonly origin: Uint16Array;
  readonly destination: Uint16Array;
  readonly day: string[] = [];
  readonly dayOf: Uint16Array;
  readonly price: Float64Array;

  constructor(core: typeof Core, prices: number, days: number) {
    this.origin = new Uint16Array(prices);
    this.destination = new Uint16Array(prices);
    this.dayOf = new Uint16Array(prices);
    this.price = new Float64Array(prices);
    const codes = new Map<string, number>();
    const dayIds = new Map<string, number>();
    const id = (map: Map<string, number>, list: string[], value: string): number => {
      let found = map.get(value);
      if (found === undefined) map.set(value, (found = list.push(value) - 1));
      return found;
    };
    let i = 0;
    for (const item of core.samplePrices({ ...CATALOG, prices, dateFrom: FIRST_DAY, days })) {
      this.origin[i] = id(codes, this.codes, item.origin);
      this.destination[i] = id(codes, this.codes, item.destination);
      this.dayOf[i] = id(dayIds, this.day, item.day);
      this.price[i++] = item.price;
    }
  }

  /** Batch `b` of `count`: every price whose index is b modulo count. */
  batch(b: number, count: number): Core.PriceItem[] {
    const items: Core.PriceItem[] = [];
    for (let i = b; i < this.price.length; i += count) {
      items.push({ origin: this.codes[this.origin[i]!]!, destination: this.codes[this.destination[i]!]!, day: this.day[this.dayOf[i]!]!, price: this.price[i]! });
    }
    return items;
  }
}

export async function childBuild(args: Values<typeof BUILD_OPTIONS>): Promise<BuildFigures> {
  const core = await loadCore(args.core);
  const table = new PriceTable(core, args.prices, args.days);
  mkdirSync(args.store, { recursive: true });
  const store = new core.Ratestore({ location: args.store });
  await store.open();
  try {
    await store.write(core.sampleCatalog(CATALOG), { batchId: 'catalog' });
    const writesMs: number[] = [];
    const started = performance.now();
    for (let b = 0; b < args.batches; b++) {
      const items = table.batch(b, args.batches);
      const writing = performance.now();
      await store.write(items, { batchId: `batch-${b}` });
      writesMs.push(performance.now() - writing);
      if (args.batches >= 10 && (b + 1) % Math.ceil(args.batches / 10) === 0) {
        console.error(`[${args.batches} batches] ${b + 1} written, ${((performance.now() - started) / 1000).toFixed(0)} s`);
      }
    }
    const buildMs = performance.now() - started;
    const compacting = performance.now();
    await store.compact();
    const compactMs = performance.now() - compacting;
    const version = store.version;
    await store.close();
    return { kind: 'history-build', prices: args.prices, batches: args.batches, buildMs, writesMs, compactMs, bytes: bytesUnder(args.store), version, maxRssMb: maxRssMb() };
  } finally {
    if (store.status !== 'closed') await store.close();
  }
}

/**
 * Opens each store of `dirs` with the engine it was built with (`cores`: comma-separated, empty for
 * this one), month cache off, into `stores`, which the caller closes whatever happens.
 */
export async function openStores(dirs: readonly string[], cores: string, stores: Core.Ratestore[]): Promise<void> {
  const coreDirs = cores === '' ? [] : cores.split(',');
  for (const [i, dir] of dirs.entries()) {
    const core = await loadCore(coreDirs[i]);
    const store = new core.Ratestore({ location: dir, readCacheMonths: 0 });
    await store.open();
    stores.push(store);
  }
}

export async function childRead(args: Values<typeof READ_OPTIONS>): Promise<ReadFigures> {
  const stores: Core.Ratestore[] = [];
  try {
    await openStores(args.stores, args.cores, stores);
    // The middle version: half the batches behind it (the catalog is version 1).
    const asOf = stores.map((store) => 1 + Math.ceil((store.version - 1) / 2));
    const figures: ReadFigures = { kind: 'history-read', stores: stores.map((_, i) => ({ asOf: asOf[i]!, runs: [] })) };
    for (let run = 0; run < args.runs; run++) {
      const mix = new QueryMix(3_000 + run, args.days);
      for (const [i, store] of stores.entries()) {
        const warm = new QueryMix(9_000 + run, args.days);
        for (let q = 0; q < args.warmup; q++) {
          await store.rates(warm.port());
          await store.rates({ ...warm.region(), asOf: asOf[i]! });
        }
      }
      const times = stores.map(() => ({ latestPort: [] as number[], latestRegion: [] as number[], asOfPort: [] as number[], asOfRegion: [] as number[] }));
      for (let done = 0; done < args.queries; done += BLOCK) {
        const ports = Array.from({ length: BLOCK }, () => mix.port());
        const regions = Array.from({ length: BLOCK }, () => mix.region());
        // Which store goes first alternates, so that each sees the machine as the others do.
        const order = stores.map((_, i) => i);
        if ((done / BLOCK) % 2 === 1) order.reverse();
        for (const i of order) {
          const store = stores[i]!;
          const time = async (list: number[], query: Core.RatesQuery): Promise<void> => {
            const started = performance.now();
            await store.rates(query);
            list.push(performance.now() - started);
          };
          for (const query of ports) await time(times[i]!.latestPort, query);
          for (const query of regions) await time(times[i]!.latestRegion, query);
          for (const query of ports) await time(times[i]!.asOfPort, { ...query, asOf: asOf[i]! });
          for (const query of regions) await time(times[i]!.asOfRegion, { ...query, asOf: asOf[i]! });
        }
      }
      for (const [i, t] of times.entries()) {
        figures.stores[i]!.runs.push({
          latest: { port: summarizeLatencies(t.latestPort), region: summarizeLatencies(t.latestRegion) },
          asOf: { port: summarizeLatencies(t.asOfPort), region: summarizeLatencies(t.asOfRegion) }
        });
      }
      console.error(`[history read] run ${run + 1}/${args.runs}: region p50 at the latest version ${figures.stores.map((s) => s.runs[run]!.latest.region.p50.toFixed(3)).join(' / ')} ms`);
    }
    return figures;
  } finally {
    for (const store of stores) await store.close();
  }
}

/** One store of the section: which prices, in how many batches, with which engine. */
interface Scenario {
  prices: number;
  batches: number;
  /** The baseline checkout's packages/core, or undefined for this one. */
  core: string | undefined;
  engine: string;
  dir: string;
  build?: BuildFigures;
}

export type RunChild = <T>(kind: string, args: string[]) => Promise<T>;

/** Builds every store, reads them side by side, and returns the section's report and target rows. */
export async function historySection(args: Values<typeof HISTORY_OPTIONS> & { runs: number; dir: string }, runChild: RunChild, engineName: string):
  Promise<{ report: string[]; targets: string[][]; figures: { builds: BuildFigures[]; read: ReadFigures } }> {
  const base = join(args.dir, `ratestore-history-${process.pid}`);
  mkdirSync(base, { recursive: true });
  try {
    const prices = args['history-prices'];
    const days = args['history-days'];
    const engines: Array<[string, string | undefined]> = [[engineName, undefined]];
    if (args['baseline-core'] !== undefined) engines.unshift(['baseline', resolve(args['baseline-core'])]);
    const shapes: Array<[number, number]> = args['history-batches'].map((batches) => [prices, batches]);
    if (args['history-big']) shapes.push([prices * 10, 10]);
    const scenarios: Scenario[] = [];
    // Engines alternate within each shape, so that a slower stretch of the machine hits both, and
    // which builds first turns from shape to shape: the first build of a run was measured slower
    // (an engine built against itself this way came out 1.00-1.07x).
    for (const [shape, [total, batches]] of shapes.entries()) {
      for (const [engine, core] of shape % 2 === 0 ? engines : [...engines].reverse()) {
        scenarios.push({ prices: total, batches, core, engine, dir: join(base, `${engine}-${total}-${batches}`) });
      }
    }
    for (const scenario of scenarios) {
      scenario.build = await runChild<BuildFigures>('history-build', ['--store', scenario.dir, '--prices', String(scenario.prices), '--days', String(days),
        '--batches', String(scenario.batches), ...(scenario.core === undefined ? [] : ['--core', scenario.core])]);
      console.error(`[history] ${scenario.engine}: ${fmtInt(scenario.prices)} prices as ${fmtInt(scenario.batches)} batches built in ${(scenario.build.buildMs / 1000).toFixed(1)} s, ` +
        `compact ${(scenario.build.compactMs / 1000).toFixed(1)} s, ${(scenario.build.bytes / scenario.prices).toFixed(0)} bytes per price`);
    }
    const read = await runChild<ReadFigures>('history-read', ['--stores', scenarios.map((s) => s.dir).join(','), '--cores', scenarios.map((s) => s.core ?? '').join(','),
      '--days', String(days), '--runs', String(args.runs)]);
    const result = report(scenarios, read, engines.map(([engine]) => engine));
    const baseline = engines.find(([engine]) => engine === 'baseline')?.[1];
    if (baseline !== undefined) result.report.unshift(`baseline engine: ${gitState(baseline, ['src'], () => 'its src')} (${baseline})\n`);
    return { ...result, figures: { builds: scenarios.map((s) => s.build!), read } };
  } finally {
    rmSync(base, { recursive: true, force: true });
  }
}

function report(scenarios: Scenario[], read: ReadFigures, engines: string[]): { report: string[]; targets: string[][] } {
  const ms = (values: number[]): string => median(values).toFixed(3);
  const out: string[] = [];
  out.push('## Reads as history grows (same prices, overlapping batches; month cache off; read side by side in alternating blocks; medians of the runs)\n');
  out.push(table(
    ['engine', 'prices', 'batches', 'write per batch s (median)', 'build s', 'compact() s', 'bytes per price', 'peak RSS MB'],
    scenarios.map((s) => {
      const b = s.build!;
      return [s.engine, fmtInt(s.prices), fmtInt(s.batches), (median(b.writesMs) / 1000).toFixed(3), (b.buildMs / 1000).toFixed(1), (b.compactMs / 1000).toFixed(1),
        (b.bytes / s.prices).toFixed(0), b.maxRssMb.toFixed(0)];
    })));
  out.push('');
  out.push(table(
    ['engine', 'prices', 'batches', 'asOf', 'region p50 ms', 'region p99 ms', 'port p50 ms', 'port p99 ms', 'region p50 asOf ms', 'region p99 asOf ms', 'port p50 asOf ms', 'port p99 asOf ms'],
    scenarios.map((s, i) => {
      const runs = read.stores[i]!.runs;
      return [s.engine, fmtInt(s.prices), fmtInt(s.batches), String(read.stores[i]!.asOf),
        ms(runs.map((r) => r.latest.region.p50)), ms(runs.map((r) => r.latest.region.p99)), ms(runs.map((r) => r.latest.port.p50)), ms(runs.map((r) => r.latest.port.p99)),
        ms(runs.map((r) => r.asOf.region.p50)), ms(runs.map((r) => r.asOf.region.p99)), ms(runs.map((r) => r.asOf.port.p50)), ms(runs.map((r) => r.asOf.port.p99))];
    })));
  out.push('');
  if (engines.length > 1) {
    // This engine against the other, shape by shape: read side by side, run by run; built one after the other.
    const [before, after] = engines as [string, string];
    const rows: string[][] = [];
    for (const s of scenarios) {
      if (s.engine !== after) continue;
      const i = scenarios.indexOf(s);
      const j = scenarios.findIndex((o) => o.engine === before && o.prices === s.prices && o.batches === s.batches);
      const change = (pick: (run: ReadFigures['stores'][number]['runs'][number]) => number): string =>
        ratio(median(read.stores[i]!.runs.map((run, r) => pick(run) / pick(read.stores[j]!.runs[r]!))));
      rows.push([fmtInt(s.prices), fmtInt(s.batches), change((run) => run.latest.region.p50), change((run) => run.latest.port.p50),
        change((run) => run.asOf.region.p50), change((run) => run.asOf.port.p50),
        ratio(median(s.build!.writesMs) / median(scenarios[j]!.build!.writesMs)), ratio(s.build!.buildMs / scenarios[j]!.build!.buildMs),
        ratio(s.build!.bytes / scenarios[j]!.build!.bytes)]);
    }
    out.push(`${after} / ${before} (below 1: ${after} is faster or smaller)\n`);
    out.push(table(['prices', 'batches', 'region p50', 'port p50', 'region p50 asOf', 'port p50 asOf', 'write per batch', 'build', 'bytes'], rows));
    out.push('');
  }
  // Each store against the first shape of its engine (one batch), run by run, then the median of the ratios.
  const targets: string[][] = [];
  for (const engine of engines) {
    const mine = scenarios.flatMap((s, i) => (s.engine === engine ? [{ s, i }] : []));
    const [first, ...rest] = mine;
    if (first === undefined) continue;
    for (const { s, i } of rest) {
      const growth = median(read.stores[i]!.runs.map((run, r) => run.latest.region.p50 / read.stores[first.i]!.runs[r]!.latest.region.p50));
      const what = `${fmtInt(s.prices)} prices as ${fmtInt(s.batches)} overlapping batches against ${fmtInt(first.s.prices)} as ${fmtInt(first.s.batches)}`;
      targets.push([`${engine}: region-to-region p50 at the latest version, ${what}, ≤ 1.5x`, ratio(growth), verdict(growth <= 1.5)]);
    }
  }
  return { report: out, targets };
}
