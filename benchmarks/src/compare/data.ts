/** Data and queries shared by both engines: the sample catalog, the query mix, dumps, answers. */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { sampleCatalog, samplePrices, sampleRoutes, type PriceItem, type RatesQuery, type Ratestore, type SampleOptions } from '@ratestore/core';
import { addDays, mulberry32, regionChains, type CatalogItem } from '../util.js';
import { copyField, type RateAnswer } from './postgres.js';

export const FIRST_DAY = '2016-01-01';
/** The catalog of every synthetic data set: 200 ports in a region tree 4 levels deep (as bench:core). */
export const CATALOG: SampleOptions = { seed: 1, ports: 200, depth: 4 };

/** A store of `total` prices over `days` days, as `batches` slices of consecutive days (as bench:core builds it). */
export interface Slice {
  options: SampleOptions;
  prices: number;
}

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

export function* slicePrices(list: Slice[]): Generator<PriceItem> {
  for (const slice of list) yield* samplePrices(slice.options);
}

/** Rounds half up to an integer, robust to float noise in exact averages (as the server's wire.ts). */
export function roundHalfUp(value: number): number {
  return Math.floor(Math.round(value * 1e6) / 1e6 + 0.5);
}

/** A Ratestore answer in the wire shape of `GET /rates`. */
export async function ratestoreAnswer(store: Ratestore, q: RatesQuery): Promise<RateAnswer[]> {
  const result = await store.rates(q);
  return result.rows.map((row) => ({ day: row.day, average_price: row.average === null ? null : roundHalfUp(row.average) }));
}

// ---------------------------------------------------------------------------------------------
// Queries

interface Geography {
  /** Region slug → parent slug. */
  parent: Map<string, string | null>;
  /** Port code → its regions from the top level down. */
  chains: Map<string, string[]>;
  depth: number;
  portCodes: string[];
  regionSlugs: string[];
}

export function geography(catalog: readonly CatalogItem[]): Geography {
  const parent = new Map<string, string | null>();
  for (const item of catalog) if (item.type === 'region') parent.set(item.slug, item.parent ?? null);
  const chains = regionChains(catalog);
  return {
    parent, chains, depth: Math.max(...[...chains.values()].map((chain) => chain.length)),
    portCodes: [...chains.keys()], regionSlugs: [...parent.keys()]
  };
}

/**
 * The benchmark's query mix, as bench:core: 31-day windows inside the data; port-to-port on one of the
 * 100 most popular routes; region-to-region from such a route, each side's region at a random level
 * (area to area down to coast to coast).
 */
export class QueryMix {
  readonly #random: () => number;
  readonly #routes = sampleRoutes(CATALOG).slice(0, 100);
  readonly #geo = geography(sampleCatalog(CATALOG));

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
    const route = this.#routes[Math.floor(this.#random() * this.#routes.length)]!;
    const from = this.#geo.chains.get(route.origin)!;
    const to = this.#geo.chains.get(route.destination)!;
    const fromLevel = Math.min(from.length, 1 + Math.floor(this.#random() * this.#geo.depth));
    const toLevel = Math.min(to.length, 1 + Math.floor(this.#random() * this.#geo.depth));
    return { ...this.#window(), origin: from[fromLevel - 1]!, destination: to[toLevel - 1]! };
  }
}

/**
 * Queries for the correctness cross-check, wider than the benchmark mix so that every rule is
 * exercised: any port or region on either side (including rare routes, so that many days have fewer
 * than 3 prices or none), windows of 1 to 31 days that may start before or run past the data.
 */
export function checkQueries(geo: Geography, firstDay: string, days: number, count: number, seed: number): RatesQuery[] {
  const random = mulberry32(seed);
  const pickOf = <T>(list: T[]): T => list[Math.floor(random() * list.length)]!;
  const side = (): string => {
    const code = pickOf(geo.portCodes);
    const chain = geo.chains.get(code)!;
    const level = Math.floor(random() * (chain.length + 1));
    return level === chain.length ? code : chain[level]!;
  };
  const out: RatesQuery[] = [];
  for (let i = 0; i < count; i++) {
    const length = 1 + Math.floor(random() * 31);
    const dateFrom = addDays(firstDay, Math.floor(random() * (days + 10)) - 5);
    out.push({ dateFrom, dateTo: addDays(dateFrom, length - 1), origin: side(), destination: side() });
  }
  return out;
}

/** Throws, naming the first differing day, when two answers differ. */
export function assertSame(q: RatesQuery, ours: RateAnswer[], theirs: RateAnswer[]): void {
  const a = JSON.stringify(ours);
  const b = JSON.stringify(theirs);
  if (a === b) return;
  const at = ours.findIndex((row, i) => JSON.stringify(row) !== JSON.stringify(theirs[i]));
  throw new Error(`CORRECTNESS MISMATCH for ${JSON.stringify(q)}: first difference at row ${at}: ` +
    `Ratestore ${JSON.stringify(ours[at])}, PostgreSQL ${JSON.stringify(theirs[at])} (${ours.length} vs ${theirs.length} rows)`);
}

// ---------------------------------------------------------------------------------------------
// Dumps

/**
 * Writes the sample as a ratestask dump (pg_dump plain format: tables, COPY sections in pg_dump's
 * order ports, prices, regions, then the keys). The price column is numeric because the sample's
 * prices carry cents; the importer of @ratestore/server skips the DDL either way.
 */
export async function writeSampleDump(path: string, list: Slice[]): Promise<number> {
  const out = createWriteStream(path);
  let buffer = '';
  const flush = async (force = false): Promise<void> => {
    if (buffer.length < 1 << 20 && !force) return;
    if (!out.write(buffer)) await once(out, 'drain');
    buffer = '';
  };
  const catalog = sampleCatalog(CATALOG);
  buffer += `--\n-- PostgreSQL database dump (ratestask schema), generated from the Ratestore sample\n--\n\n` +
    `SET statement_timeout = 0;\nSET client_encoding = 'UTF8';\nSET standard_conforming_strings = on;\n\n` +
    `CREATE TABLE ports (\n    code text NOT NULL,\n    name text NOT NULL,\n    parent_slug text NOT NULL\n);\n\n` +
    `CREATE TABLE prices (\n    orig_code text NOT NULL,\n    dest_code text NOT NULL,\n    day date NOT NULL,\n    price numeric(12,2) NOT NULL\n);\n\n` +
    `CREATE TABLE regions (\n    slug text NOT NULL,\n    name text NOT NULL,\n    parent_slug text\n);\n\n` +
    `COPY ports (code, name, parent_slug) FROM stdin;\n`;
  for (const item of catalog) if (item.type === 'port') buffer += `${copyField(item.code)}\t${copyField(item.name)}\t${copyField(item.region)}\n`;
  buffer += '\\.\n\n\nCOPY prices (orig_code, dest_code, day, price) FROM stdin;\n';
  let count = 0;
  for (const p of slicePrices(list)) {
    buffer += `${p.origin}\t${p.destination}\t${p.day}\t${p.price}\n`;
    count++;
    await flush();
  }
  buffer += '\\.\n\n\nCOPY regions (slug, name, parent_slug) FROM stdin;\n';
  for (const item of catalog) if (item.type === 'region') buffer += `${copyField(item.slug)}\t${copyField(item.name)}\t${copyField(item.parent ?? null)}\n`;
  buffer += '\\.\n\n\n' +
    'ALTER TABLE ONLY ports\n    ADD CONSTRAINT ports_pkey PRIMARY KEY (code);\n\n' +
    'ALTER TABLE ONLY regions\n    ADD CONSTRAINT regions_pkey PRIMARY KEY (slug);\n\n' +
    'ALTER TABLE ONLY ports\n    ADD CONSTRAINT ports_parent_slug_fkey FOREIGN KEY (parent_slug) REFERENCES regions(slug);\n\n' +
    'ALTER TABLE ONLY regions\n    ADD CONSTRAINT regions_parent_slug_fkey FOREIGN KEY (parent_slug) REFERENCES regions(slug);\n';
  await flush(true);
  out.end();
  await once(out, 'finish');
  return count;
}
