/**
 * Helpers of the shared suite: opening tracked stores on a backend, a plain in-memory model of the
 * store that computes expected answers from the inputs, fixtures, and error assertions.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { afterEach, expect } from 'vitest';
import {
  RatestoreError, type BatchItem, type Port, type PriceItem, type RateRow, type RatesQuery, type Region, type RatestoreErrorCode
} from '../src/index.js';
import type { StoreFactory, StoreOptions, SuiteStore } from './stores.js';

export interface Stores<S extends SuiteStore> {
  /** Opens a new arrangement of stores; closed and cleaned up after the test. */
  open(options?: StoreOptions): Promise<S>;
  /** Closes `store` and opens it again on the same data (factories that keep data only). */
  reopen(store: S, options?: StoreOptions): Promise<S>;
}

/** Call inside a `describe`: everything opened through the result is closed and removed after each test. */
export function useStores<S extends SuiteStore>(factory: StoreFactory<S>): Stores<S> {
  afterEach(() => factory.cleanup());
  return {
    open: (options) => factory.open(options),
    reopen(store, options) {
      if (factory.reopen === undefined) throw new Error(`${factory.name} cannot reopen`);
      return factory.reopen(store, options);
    }
  };
}

/** Asserts that `action` throws or rejects with a RatestoreError of `code` (and `field`, when given). */
export async function expectCode(action: (() => unknown) | Promise<unknown>, code: RatestoreErrorCode, field?: string): Promise<RatestoreError> {
  let caught: unknown;
  try {
    await (typeof action === 'function' ? action() : action);
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(RatestoreError);
  const error = caught as RatestoreError;
  expect(error.code).toBe(code);
  if (field !== undefined) expect(error.field).toBe(field);
  expect(error.name).toBe('RatestoreError');
  expect(typeof error.message).toBe('string');
  return error;
}

// ---------------------------------------------------------------------------------------------
// Days

const DAY_MS = 86_400_000;

export function addDays(day: string, n: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Every day from `from` to `to`, inclusive, in order. */
export function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (let day = from; day <= to; day = addDays(day, 1)) days.push(day);
  return days;
}

// ---------------------------------------------------------------------------------------------
// A plain model of the store: the log of batches and reverts, replayed for any version.

type Entry = { kind: 'batch'; batchId: string; items: BatchItem[] } | { kind: 'revert'; batchId: string };

export interface ModelCatalog {
  ports: Map<string, Port>;
  regions: Map<string, Region>;
}

export class Model {
  readonly #log: Entry[] = [];

  get head(): number {
    return this.#log.length;
  }

  /** Records a committed batch; returns its version. */
  commit(batchId: string, items: readonly BatchItem[]): number {
    this.#log.push({ kind: 'batch', batchId, items: [...items] });
    return this.head;
  }

  /** Records a revert; returns its version. */
  revert(batchId: string): number {
    this.#log.push({ kind: 'revert', batchId });
    return this.head;
  }

  catalog(version = this.head): ModelCatalog {
    const ports = new Map<string, Port>();
    const regions = new Map<string, Region>();
    for (const entry of this.#log.slice(0, version)) {
      if (entry.kind !== 'batch') continue;
      for (const item of entry.items) {
        if (item.type === 'port') ports.set(item.code, { code: item.code, name: item.name, region: item.region });
        else if (item.type === 'region') regions.set(item.slug, { slug: item.slug, name: item.name, parent: item.parent ?? null });
      }
    }
    return { ports, regions };
  }

  prices(version = this.head): PriceItem[] {
    const entries = this.#log.slice(0, version);
    const reverted = new Set(entries.filter((entry) => entry.kind === 'revert').map((entry) => entry.batchId));
    const prices: PriceItem[] = [];
    for (const entry of entries) {
      if (entry.kind !== 'batch' || reverted.has(entry.batchId)) continue;
      for (const item of entry.items) if (item.type === undefined || item.type === 'price') prices.push(item);
    }
    return prices;
  }

  /** The rows `rates(query)` must return, computed from the inputs. */
  rows(query: RatesQuery): RateRow[] {
    const version = query.asOf ?? this.head;
    return expectedRows(this.prices(version), this.catalog(version), query);
  }
}

/** Whether `port` is `location` or lies beneath the region `location`, at any depth. */
export function within(catalog: ModelCatalog, port: string, location: string): boolean {
  if (port === location) return true;
  let region: string | null = catalog.ports.get(port)?.region ?? null;
  for (let steps = 0; region !== null && steps <= catalog.regions.size; steps++) {
    if (region === location) return true;
    region = catalog.regions.get(region)?.parent ?? null;
  }
  return false;
}

export function cents(price: number): number {
  return Math.round(price * 100);
}

/**
 * The row of one day with these prices. The average is the exact mean: the total in cents divided
 * once by count * 100, i.e. the double nearest to the true mean.
 */
export function row(day: string, prices: readonly number[], minCount = 3): RateRow {
  if (prices.length === 0) return { day, average: null, count: 0, min: null, max: null };
  const total = prices.reduce((sum, price) => sum + cents(price), 0);
  return {
    day,
    average: prices.length >= minCount ? total / (prices.length * 100) : null,
    count: prices.length,
    min: Math.min(...prices),
    max: Math.max(...prices)
  };
}

export function expectedRows(prices: readonly PriceItem[], catalog: ModelCatalog, query: RatesQuery): RateRow[] {
  const byDay = new Map<string, number[]>();
  for (const price of prices) {
    if (!within(catalog, price.origin, query.origin) || !within(catalog, price.destination, query.destination)) continue;
    const list = byDay.get(price.day) ?? [];
    list.push(price.price);
    byDay.set(price.day, list);
  }
  return daysBetween(query.dateFrom, query.dateTo).map((day) => row(day, byDay.get(day) ?? [], query.minCount ?? 3));
}

// ---------------------------------------------------------------------------------------------
// Fixtures

/**
 * A region tree four levels deep, with a second root; `north_europe` holds ports and a sub-region
 * at once. Regions come child first, as in a dump that does not sort them.
 *
 *   world ── asia ── east_asia (CNSHA, CNNGB)
 *        │       └─ south_east_asia (SGSIN)
 *        ├─ europe ── north_europe (NLRTM, DEHAM) ── baltic (PLGDN)
 *        │         └─ med (ESVLC)
 *        └─ americas (USLAX)
 *   oceania (AUSYD)
 */
export const TREE: BatchItem[] = [
  { type: 'region', slug: 'baltic', name: 'Baltic', parent: 'north_europe' },
  { type: 'region', slug: 'north_europe', name: 'North Europe', parent: 'europe' },
  { type: 'region', slug: 'med', name: 'Mediterranean', parent: 'europe' },
  { type: 'region', slug: 'europe', name: 'Europe', parent: 'world' },
  { type: 'region', slug: 'east_asia', name: 'East Asia', parent: 'asia' },
  { type: 'region', slug: 'south_east_asia', name: 'South East Asia', parent: 'asia' },
  { type: 'region', slug: 'asia', name: 'Asia', parent: 'world' },
  { type: 'region', slug: 'americas', name: 'Americas', parent: 'world' },
  { type: 'region', slug: 'world', name: 'World' },
  { type: 'region', slug: 'oceania', name: 'Oceania', parent: null },
  { type: 'port', code: 'CNSHA', name: 'Shanghai', region: 'east_asia' },
  { type: 'port', code: 'CNNGB', name: 'Ningbo', region: 'east_asia' },
  { type: 'port', code: 'SGSIN', name: 'Singapore', region: 'south_east_asia' },
  { type: 'port', code: 'NLRTM', name: 'Rotterdam', region: 'north_europe' },
  { type: 'port', code: 'DEHAM', name: 'Hamburg', region: 'north_europe' },
  { type: 'port', code: 'PLGDN', name: 'Gdansk', region: 'baltic' },
  { type: 'port', code: 'ESVLC', name: 'Valencia', region: 'med' },
  { type: 'port', code: 'USLAX', name: 'Los Angeles', region: 'americas' },
  { type: 'port', code: 'AUSYD', name: 'Sydney', region: 'oceania' }
];

export const PORTS = TREE.filter((item): item is Extract<BatchItem, { type: 'port' }> => item.type === 'port').map((item) => item.code);

export function price(origin: string, destination: string, day: string, value: number): PriceItem {
  return { origin, destination, day, price: value };
}

/** A small deterministic pseudo-random generator (mulberry32), so that data sets are repeatable. */
export function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `count` prices over the fixture's ports and the days from `from` on (`days` of them), with whole
 * dollar or 25-cent prices so that means over 1, 2 or 4 prices stay short decimals.
 */
export function randomPrices(seed: number, count: number, from: string, days: number, ports: readonly string[] = PORTS): PriceItem[] {
  const next = random(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]!;
  const prices: PriceItem[] = [];
  for (let i = 0; i < count; i++) {
    prices.push(price(pick(ports), pick(ports), addDays(from, Math.floor(next() * days)), 100 + Math.floor(next() * 4000) / 4));
  }
  return prices;
}

/** Compares rows exactly: the model computes each average as the double nearest the true mean. */
export function expectRows(actual: readonly RateRow[], expected: readonly RateRow[]): void {
  expect(actual).toEqual(expected);
}

export async function* asyncItems<T>(items: readonly T[]): AsyncGenerator<T> {
  for (const item of items) {
    await Promise.resolve();
    yield item;
  }
}

export function* syncItems<T>(items: readonly T[]): Generator<T> {
  yield* items;
}

/** Spill files (see spillDirectory) this process holds open: they are unlinked at once, so only its descriptors show them (Linux). */
export function openSpillFiles(): number {
  return readdirSync('/proc/self/fd').filter((fd) => {
    try {
      return readlinkSync(`/proc/self/fd/${fd}`).includes('ratestore-spill-');
    } catch {
      return false;
    }
  }).length;
}
