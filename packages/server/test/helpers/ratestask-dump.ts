import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A small dump in the ratestask format (as pg_dump 9.6 wrote ../shared/data/rates.sql), generated
 * here so no test depends on files outside the repository, with the expected restored data. Real
 * PostgreSQL restores it too (`psql -f` into a database with a schema `tasks`; see RESTORE_SCHEMA),
 * which is how the live-database import is tested against the same data.
 * Three-level region tree, ports COPYed before regions, NULL parents, COPY escapes, a port straight
 * under a middle region, and at the end statements that change the prices: an INSERT that a later
 * DELETE removes, two DELETEs of whole days, and INSERTs after them.
 */

/** The schema the dump's tables go into when PostgreSQL restores it (it must exist first, as with pg_dump's own dumps). */
export const RESTORE_SCHEMA = 'tasks';

export interface DumpPrice { origin: string; destination: string; day: string; price: number }

export const REGIONS = [
  { slug: 'world', name: 'World', parent: null },
  { slug: 'europe', name: 'Europe', parent: 'world' },
  { slug: 'north_europe', name: 'North Europe', parent: 'europe' },
  { slug: 'asia', name: 'Asia', parent: null },
  { slug: 'china_east', name: 'China East', parent: 'asia' }
] as const;

/** Ports with the names as stored (the dump holds them escaped). */
export const PORTS = [
  { code: 'CNSGH', name: 'Shanghai', region: 'china_east', copy: 'Shanghai' },
  { code: 'CNNBO', name: 'Ningbo Zhoushan', region: 'china_east', copy: 'Ningbo\\040Zhoushan' },
  { code: 'NLRTM', name: 'Rotterdam \\ Europoort', region: 'north_europe', copy: 'Rotterdam \\\\ Europoort' },
  { code: 'DEHAM', name: 'Hamburg-Hafen', region: 'north_europe', copy: 'Hamburg\\x2dHafen' },
  { code: 'SEUME', name: 'Umeå', region: 'north_europe', copy: 'Ume\\303\\245' },
  { code: 'GBFXT', name: 'Felixstowe', region: 'europe', copy: 'Felixstowe' }
] as const;

export const DAYS = ['2016-01-01', '2016-01-02', '2016-01-03', '2016-01-04', '2016-01-05'];

/** The COPY prices rows: a few routes, 1-4 prices a day, deterministic. */
export function copyPrices(): DumpPrice[] {
  const routes: Array<[string, string]> = [['CNSGH', 'NLRTM'], ['CNSGH', 'DEHAM'], ['CNNBO', 'NLRTM'], ['CNSGH', 'GBFXT'], ['CNNBO', 'SEUME'], ['NLRTM', 'CNSGH']];
  const prices: DumpPrice[] = [];
  let seed = 7;
  for (const day of DAYS) {
    for (const [origin, destination] of routes) {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      const n = 1 + (seed % 4);
      for (let i = 0; i < n; i++) prices.push({ origin, destination, day, price: 500 + ((seed >> (i * 3)) % 1500) });
    }
  }
  return prices;
}

/** The data PostgreSQL holds after restoring the dump. */
export function expectedPrices(): DumpPrice[] {
  let rows = copyPrices();
  rows.push({ origin: 'CNSGH', destination: 'NLRTM', day: '2016-01-02', price: 999 });
  rows = rows.filter((row) => row.day !== '2016-01-02');
  rows = rows.filter((row) => row.day !== '2016-01-03');
  rows.push({ origin: 'CNSGH', destination: 'GBFXT', day: '2016-01-03', price: 100500 });
  rows.push({ origin: 'CNNBO', destination: 'DEHAM', day: '2016-01-03', price: 42 });
  rows.push({ origin: 'DEHAM', destination: 'CNSGH', day: '2016-01-02', price: 1234 });
  return rows;
}

export function dumpText(options: { crlf?: boolean } = {}): string {
  const lines = [
    '--',
    '-- PostgreSQL database dump',
    '--',
    '',
    'SET statement_timeout = 0;',
    "SET client_encoding = 'UTF8';",
    'SET standard_conforming_strings = on;',
    `SELECT pg_catalog.set_config('search_path', '${RESTORE_SCHEMA}', false);`,
    '',
    '-- CREATE SCHEMA tasks;',
    'CREATE TABLE ports (',
    '    code text NOT NULL,',
    '    name text NOT NULL, -- a comment; with a semicolon',
    '    parent_slug text NOT NULL',
    ');',
    '',
    '/* a block comment; /* nested */ still comment; */',
    'CREATE TABLE prices (orig_code text NOT NULL, dest_code text NOT NULL, day date NOT NULL, price integer NOT NULL);',
    'CREATE TABLE regions (slug text NOT NULL, name text NOT NULL, parent_slug text);',
    "CREATE FUNCTION noop() RETURNS void AS $$ BEGIN PERFORM 1; END; $$ LANGUAGE plpgsql;",
    '',
    'COPY ports (code, name, parent_slug) FROM stdin;',
    ...PORTS.map((port) => `${port.code}\t${port.copy}\t${port.region}`),
    '\\.',
    '',
    'COPY prices (orig_code, dest_code, day, price) FROM stdin;',
    ...copyPrices().map((row) => `${row.origin}\t${row.destination}\t${row.day}\t${row.price}`),
    '\\.',
    '',
    '-- regions come after ports and prices, as pg_dump orders tables by name; columns in another order',
    'COPY regions (name, parent_slug, slug) FROM stdin;',
    ...REGIONS.map((region) => `${region.name}\t${region.parent ?? '\\N'}\t${region.slug}`),
    '\\.',
    '',
    'ALTER TABLE ONLY ports',
    '    ADD CONSTRAINT ports_pkey PRIMARY KEY (code);',
    'ALTER TABLE ONLY regions ADD CONSTRAINT regions_pkey PRIMARY KEY (slug);',
    'ALTER TABLE ONLY regions ADD CONSTRAINT regions_parent_slug_fkey FOREIGN KEY (parent_slug) REFERENCES regions(slug);',
    '',
    '-- PostgreSQL database dump complete',
    "INSERT INTO prices VALUES ('CNSGH', 'NLRTM', date'2016-01-02', 999);",
    "DELETE FROM prices WHERE day = date'2016-01-02';",
    "DELETE FROM tasks.prices WHERE day = '2016-01-03';",
    "INSERT INTO prices (orig_code, dest_code, day, price) VALUES ('CNSGH', 'GBFXT', DATE '2016-01-03', 100500),",
    "  ('CNNBO', 'DEHAM', '2016-01-03'::date, 42);",
    "INSERT INTO prices (day, price, orig_code, dest_code) VALUES (date'2016-01-02', 1234, E'DEHAM', 'CNSGH');"
  ];
  return lines.join(options.crlf === true ? '\r\n' : '\n') + (options.crlf === true ? '\r\n' : '\n');
}

/** A temporary directory for a test file; `cleanup()` removes it. */
export function tempDir(): { dir: string; file(name: string, text: string | Uint8Array): string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'ratestore-import-test-'));
  return {
    dir,
    file(name, text) {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true })
  };
}

/** Daily count, sum, min and max of the expected prices between two sets of ports. */
export function model(prices: DumpPrice[], origins: Set<string>, destinations: Set<string>, day: string) {
  const matching = prices.filter((row) => row.day === day && origins.has(row.origin) && destinations.has(row.destination)).map((row) => row.price);
  return {
    count: matching.length,
    sum: matching.reduce((a, b) => a + b, 0),
    min: matching.length === 0 ? null : Math.min(...matching),
    max: matching.length === 0 ? null : Math.max(...matching)
  };
}

/** The ports beneath a port code or region slug. */
export function portsUnder(location: string): Set<string> {
  if (PORTS.some((port) => port.code === location)) return new Set([location]);
  const slugs = new Set([location]);
  for (let grew = true; grew;) {
    grew = false;
    for (const region of REGIONS) {
      if (region.parent !== null && slugs.has(region.parent) && !slugs.has(region.slug)) {
        slugs.add(region.slug);
        grew = true;
      }
    }
  }
  return new Set(PORTS.filter((port) => slugs.has(port.region)).map((port) => port.code));
}
