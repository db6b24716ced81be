/**
 * The synthetic data the benchmarks measure, from @ratestore/core's sample generator: one catalog,
 * prices from one first day, batches of a month, query stores built in slices of days, and one mix of
 * queries. bench:core, bench:http and bench:compare share these so that their figures describe the
 * same data and can be read side by side.
 */
import { sampleCatalog, sampleRoutes, type PortItem, type RatesQuery, type RegionItem, type SampleOptions } from '@ratestore/core';
import { addDays, mulberry32 } from './util.js';

export const FIRST_DAY = '2016-01-01';
/** The catalog of every data set: 200 ports in a region tree 4 levels deep. */
export const CATALOG: SampleOptions = { seed: 1, ports: 200, depth: 4 };
/** Days of prices in one ingested batch (bench:core's commit, bench:compare's ingest, bench:http's uploads): a month. */
export const BATCH_DAYS = 31;
/** Prices per `add()` call when a batch is staged (bench:core's --chunk default, bench:compare's staged ingest and builds). */
export const STAGE_CHUNK = 50_000;
/** Prices per staged commit when a query store is built: a large store is built as several commits, the way it would grow. */
export const BUILD_BATCH = 1_000_000;

/** A batch of `prices` prices over BATCH_DAYS days from `dateFrom`. */
export function batchOptions(prices: number, dateFrom = FIRST_DAY): SampleOptions {
  return { ...CATALOG, prices, dateFrom, days: BATCH_DAYS };
}

/** One commit of a store built in slices: its prices and the sample options that generate them. */
export interface Slice {
  options: SampleOptions;
  prices: number;
}

/** `total` prices over `days` days from FIRST_DAY, as slices of consecutive days of at most `batchSize` prices each. */
export function slices(total: number, days: number, batchSize: number): Slice[] {
  const count = Math.max(1, Math.ceil(total / batchSize));
  const out: Slice[] = [];
  for (let b = 0; b < count; b++) {
    const fromDay = Math.floor((b * days) / count);
    const toDay = Math.floor(((b + 1) * days) / count);
    const prices = Math.floor((total * (b + 1)) / count) - Math.floor((total * b) / count);
    out.push({ prices, options: { ...CATALOG, prices, dateFrom: addDays(FIRST_DAY, fromDay), days: toDay - fromDay } });
  }
  return out;
}

/** What `regionChains` reads of a catalog item: a region and its parent, or a port and its region. */
export type CatalogItem = Pick<RegionItem, 'type' | 'slug' | 'parent'> | Pick<PortItem, 'type' | 'code' | 'region'>;

/** For each port of a catalog, its regions from the top level down. */
export function regionChains(catalog: readonly CatalogItem[]): Map<string, string[]> {
  const parent = new Map<string, string | null>();
  for (const item of catalog) if (item.type === 'region') parent.set(item.slug, item.parent ?? null);
  const chains = new Map<string, string[]>();
  for (const item of catalog) {
    if (item.type !== 'port') continue;
    const chain: string[] = [];
    for (let at: string | null = item.region; at !== null; at = parent.get(at) ?? null) chain.unshift(at);
    chains.set(item.code, chain);
  }
  return chains;
}

/**
 * The in-process query mix: 31-day windows inside the data; port-to-port on one of the 100 most
 * popular routes; region-to-region from such a route, each side's region at a random level (area to
 * area down to coast to coast). The same seed gives the same queries in every script.
 */
export class QueryMix {
  readonly #random: () => number;
  readonly #routes = sampleRoutes(CATALOG).slice(0, 100);
  readonly #chains = regionChains(sampleCatalog(CATALOG));
  /** Levels of the deepest port's chain of regions. */
  readonly depth = Math.max(...[...this.#chains.values()].map((chain) => chain.length));

  constructor(seed: number, readonly days: number) {
    this.#random = mulberry32(seed);
  }

  #window(): { dateFrom: string; dateTo: string } {
    const dateFrom = addDays(FIRST_DAY, Math.floor(this.#random() * (this.days - 30)));
    return { dateFrom, dateTo: addDays(dateFrom, 30) };
  }

  port(): RatesQuery {
    const route = this.#routes[Math.floor(this.#random() * this.#routes.length)]!;
    return { ...this.#window(), origin: route.origin, destination: route.destination };
  }

  region(): RatesQuery {
    return this.regionWithLevel().query;
  }

  /** A region-to-region query and the level of its deeper side (1: area to area). */
  regionWithLevel(): { query: RatesQuery; level: number } {
    const route = this.#routes[Math.floor(this.#random() * this.#routes.length)]!;
    const from = this.#chains.get(route.origin)!;
    const to = this.#chains.get(route.destination)!;
    const fromLevel = Math.min(from.length, 1 + Math.floor(this.#random() * this.depth));
    const toLevel = Math.min(to.length, 1 + Math.floor(this.#random() * this.depth));
    return { query: { ...this.#window(), origin: from[fromLevel - 1]!, destination: to[toLevel - 1]! }, level: Math.max(fromLevel, toLevel) };
  }
}

/** The `GET /rates` path (with its query string) of a query. */
export function ratesPath(q: RatesQuery): string {
  return `/rates?${new URLSearchParams({ date_from: q.dateFrom, date_to: q.dateTo, origin: q.origin, destination: q.destination })}`;
}
