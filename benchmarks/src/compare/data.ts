/**
 * What bench:compare needs beyond the shared sample (../sample.ts): Ratestore's answers in the wire
 * shape, the correctness cross-checks of both engines (averages; percentiles), and the sample written
 * as a ratestask dump.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type pg from 'pg';
import { sampleCatalog, samplePrices, type RatesQuery, type Ratestore, type SampleOptions } from '@ratestore/core';
import { dailyAveragesToWire, percentileKey } from '@ratestore/core/contract';
import { CATALOG, regionChains, type CatalogItem } from '../sample.js';
import { addDays, mulberry32 } from '../util.js';
import { copyField, exactPercentilesQuery, ratesQuery, type ExactPercentilesRow, type RateAnswer } from './postgres.js';

/** A Ratestore answer in the wire shape of `GET /rates`. */
export async function ratestoreAnswer(store: Ratestore, q: RatesQuery): Promise<RateAnswer[]> {
  return dailyAveragesToWire((await store.rates(q)).rows);
}

// ---------------------------------------------------------------------------------------------
// Queries

/**
 * Queries for the correctness cross-check, wider than the benchmark mix so that every rule is
 * exercised: any port or region on either side (including rare routes, so that many days have fewer
 * than 3 prices or none), windows of 1 to 31 days that may start before or run past the data.
 */
export function checkQueries(catalog: readonly CatalogItem[], firstDay: string, days: number, count: number, seed: number): RatesQuery[] {
  const chains = regionChains(catalog);
  const portCodes = [...chains.keys()];
  const random = mulberry32(seed);
  const pickOf = <T>(list: T[]): T => list[Math.floor(random() * list.length)]!;
  const side = (): string => {
    const code = pickOf(portCodes);
    const chain = chains.get(code)!;
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

/**
 * Asks both engines each of `queries` (the store in-process, PostgreSQL the canonical query) and
 * throws at the first answer that differs; otherwise returns how many queries and null days there were.
 */
export async function crossCheck(store: Ratestore, client: pg.Client, queries: RatesQuery[]): Promise<{ checked: number; nullDays: number }> {
  let nullDays = 0;
  for (const q of queries) {
    const ours = await ratestoreAnswer(store, q);
    const { rows } = await client.query<RateAnswer>(ratesQuery(q));
    assertSame(q, ours, rows);
    nullDays += ours.filter((row) => row.average_price === null).length;
  }
  return { checked: queries.length, nullDays };
}

/** How far a percentile may lie from the exact price: the engine's 1% (relative), and rounding of doubles. */
const PERCENTILE_TOLERANCE = { relative: 0.01, absolute: 1e-9 };

/**
 * Asks the store each of `queries` with `percentiles` (whole numbers) and PostgreSQL for each day's
 * exact prices at the ranks Ratestore's percentiles are defined by, floor(q/100 · (n − 1)) of the
 * day's n sorted prices; throws at the first day whose count differs, whose percentiles are null or
 * not (null below `minCount`, 3, prices), or one of whose percentiles is not within 1% (relative) of
 * the exact price. Returns how many queries, days with percentiles, and values were checked.
 */
export async function crossCheckPercentiles(store: Ratestore, client: pg.Client, queries: RatesQuery[], percentiles: readonly number[]):
  Promise<{ checked: number; days: number; values: number; worst: number }> {
  let days = 0;
  let values = 0;
  // The largest relative difference seen, for the report.
  let worst = 0;
  for (const q of queries) {
    const { rows } = await store.rates({ ...q, percentiles: [...percentiles] });
    const { rows: exactRows } = await client.query<ExactPercentilesRow>(exactPercentilesQuery(q, percentiles));
    const exact = new Map(exactRows.map((row) => [row.day, row]));
    const fail = (day: string, what: string): never => {
      throw new Error(`CORRECTNESS MISMATCH (percentiles) for ${JSON.stringify(q)} on ${day}: ${what}`);
    };
    for (const row of rows) {
      const theirs = exact.get(row.day);
      if (row.count !== (theirs?.n ?? 0)) fail(row.day, `Ratestore counts ${row.count} prices, PostgreSQL ${theirs?.n ?? 0}`);
      const ours = percentiles.map((p) => row.percentiles?.[percentileKey(p)]);
      if (theirs === undefined || row.count < 3) {
        if (ours.some((v) => v !== null)) fail(row.day, `${row.count} prices, yet percentiles ${JSON.stringify(row.percentiles)}`);
        continue;
      }
      days++;
      for (const [i, value] of ours.entries()) {
        const want = theirs.exact[i]!;
        if (typeof value !== 'number') fail(row.day, `p${percentiles[i]} is ${JSON.stringify(value)} with ${row.count} prices`);
        const off = Math.abs(value! - want);
        if (off > PERCENTILE_TOLERANCE.relative * want + PERCENTILE_TOLERANCE.absolute) {
          fail(row.day, `p${percentiles[i]} ${value} is not within 1% of the exact ${want} (rank ${Math.floor((percentiles[i]! * (row.count - 1)) / 100)} of ${row.count})`);
        }
        worst = Math.max(worst, off / want);
        values++;
      }
    }
  }
  return { checked: queries.length, days, values, worst };
}

/** Throws, naming the first differing day, when two answers differ. */
function assertSame(q: RatesQuery, ours: RateAnswer[], theirs: RateAnswer[]): void {
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
 * Writes the sample's catalog and the prices `prices` describes as a ratestask dump (pg_dump plain
 * format: tables, COPY sections in pg_dump's order ports, prices, regions, then the keys). The price
 * column is numeric because the sample's prices carry cents; the importer of @ratestore/server skips
 * the DDL either way.
 */
export async function writeSampleDump(path: string, prices: SampleOptions): Promise<void> {
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
  for (const p of samplePrices(prices)) {
    buffer += `${p.origin}\t${p.destination}\t${p.day}\t${p.price}\n`;
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
}
