/**
 * What the scripts that put servers under HTTP load share (bench:http, bench:cluster): the queries
 * they send, a rotation of them shared by every connection, and the CPU time of a process from /proc.
 */
import { readFileSync } from 'node:fs';
import { sampleCatalog, sampleRoutes } from '@ratestore/core';
import { CATALOG, FIRST_DAY, ratesPath, regionChains } from './sample.js';
import { addDays, mulberry32 } from './util.js';

export interface Query {
  path: string;
}

export interface RegionQueryOptions {
  /** At most this many queries. */
  count: number;
  seed: number;
  /** Days of data from FIRST_DAY. */
  days: number;
  /** Days per query, at most `days`. */
  windowDays: number;
}

/**
 * Distinct region-to-region queries in a shuffled order: every pair of regions on the chains of the
 * 1,000 most popular routes (levels 1-4 each side, from the world area down to the coast, as
 * bench:core draws them), times every window of `windowDays` days inside the data.
 */
export function regionQueries({ count, seed, days, windowDays }: RegionQueryOptions): Query[] {
  const catalog = sampleCatalog(CATALOG);
  const chains = regionChains(catalog);
  const pairs = new Set<string>();
  for (const route of sampleRoutes(CATALOG).slice(0, 1_000)) {
    for (const origin of chains.get(route.origin)!) for (const destination of chains.get(route.destination)!) pairs.add(`${origin}\t${destination}`);
  }
  const windows = days - windowDays + 1;
  const space = [...pairs].flatMap((pair) => Array.from({ length: windows }, (_, w) => `${pair}\t${w}`));
  const random = mulberry32(seed);
  for (let i = space.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [space[i], space[j]] = [space[j]!, space[i]!];
  }
  return space.slice(0, count).map((entry) => {
    const [origin, destination, w] = entry.split('\t') as [string, string, string];
    const dateFrom = addDays(FIRST_DAY, Number(w));
    return { path: ratesPath({ dateFrom, dateTo: addDays(dateFrom, windowDays - 1), origin, destination }) };
  });
}

/** A query source shared by every connection: each request takes the next entry (wrapping around). */
export class Rotation {
  #next: number;
  #sent = 0;
  constructor(readonly queries: Query[], start = 0, readonly headers?: (index: number) => Record<string, string>) {
    this.#next = start % queries.length;
  }
  get sent(): number {
    return this.#sent;
  }
  take(): { path: string; headers: Record<string, string> } {
    const index = this.#next;
    this.#next = (index + 1) % this.queries.length;
    this.#sent++;
    return { path: this.queries[index]!.path, headers: this.headers?.(index) ?? {} };
  }
}

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const CLK_TCK = 100;

/** CPU seconds (user + system) a process (or with `tid`, one of its threads) has used so far, from /proc; NaN once it is gone. */
export function cpuSeconds(pid: number, tid?: number): number {
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return NaN;
  }
}
