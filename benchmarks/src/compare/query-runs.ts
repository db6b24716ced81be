/**
 * Timed runs of the in-process query mix over one or more engines (Ratestore stores, PostgreSQL):
 * the comparison, Ratestore alone and the 1M/10M side-by-side child all measure this way, so their
 * figures can be read against each other.
 */
import type { RatesQuery } from '@ratestore/core';
import { QueryMix } from '../sample.js';
import { median, minMax, summarizeLatencies, type LatencySummary } from '../util.js';

/** Days of every query store, and so of the mix's windows. */
export const QUERY_DAYS = 366;
/** Queries of each kind one engine runs before the next takes its turn. */
export const QUERY_BLOCK = 20;

export interface QueryRun { port: LatencySummary; region: LatencySummary }
/** One engine's answer to a query; only its time counts. */
export type RatesCall = (query: RatesQuery) => Promise<unknown>;

export interface QueryRunOptions {
  runs: number;
  /** Untimed queries of each kind per engine before each run. */
  warmup: number;
  /** Timed queries of each kind per engine and run. */
  queries: number;
  /** Run `n` draws its queries from QueryMix(seed + n). */
  seed: number;
}

/**
 * `runs` runs of the mix on every engine: a warm-up, then the same port-to-port and region-to-region
 * queries on each engine in blocks of QUERY_BLOCK, the engine that goes first rotating from block to
 * block, so all see the same machine over a run. Not one query at a time: a query right after 85 ms
 * of PostgreSQL work on the same 2 cores measured 3-4x slower (cold CPU caches), which would charge
 * one engine for another's cost. Returns each engine's runs, in the order the engines were given.
 */
export async function timeQueryRuns(engines: readonly RatesCall[], options: QueryRunOptions,
  onRun?: (run: number, figures: QueryRun[]) => void): Promise<QueryRun[][]> {
  const out = engines.map((): QueryRun[] => []);
  for (let run = 0; run < options.runs; run++) {
    const mix = new QueryMix(options.seed + run, QUERY_DAYS);
    for (let i = 0; i < options.warmup; i++) {
      const p = mix.port();
      const r = mix.region();
      for (const rates of engines) {
        await rates(p);
        await rates(r);
      }
    }
    const latencies = engines.map(() => ({ port: [] as number[], region: [] as number[] }));
    for (let at = 0, block = 0; at < options.queries; at += QUERY_BLOCK, block++) {
      const queries = Array.from({ length: Math.min(QUERY_BLOCK, options.queries - at) }, () => ({ p: mix.port(), r: mix.region() }));
      for (let turn = 0; turn < engines.length; turn++) {
        const e = (turn + block) % engines.length;
        for (const { p, r } of queries) {
          latencies[e]!.port.push(await timed(engines[e]!, p));
          latencies[e]!.region.push(await timed(engines[e]!, r));
        }
      }
    }
    const figures = latencies.map((l) => ({ port: summarizeLatencies(l.port), region: summarizeLatencies(l.region) }));
    figures.forEach((figure, e) => out[e]!.push(figure));
    onRun?.(run, figures);
  }
  return out;
}

async function timed(rates: RatesCall, query: RatesQuery): Promise<number> {
  const started = performance.now();
  await rates(query);
  return performance.now() - started;
}

/** Milliseconds as the query tables print them. */
export const ms3 = (v: number): string => v.toFixed(3);

/** The median over runs of one kind's percentile. */
export function medianOf(runs: readonly QueryRun[], kind: 'port' | 'region', stat: 'p50' | 'p99'): number {
  return median(runs.map((run) => run[kind][stat]));
}

/** That median as a table cell; a p50 with the runs' min–max. */
export function medianCell(runs: readonly QueryRun[], kind: 'port' | 'region', stat: 'p50' | 'p99'): string {
  return ms3(medianOf(runs, kind, stat)) + (stat === 'p50' ? minMax(runs.map((run) => run[kind].p50), ms3) : '');
}

/** How much slower `big` answered than `small`, side by side: the median of the runs' p50 ratios. */
export function growthOf(small: readonly QueryRun[], big: readonly QueryRun[], kind: 'port' | 'region'): number {
  return median(big.map((run, i) => run[kind].p50 / small[i]![kind].p50));
}

/** The name of a query kind in the tables. */
export const kindName = (kind: 'port' | 'region'): string => (kind === 'port' ? 'port-to-port' : 'region-to-region');
