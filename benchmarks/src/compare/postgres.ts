/**
 * The PostgreSQL side of the comparison: a throwaway server (@ratestore/test-support's, with
 * benchmark settings), the ratestask schema with the covering index, COPY loads and the canonical query.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { PortItem, PriceItem, RatesQuery, RegionItem } from '@ratestore/core';
import type { DailyAverageWire } from '@ratestore/core/contract';
import { startThrowawayPostgres } from '@ratestore/test-support';
import type { OptionSpecs } from '../util.js';

/** The options that name a data set in PostgreSQL, for the processes that work on one. */
export const PG_OPTIONS = {
  url: { type: 'string', required: true, arg: 'URL', description: 'the PostgreSQL connection string' },
  schema: { type: 'string', required: true, arg: 'NAME', description: 'the schema of the data set' }
} as const satisfies OptionSpecs;

/**
 * Server settings for a benchmark on this machine (2 cores, 23 GiB RAM shared with other users).
 * Durability as in production, like Ratestore, which fsyncs its commits: fsync, synchronous_commit
 * and full_page_writes stay on.
 */
const PG_SETTINGS: Record<string, string> = {
  shared_buffers: '2GB',
  effective_cache_size: '8GB',
  work_mem: '64MB',
  maintenance_work_mem: '1GB',
  max_wal_size: '16GB',
  min_wal_size: '1GB',
  checkpoint_timeout: '30min',
  random_page_cost: '1.1',
  effective_io_concurrency: '200',
  jit: 'off',
  fsync: 'on',
  synchronous_commit: 'on',
  full_page_writes: 'on'
};

export interface Postgres {
  /** Connection string of the database to use. */
  url: string;
  /** Human-readable description for the report. */
  description: string;
  /** Settings as the server reports them. */
  settings: Record<string, string>;
  /** The postmaster's PID, when the server was started here (its processes' CPU can then be measured). */
  pid?: number;
  stop(): Promise<void>;
}

/** `DATABASE_URL` when set, otherwise a throwaway server on loopback (@ratestore/test-support) with PG_SETTINGS. */
export async function startPostgres(baseDir: string): Promise<Postgres> {
  const given = process.env.DATABASE_URL;
  if (given !== undefined && given !== '') {
    return { url: given, description: 'the server at DATABASE_URL', settings: await readSettings(given), stop: async () => undefined };
  }
  const server = await startThrowawayPostgres({ baseDir, settings: PG_SETTINGS });
  return {
    url: server.url,
    description: `throwaway ${server.version} (${server.bin}), PID ${server.pid}, data in ${server.dir} (same disk as the Ratestore stores)`,
    settings: await readSettings(server.url),
    pid: server.pid,
    stop: server.stop
  };
}

async function readSettings(url: string): Promise<Record<string, string>> {
  return withClient(url, async (client) => {
    const names = [...Object.keys(PG_SETTINGS), 'server_version', 'max_parallel_workers_per_gather', 'wal_level', 'lc_collate'];
    const { rows } = await client.query<{ name: string; setting: string }>(
      'SELECT name, current_setting(name) AS setting FROM pg_settings WHERE name = ANY($1)', [names]);
    return Object.fromEntries(rows.map((row) => [row.name, row.setting]));
  });
}

/** Runs `work` on a client of `url` with the server's default search_path, and ends the client. */
async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

// ---------------------------------------------------------------------------------------------
// Schema and loads. Each data set lives in its own schema, `ratestore_bench_*`, chosen per connection
// through search_path, so that DATABASE_URL can point at any database.

export const SCHEMA_PREFIX = 'ratestore_bench_';

/** The ratestask schema; prices carry cents here (numeric), as the sample's prices do. */
const TABLES_SQL = `
CREATE TABLE regions (slug text PRIMARY KEY, name text NOT NULL, parent_slug text REFERENCES regions(slug));
CREATE TABLE ports (code text PRIMARY KEY, name text NOT NULL, parent_slug text NOT NULL REFERENCES regions(slug));
CREATE TABLE prices (orig_code text NOT NULL, dest_code text NOT NULL, day date NOT NULL, price numeric(12,2) NOT NULL);`;

export const INDEX_SQL = 'CREATE INDEX prices_day_orig_dest ON prices (day, orig_code, dest_code) INCLUDE (price);';

/** A client whose search_path is the data set's schema. */
export async function connect(url: string, schema: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  await client.connect();
  return client;
}

export function poolFor(url: string, schema: string, max: number): pg.Pool {
  return new pg.Pool({ connectionString: url, options: `-c search_path=${schema}`, max });
}

/** Drops and creates `schema`, empty. */
export async function resetSchema(url: string, schema: string): Promise<void> {
  await dropSchema(url, schema);
  await withClient(url, (client) => client.query(`CREATE SCHEMA ${schema}`));
}

/** A fresh `schema` holding the tables, the covering index and `catalog`, no prices yet; returns a client on it. */
export async function createDataSet(url: string, schema: string, catalog: Array<RegionItem | PortItem>): Promise<pg.Client> {
  await resetSchema(url, schema);
  const client = await connect(url, schema);
  try {
    await client.query(`${TABLES_SQL} ${INDEX_SQL}`);
    await loadCatalog(client, catalog);
    return client;
  } catch (error) {
    await client.end();
    throw error;
  }
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  // Only the benchmark's own schemas: DATABASE_URL may point at a database that holds other data.
  if (!schema.startsWith(SCHEMA_PREFIX)) throw new Error(`refusing to touch schema ${schema}`);
  await withClient(url, (client) => client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
}

/** COPY text format of one field (the sample's strings hold no tabs, newlines or backslashes, but be safe). */
export function copyField(value: string | null): string {
  if (value === null) return '\\N';
  return /[\t\n\r\\]/.test(value) ? value.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r') : value;
}

/** Loads regions and ports (parents first). */
async function loadCatalog(client: pg.Client, catalog: Array<RegionItem | PortItem>): Promise<void> {
  await client.query('BEGIN');
  for (const item of catalog) {
    if (item.type === 'region') await client.query('INSERT INTO regions VALUES ($1, $2, $3)', [item.slug, item.name, item.parent ?? null]);
  }
  for (const item of catalog) {
    if (item.type === 'port') await client.query('INSERT INTO ports VALUES ($1, $2, $3)', [item.code, item.name, item.region]);
  }
  await client.query('COMMIT');
}

/** `COPY prices FROM STDIN` of `prices` in a transaction of its own (BEGIN, COPY, COMMIT), encoded as COPY text on the fly, in 256 KiB writes. */
export async function copyPrices(client: pg.Client, prices: Iterable<PriceItem>): Promise<number> {
  let count = 0;
  function* text(): Generator<string> {
    let buffer = '';
    for (const p of prices) {
      buffer += `${p.origin}\t${p.destination}\t${p.day}\t${p.price}\n`;
      count++;
      if (buffer.length >= 1 << 18) {
        yield buffer;
        buffer = '';
      }
    }
    if (buffer !== '') yield buffer;
  }
  await client.query('BEGIN');
  await pipeline(Readable.from(text(), { objectMode: false }), client.query(copyFrom('COPY prices (orig_code, dest_code, day, price) FROM STDIN')));
  await client.query('COMMIT');
  return count;
}

// ---------------------------------------------------------------------------------------------
// The canonical query: regions expanded to ports by a recursive CTE, GROUP BY day, left-joined to
// generate_series so every day of the range has a row; averages rounded half away from zero (= half
// up for positive prices), null below 3 prices. The percentile queries below share its expansion of
// the regions ($3 origin, $4 destination) and its selection of the range's prices ($1 to $2).

const PORTS_SQL = `
WITH RECURSIVE
  orig_regions(slug) AS (
    SELECT slug FROM regions WHERE slug = $3::text
    UNION SELECT r.slug FROM regions r JOIN orig_regions o ON r.parent_slug = o.slug),
  dest_regions(slug) AS (
    SELECT slug FROM regions WHERE slug = $4::text
    UNION SELECT r.slug FROM regions r JOIN dest_regions d ON r.parent_slug = d.slug),
  orig_ports AS (SELECT code FROM ports WHERE code = $3::text OR parent_slug IN (SELECT slug FROM orig_regions)),
  dest_ports AS (SELECT code FROM ports WHERE code = $4::text OR parent_slug IN (SELECT slug FROM dest_regions)),`;

const RANGE_PRICES_SQL = `
    FROM prices p
    WHERE p.day BETWEEN $1::date AND $2::date
      AND p.orig_code IN (SELECT code FROM orig_ports)
      AND p.dest_code IN (SELECT code FROM dest_ports)
    GROUP BY p.day)`;

const RATES_SQL = `${PORTS_SQL}
  daily AS (
    SELECT p.day, avg(p.price) AS average, count(*) AS n${RANGE_PRICES_SQL}
SELECT to_char(s.day, 'YYYY-MM-DD') AS day,
       CASE WHEN daily.n >= 3 THEN round(daily.average)::integer END AS average_price
FROM generate_series($1::date, $2::date, interval '1 day') AS s(day)
LEFT JOIN daily ON daily.day = s.day
ORDER BY s.day`;

/** One day of `GET /rates`, as the baseline service answers it: the contract's wire shape. */
export type RateAnswer = DailyAverageWire;

/** The canonical query as a named (server-side prepared) statement. */
export function ratesQuery(q: RatesQuery): pg.QueryConfig {
  return { name: 'ratestore_rates', text: RATES_SQL, values: [q.dateFrom, q.dateTo, q.origin, q.destination] };
}

/**
 * The canonical query with each day's percentiles too, as PostgreSQL computes them exactly:
 * `percentile_disc` of the fractions $5 over the day's prices, null below 3 prices like the average.
 * (percentile_disc answers the first price whose cumulative share reaches q/100, rank
 * ceil(q/100 · n) − 1, not quite the rank Ratestore answers; see exactPercentilesQuery.)
 */
const PERCENTILES_SQL = `${PORTS_SQL}
  daily AS (
    SELECT p.day, avg(p.price) AS average, count(*) AS n,
           percentile_disc($5::float8[]) WITHIN GROUP (ORDER BY p.price) AS percentiles${RANGE_PRICES_SQL}
SELECT to_char(s.day, 'YYYY-MM-DD') AS day,
       CASE WHEN daily.n >= 3 THEN round(daily.average)::integer END AS average_price,
       CASE WHEN daily.n >= 3 THEN daily.percentiles END AS percentiles
FROM generate_series($1::date, $2::date, interval '1 day') AS s(day)
LEFT JOIN daily ON daily.day = s.day
ORDER BY s.day`;

/** The canonical query with the days' `percentiles` (e.g. [25, 50, 75]), as a named prepared statement. */
export function percentilesQuery(q: RatesQuery, percentiles: readonly number[]): pg.QueryConfig {
  return { name: 'ratestore_percentiles', text: PERCENTILES_SQL, values: [q.dateFrom, q.dateTo, q.origin, q.destination, percentiles.map((p) => p / 100)] };
}

/**
 * For the cross-check: each day that has prices, its count and, for each whole percentile q of $5,
 * the price at rank floor(q · (n − 1) / 100) of its prices sorted ascending (0-based), in integer
 * arithmetic: the rank Ratestore's percentiles are defined by.
 */
const EXACT_PERCENTILES_SQL = `${PORTS_SQL}
  daily AS (
    SELECT p.day, count(*) AS n, array_agg(p.price ORDER BY p.price) AS sorted${RANGE_PRICES_SQL}
SELECT to_char(daily.day, 'YYYY-MM-DD') AS day, daily.n::integer AS n,
       ARRAY(SELECT daily.sorted[((u.q * (daily.n - 1)) / 100 + 1)::integer]::float8
             FROM unnest($5::integer[]) WITH ORDINALITY AS u(q, i) ORDER BY u.i) AS exact
FROM daily
ORDER BY daily.day`;

/** One day of exactPercentilesQuery's answer: the exact prices in USD, in the order of the percentiles asked. */
export interface ExactPercentilesRow { day: string; n: number; exact: number[] }

/** The exact percentiles (whole numbers, e.g. [25, 50, 75]) of each day of `q` that has prices. */
export function exactPercentilesQuery(q: RatesQuery, percentiles: readonly number[]): pg.QueryConfig {
  if (!percentiles.every(Number.isInteger)) throw new Error(`exact percentiles are computed for whole percentiles only, not ${percentiles.join(', ')}`);
  return { name: 'ratestore_exact_percentiles', text: EXACT_PERCENTILES_SQL, values: [q.dateFrom, q.dateTo, q.origin, q.destination, percentiles] };
}
