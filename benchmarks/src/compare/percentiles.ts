/**
 * bench:compare's percentiles scenario (issue 16: the sketches' cost, at most 1.5x each), all of it
 * side by side in one run:
 *
 * - The 1M-price ingest batch (rs-ingest, warm, `write()` and staged) with sketches (the default)
 *   and with `percentileSketches: false`, alternating from run to run which goes first.
 * - One child (pct-query) that builds a 1M query store each way, measures each one's live data
 *   compacted (the bytes bench:core's percentiles section measures), cross-checks the percentiles
 *   against the exact prices PostgreSQL ranks, then times the query mix in alternating blocks over
 *   five variants: the sketches store with `percentiles: [25, 50, 75]` and without, the store without
 *   sketches (no percentiles), PostgreSQL's canonical query with `percentile_disc` of the same
 *   fractions per day, and PostgreSQL's canonical query (averages only). Month cache off, as in the
 *   other in-process query runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import * as Core from '@ratestore/core';
import { Ratestore, sampleCatalog, type RatesQuery } from '@ratestore/core';
import type { RunChild } from '../history.js';
import { liveBytes } from '../percentiles.js';
import { BUILD_BATCH, CATALOG, FIRST_DAY, STAGE_CHUNK } from '../sample.js';
import { buildQueryStore } from '../store.js';
import { fmtInt, maxRssMb, median, minMax, ratio, seconds, table, verdict, type OptionSpecs, type Values } from '../util.js';
import { checkQueries, crossCheckPercentiles } from './data.js';
import { PG_OPTIONS, SCHEMA_PREFIX, connect, dropSchema, percentilesQuery, ratesQuery } from './postgres.js';
import { QUERY_BLOCK, QUERY_DAYS, kindName, medianCell, medianOf, ms3, timeQueryRuns, type QueryRun } from './query-runs.js';

/** The percentiles the "with percentiles" queries ask for: the quartiles, as a rates page would (bench:core asks the same). */
const QUARTILES = [25, 50, 75];
/** The cost the issue allows, each measure against the same without sketches. */
const GOAL = 1.5;

export const PCT_QUERY_OPTIONS = {
  prices: { type: 'int', default: 1_000_000, description: 'stored prices of each query store' },
  work: { type: 'string', required: true, arg: 'DIR', description: 'where to build the two stores (left there)' },
  ...PG_OPTIONS,
  runs: { type: 'int', default: 3, description: 'runs of the timed queries' },
  queries: { type: 'int', default: 200, description: 'timed queries per kind, run and variant' },
  warmup: { type: 'int', default: 30, description: 'untimed queries per kind and variant before each run' },
  check: { type: 'int', default: 50, description: 'queries of the percentiles cross-check against PostgreSQL' }
} as const satisfies OptionSpecs;

/** The variants the pct-query child times, in the order it gives them to timeQueryRuns. */
const VARIANTS = {
  with: 'Ratestore, sketches, with percentiles [25, 50, 75]',
  without: 'Ratestore, sketches, without percentiles',
  off: 'Ratestore, `percentileSketches: false`, without percentiles',
  pgPercentiles: 'PostgreSQL, `percentile_disc` [0.25, 0.5, 0.75] + average per day',
  pgAverage: 'PostgreSQL, the canonical query (average per day)'
} as const;
type Variant = keyof typeof VARIANTS;

interface PctStore { commitMs: number; bytes: number }

export interface PctQueryFigures {
  kind: 'pct-query';
  prices: number;
  /** The query store's one staged commit and its live data compacted, with sketches and without. */
  stores: { sketches: PctStore; off: PctStore };
  checked: number;
  /** Days with percentiles, and percentiles, the cross-check compared; the largest relative difference it saw. */
  checkedDays: number;
  checkedValues: number;
  worst: number;
  runs: Record<Variant, QueryRun[]>;
  maxRssMb: number;
}

/** Builds a query store of `prices` in `location` (the read cache off); returns it open with its commit time and live bytes. */
async function buildStore(location: string, prices: number, sketches: boolean, stores: Ratestore[]): Promise<PctStore & { store: Ratestore }> {
  const store = new Ratestore({ location, readCacheMonths: 0, ...(sketches ? {} : { percentileSketches: false }) });
  await store.open();
  stores.push(store);
  const batches = await buildQueryStore(store, prices, QUERY_DAYS, BUILD_BATCH, STAGE_CHUNK);
  const bytes = await liveBytes(Core, store, `${location}-live`);
  return { store, commitMs: batches.reduce((sum, batch) => sum + batch.commitMs, 0), bytes };
}

/** The pct-query child: both stores, the cross-check, then the five variants timed in alternating blocks. */
export async function childPctQuery(args: Values<typeof PCT_QUERY_OPTIONS>): Promise<PctQueryFigures> {
  const { prices, runs } = args;
  const label = `[percentiles ${fmtInt(prices)}]`;
  const stores: Ratestore[] = [];
  const client = await connect(args.url, args.schema);
  try {
    const { store: sketchStore, ...sketches } = await buildStore(join(args.work, 'sketches'), prices, true, stores);
    const { store: offStore, ...off } = await buildStore(join(args.work, 'no-sketches'), prices, false, stores);
    console.error(`${label} stores built: commit ${seconds(sketches.commitMs)} s with sketches, ${seconds(off.commitMs)} s without; ` +
      `${fmtInt(sketches.bytes)} against ${fmtInt(off.bytes)} bytes; cross-checking`);

    const check = await crossCheckPercentiles(sketchStore, client, checkQueries(sampleCatalog(CATALOG), FIRST_DAY, QUERY_DAYS, args.check, 1616 + prices), QUARTILES);
    console.error(`${label} ${check.checked} queries: ${fmtInt(check.values)} percentiles of ${fmtInt(check.days)} days within 1% of the exact prices ` +
      `(largest difference ${(check.worst * 100).toFixed(3)}%); measuring`);

    const calls: Record<Variant, (q: RatesQuery) => Promise<unknown>> = {
      with: (q) => sketchStore.rates({ ...q, percentiles: QUARTILES }),
      without: (q) => sketchStore.rates(q),
      off: (q) => offStore.rates(q),
      pgPercentiles: (q) => client.query(percentilesQuery(q, QUARTILES)),
      pgAverage: (q) => client.query(ratesQuery(q))
    };
    const names = Object.keys(VARIANTS) as Variant[];
    const figures = await timeQueryRuns(names.map((name) => calls[name]), { runs, warmup: args.warmup, queries: args.queries, seed: 1_600 }, (run, list) =>
      console.error(`${label} run ${run + 1}/${runs}: region p50 ${names.map((name, at) => `${name} ${ms3(list[at]!.region.p50)}`).join(', ')} ms; load ${loadavg()[0]!.toFixed(2)}`));
    return {
      kind: 'pct-query', prices, stores: { sketches, off }, checked: check.checked, checkedDays: check.days, checkedValues: check.values, worst: check.worst,
      runs: Object.fromEntries(names.map((name, at) => [name, figures[at]!])) as Record<Variant, QueryRun[]>, maxRssMb: maxRssMb()
    };
  } finally {
    await client.end();
    for (const store of stores) await store.close();
  }
}

// ---------------------------------------------------------------------------------------------
// Parent

/** What the rs-ingest child reports (main.ts's IngestFigures), as far as this scenario reads it. */
interface IngestRun { ms: number; commitMs?: number }

export interface PctScenarioSettings {
  /** Prices of the ingest batch and of each query store. */
  prices: number;
  /** Ingest runs (each: both APIs, with and without sketches). */
  runs: number;
  queryRuns: number;
  queries: number;
  warmup: number;
  check: number;
  dir: string;
  /** The PostgreSQL server to load the data set into (a schema of its own, dropped afterwards). */
  url: string;
  /** Called before each measured step, so that the report can show the load average it met. */
  noteLoad: () => void;
}

/** Runs the scenario: the ingest children, PostgreSQL's data set, and the pct-query child; returns its report, target rows and raw figures. */
export async function percentilesScenario(settings: PctScenarioSettings, runChild: RunChild): Promise<{ report: string[]; targets: string[][]; figures: object }> {
  const { prices, runs, dir, url, noteLoad } = settings;
  // Ingest: per run, each API with sketches and without, which goes first alternating.
  const ingest = { write: { sketches: [] as IngestRun[], off: [] as IngestRun[] }, staged: { sketches: [] as IngestRun[], off: [] as IngestRun[] } };
  for (let run = 0; run < runs; run++) {
    noteLoad();
    const order = run % 2 === 0 ? (['sketches', 'off'] as const) : (['off', 'sketches'] as const);
    for (const api of ['write', 'staged'] as const) {
      for (const variant of order) {
        ingest[api][variant].push(await runChild<IngestRun>('rs-ingest', ['--prices', String(prices), '--api', api, '--warm', '--dir', dir,
          ...(variant === 'off' ? ['--no-sketches'] : [])]));
      }
    }
    const last = (api: 'write' | 'staged', variant: 'sketches' | 'off', pick: (f: IngestRun) => number): string => seconds(pick(ingest[api][variant].at(-1)!));
    console.error(`[percentiles] ingest ${fmtInt(prices)} run ${run + 1}/${runs}: write() ${last('write', 'sketches', (f) => f.ms)} s with sketches, ` +
      `${last('write', 'off', (f) => f.ms)} s without; staged commit ${last('staged', 'sketches', (f) => f.commitMs!)} s with, ${last('staged', 'off', (f) => f.commitMs!)} s without`);
  }

  // Queries: PostgreSQL's data set, then the child that builds both stores and times the variants.
  const schema = `${SCHEMA_PREFIX}pct`;
  const work = mkdtempSync(join(dir, 'ratestore-compare-pct-'));
  let query: PctQueryFigures;
  try {
    noteLoad();
    await runChild('pg-load', ['--prices', String(prices), '--url', url, '--schema', schema]);
    noteLoad();
    query = await runChild<PctQueryFigures>('pct-query', ['--prices', String(prices), '--work', work, '--url', url, '--schema', schema,
      '--runs', String(settings.queryRuns), '--queries', String(settings.queries), '--warmup', String(settings.warmup), '--check', String(settings.check)]);
  } finally {
    rmSync(work, { recursive: true, force: true });
    await dropSchema(url, schema);
  }
  return { ...report(settings, ingest, query), figures: { ingest, query } };
}

function report(settings: PctScenarioSettings, ingest: Record<'write' | 'staged', Record<'sketches' | 'off', IngestRun[]>>, query: PctQueryFigures):
  { report: string[]; targets: string[][] } {
  const { prices, runs, queryRuns, queries } = settings;
  const out: string[] = [];
  const targets: string[][] = [];
  // Each ratio is the median of the runs' ratios (each run measured both side by side).
  const paired = (with_: number[], without: number[]): number => median(with_.map((v, i) => v / without[i]!));
  const cell = (values: number[], format: (v: number) => string): string => format(median(values)) + minMax(values, format);
  const rows: string[][] = [];
  const costRow = (measure: string, with_: number[], without: number[], format: (v: number) => string, target: string | undefined): void => {
    const r = paired(with_, without);
    rows.push([measure, cell(with_, format), cell(without, format), ratio(r), target === undefined ? '–' : verdict(r <= GOAL)]);
    if (target !== undefined) targets.push([`percentiles cost ≤ ${GOAL}x (16), bench:compare: ${target}, with sketches against \`percentileSketches: false\``, ratio(r), verdict(r <= GOAL)]);
  };
  const msOf = (list: IngestRun[], pick: (f: IngestRun) => number): number[] => list.map(pick);
  costRow(`${fmtInt(prices)}-price ingest, \`write()\` (warm) s`, msOf(ingest.write.sketches, (f) => f.ms), msOf(ingest.write.off, (f) => f.ms), seconds,
    `${fmtInt(prices)}-price ingest \`write()\` time`);
  costRow(`${fmtInt(prices)}-price ingest, staged \`commit()\` (warm) s`, msOf(ingest.staged.sketches, (f) => f.commitMs!), msOf(ingest.staged.off, (f) => f.commitMs!), seconds,
    `${fmtInt(prices)}-price staged commit time`);
  const { sketches, off } = query.stores;
  const mb = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);
  rows.push([`${fmtInt(prices)}-price query store (${QUERY_DAYS} days), live data compacted, MB`, mb(sketches.bytes), mb(off.bytes), ratio(sketches.bytes / off.bytes),
    verdict(sketches.bytes / off.bytes <= GOAL)]);
  targets.push([`percentiles cost ≤ ${GOAL}x (16), bench:compare: ${fmtInt(prices)}-price query store bytes (live data, compacted), with sketches against \`percentileSketches: false\``,
    ratio(sketches.bytes / off.bytes), verdict(sketches.bytes / off.bytes <= GOAL)]);
  rows.push([`the query store's build, one staged commit, s (for information)`, seconds(sketches.commitMs), seconds(off.commitMs), ratio(sketches.commitMs / off.commitMs), '–']);
  const q = query.runs;
  const regionRuns = (v: Variant, stat: 'p50' | 'p99'): number[] => q[v].map((run) => run.region[stat]);
  for (const stat of ['p50', 'p99'] as const) {
    costRow(`region-to-region 31-day ${stat} ms: with percentiles (sketches store) against without (store without sketches)`, regionRuns('with', stat), regionRuns('off', stat), ms3,
      stat === 'p50' ? 'region-to-region 31-day p50 with percentiles' : undefined);
  }

  out.push(`## Percentiles (issue 16): with sketches against \`percentileSketches: false\`, side by side\n`);
  out.push(`Ingest: the ${fmtInt(prices)}-price batch of the ingest scenario (31 days; warm process), ${runs} runs of each API, with and without sketches in turn. ` +
    `Queries: one child builds a ${fmtInt(prices)}-price query store each way (${QUERY_DAYS} days, one staged commit), measures its live data ` +
    `(its snapshot restored into a fresh directory, \`compactRange\` over every key), then runs the query mix on five variants in alternating blocks of ${QUERY_BLOCK} ` +
    `(${queries} queries per kind, variant and run, ${queryRuns} runs; month cache off). Ratios are the medians of the runs' ratios; min–max in brackets.\n`);
  out.push(table(['measure', 'with sketches', 'without (`percentileSketches: false`)', 'with / without', `≤ ${GOAL}x`], rows));
  out.push('');
  out.push(`In-process query latency of the five variants, 31-day windows (median over ${queryRuns} runs of each run's percentile; p50 with the runs' min–max):\n`);
  out.push(table(['variant', 'kind', 'p50 ms', 'p99 ms'], (Object.keys(VARIANTS) as Variant[]).flatMap((v) => (['region', 'port'] as const).map((kind) =>
    [VARIANTS[v], kindName(kind), medianCell(q[v], kind, 'p50'), medianCell(q[v], kind, 'p99')]))));
  out.push('');
  const speedUp = paired(regionRuns('pgPercentiles', 'p50'), regionRuns('with', 'p50'));
  const pgCost = paired(regionRuns('pgPercentiles', 'p50'), regionRuns('pgAverage', 'p50'));
  out.push(table(['region-to-region 31-day p50', 'ratio (median of the runs\')'], [
    [`PostgreSQL \`percentile_disc\` (${ms3(medianOf(q.pgPercentiles, 'region', 'p50'))} ms) / Ratestore with percentiles (${ms3(medianOf(q.with, 'region', 'p50'))} ms): Ratestore's speed-up`, ratio(speedUp)],
    [`PostgreSQL \`percentile_disc\` / PostgreSQL average only (${ms3(medianOf(q.pgAverage, 'region', 'p50'))} ms): what percentiles cost PostgreSQL`, ratio(pgCost)],
    [`Ratestore with percentiles / without, sketches store: what they cost Ratestore`, ratio(paired(regionRuns('with', 'p50'), regionRuns('without', 'p50')))]
  ]));
  out.push('');
  out.push(`Cross-check before measuring: ${query.checked} queries (any port or region on each side, windows of 1–31 days, some outside the data), ` +
    `${fmtInt(query.checkedValues)} percentiles of ${fmtInt(query.checkedDays)} days, each within 1% (relative) of the exact price at rank ⌊q/100 · (n − 1)⌋ of the day's sorted prices ` +
    `(from PostgreSQL's \`array_agg(price ORDER BY price)\`); largest difference ${(query.worst * 100).toFixed(3)}%. Counts equal on every day; percentiles null exactly below 3 prices.\n`);
  targets.push([`(16) region-to-region 31-day p50 with percentiles: PostgreSQL \`percentile_disc\` / Ratestore (speed-up)`, ratio(speedUp), '–']);
  return { report: out, targets };
}
