import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startThrowawayPostgres, type ThrowawayPostgres } from '@ratestore/test-support';
import { redactUrl } from '../src/import/postgres-source.js';
import { cli, storeAt } from './helpers/cli.js';
import { DAYS, PORTS, REGIONS, RESTORE_SCHEMA, dumpText, expectedPrices, tempDir } from './helpers/ratestask-dump.js';

/**
 * `ratestore import postgres://...` against a real PostgreSQL (a throwaway cluster on 127.0.0.1),
 * restored by psql from the same generated dump the dump importer is tested with: the store a live
 * import makes must equal the one the dump file makes.
 */

const files = tempDir();
let server: ThrowawayPostgres;
/** The restored ratestask database; its tables are in the schema `tasks`, reached through the URL's search_path. */
let restoredUrl: string;

async function sql(url: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** A new database of its own, with what `setup` creates in it; its URL. */
async function database(name: string, setup?: string): Promise<string> {
  await sql(server.url, `CREATE DATABASE ${name}`);
  const url = server.url.replace(/\/postgres$/, `/${name}`);
  if (setup !== undefined) await sql(url, setup);
  return url;
}

const SCHEMA = `CREATE TABLE regions (slug text PRIMARY KEY, name text NOT NULL, parent_slug text);
  CREATE TABLE ports (code text PRIMARY KEY, name text NOT NULL, parent_slug text NOT NULL);
  CREATE TABLE prices (orig_code text NOT NULL, dest_code text NOT NULL, day date NOT NULL, price integer NOT NULL);
  INSERT INTO regions VALUES ('asia', 'Asia', NULL), ('europe', 'Europe', NULL);
  INSERT INTO ports VALUES ('CNSGH', 'Shanghai', 'asia'), ('NLRTM', 'Rotterdam', 'europe');`;

/** Two stores hold the same ports, regions and daily rates between every pair of locations. */
async function expectSameStores(dirA: string, dirB: string, dateFrom: string, dateTo: string): Promise<void> {
  const [a, b] = [await storeAt(dirA), await storeAt(dirB)];
  try {
    expect(a.ports()).toEqual(b.ports());
    expect(a.regions()).toEqual(b.regions());
    const locations = [...a.ports().map((port) => port.code), ...a.regions().map((region) => region.slug)];
    for (const origin of locations) {
      for (const destination of locations) {
        const query = { dateFrom, dateTo, origin, destination, minCount: 1 };
        expect((await a.rates(query)).rows, `${origin} -> ${destination}`).toEqual((await b.rates(query)).rows);
      }
    }
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
}

beforeAll(async () => {
  server = await startThrowawayPostgres();
  await sql(server.url, `CREATE SCHEMA ${RESTORE_SCHEMA}`);
  execFileSync(join(server.bin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', server.url, '-f', files.file('ratestask.sql', dumpText())], { stdio: 'pipe' });
  restoredUrl = `${server.url}?options=-c%20search_path%3D${RESTORE_SCHEMA}`;
}, 120_000);

afterAll(async () => {
  await server?.stop();
  files.cleanup();
});

describe('ratestore import postgres://...', () => {
  it('imports the ratestask tables as one batch that equals the import of the dump PostgreSQL restored', async () => {
    const live = join(files.dir, 'live');
    const run = await cli(['import', restoredUrl, '--data', live]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`${restoredUrl}: imported as version 1: ${expectedPrices().length} prices, ${PORTS.length} ports, ${REGIONS.length} regions in `);
    expect(run.stdout).toMatch(/batch import:postgres:[0-9a-f]{64}\n/);

    const fromDump = join(files.dir, 'dump');
    expect((await cli(['import', join(files.dir, 'ratestask.sql'), '--data', fromDump])).code).toBe(0);
    await expectSameStores(live, fromDump, DAYS[0]!, DAYS.at(-1)!);
    const store = await storeAt(live);
    try {
      expect(store.ports().find((port) => port.code === 'SEUME')?.name).toBe('Umeå');
    } finally {
      await store.close();
    }
  });

  it('imports the example dump (examples/ratestask.sql) restored by psql as the file import does', async () => {
    const example = fileURLToPath(new URL('../../../examples/ratestask.sql', import.meta.url));
    const url = await database('example');
    execFileSync(join(server.bin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-d', url, '-f', example], { stdio: 'pipe' });
    const [live, fromFile] = [join(files.dir, 'example-live'), join(files.dir, 'example-file')];
    expect((await cli(['import', url, '--data', live])).stdout).toMatch(/imported as version 1: 166 prices, 8 ports, 6 regions/);
    expect((await cli(['import', example, '--data', fromFile])).stdout).toMatch(/imported as version 1: 166 prices, 8 ports, 6 regions/);
    await expectSameStores(live, fromFile, '2016-01-01', '2016-01-10');
  });

  it('names the batch by content: a second import, even after the rows were rewritten in another order, writes nothing', async () => {
    const data = join(files.dir, 'again');
    expect((await cli(['import', restoredUrl, '--data', data])).code).toBe(0);
    // Same rows, new physical order: the canonical hash must not change.
    await sql(restoredUrl, 'BEGIN; CREATE TEMP TABLE p AS SELECT * FROM prices ORDER BY price DESC; DELETE FROM prices; INSERT INTO prices SELECT * FROM p; COMMIT;');
    const again = await cli(['import', restoredUrl, '--data', data]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already imported as version 1 on .*; nothing written \(batch import:postgres:/);
    const dry = await cli(['import', restoredUrl, '--data', data, '--dry-run']);
    expect(dry.stdout).toMatch(/already imported as version 1; an import would write nothing \(dry run\)/);
  });

  it('--dry-run checks a database without writing', async () => {
    const data = join(files.dir, 'dry');
    const run = await cli(['import', restoredUrl, '--data', data, '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`valid: ${expectedPrices().length} prices, ${PORTS.length} ports, ${REGIONS.length} regions; would be imported as version 1 \\(dry run`));
    expect(existsSync(data)).toBe(false);
  });

  it('shows progress in rows while hashing and reading, and streams a large table', async () => {
    const url = await database('big', `${SCHEMA}
      INSERT INTO prices SELECT 'CNSGH', 'NLRTM', date '2016-01-01' + (i % 365), 100 + i % 900 FROM generate_series(1, 200000) AS i;`);
    const data = join(files.dir, 'big');
    const run = await cli(['import', url, '--data', data], { progressIntervalMs: 5 });
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/imported as version 1: 200,000 prices, 2 ports, 2 regions/);
    expect(run.stdout).toMatch(/\/big: (hashing|reading|committing), \d+% of the rows, [\d,]+ rows, [-\d,]+ rows\/s\n/);
    const store = await storeAt(data);
    try {
      const { rows } = await store.rates({ dateFrom: '2016-01-01', dateTo: '2016-12-30', origin: 'asia', destination: 'europe' });
      expect(rows.reduce((sum, row) => sum + row.count, 0)).toBe(200_000);
    } finally {
      await store.close();
    }
  });

  it('rejects a database with bad rows like a dump: the items with their table row, nothing written', async () => {
    const url = await database('bad', `${SCHEMA}
      INSERT INTO prices VALUES ('CNSGH', 'NLRTM', '2016-01-01', 10), ('CNSGH', 'NLRTM', '2016-01-01', -5), ('CNSGH', 'XXXXX', '2016-01-02', 7);`);
    const data = join(files.dir, 'bad');
    const run = await cli(['import', url, join(files.dir, 'ratestask.sql'), '--data', data]);
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toBe(`error RATESTORE_INVALID_BATCH: ${url} was rejected: 2 problems in its items; nothing written`);
    // Items are read regions (2), ports (2), then prices: item 5 is the second price row.
    expect(lines[1]).toMatch(/^ {2}item 5 \(prices row 2\): price RATESTORE_INVALID_PRICE: /);
    expect(lines[2]).toMatch(/^ {2}item 6 \(prices row 3\): destination RATESTORE_UNKNOWN_PORT: /);
    expect(lines[3]).toBe(`not imported (after the rejected file): ${join(files.dir, 'ratestask.sql')}`);
    const store = await storeAt(data);
    try {
      expect(store.version).toBe(0);
    } finally {
      await store.close();
    }
  });

  it('refuses an unreachable database with the URL but not its password, before touching the store', async () => {
    const url = `postgresql://importer:s3cret@127.0.0.1:${await freePort()}/rates`;
    const data = join(files.dir, 'unreachable');
    const run = await cli(['import', url, '--data', data]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error RATESTORE_IMPORT_UNREADABLE: postgresql:\/\/importer@127\.0\.0\.1:\d+\/rates: cannot connect to the database: .*ECONNREFUSED/);
    expect(run.stderr).not.toContain('s3cret');
    expect(existsSync(data)).toBe(false);
    const wrongDb = await cli(['import', server.url.replace(/\/postgres$/, '/nosuchdb'), '--data', data]);
    expect(wrongDb.stderr).toMatch(/^error RATESTORE_IMPORT_UNREADABLE: .*\/nosuchdb: cannot connect to the database: database "nosuchdb" does not exist \(3D000\)/);
  });

  it('refuses a database without the ratestask tables or columns, naming what is missing', async () => {
    const data = join(files.dir, 'missing');
    const empty = await cli(['import', server.url, '--data', data]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/^error RATESTORE_IMPORT_MISSING_TABLE: postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres: the database has no table regions in its search_path \("\$user", public\)/);
    const url = await database('nocolumn', 'CREATE TABLE regions (slug text, name text); CREATE TABLE ports (code text, name text, parent_slug text); CREATE TABLE prices (orig_code text, dest_code text, day date);');
    const noColumn = await cli(['import', url, '--data', data]);
    expect(noColumn.stderr).toMatch(/^error RATESTORE_IMPORT_MISSING_TABLE: .*: the table prices has no column price /);
    expect(existsSync(data)).toBe(false);
    // regions.parent_slug may be missing, as in a COPY without it: every region is then top-level.
    await sql(url, "ALTER TABLE prices ADD COLUMN price integer; INSERT INTO regions VALUES ('asia', 'Asia'); INSERT INTO ports VALUES ('CNSGH', 'Shanghai', 'asia');");
    expect((await cli(['import', url, '--data', data])).stdout).toMatch(/imported as version 1: 0 prices, 1 ports, 1 regions/);
  });
});

describe('redactUrl', () => {
  it('drops the password and keeps the rest', () => {
    expect(redactUrl('postgres://me:pw@db.example:5433/rates?sslmode=require')).toBe('postgres://me@db.example:5433/rates?sslmode=require');
    expect(redactUrl('postgresql://me@host/db')).toBe('postgresql://me@host/db');
    expect(redactUrl('postgres://me:p%40ss@host/db')).toBe('postgres://me@host/db');
  });
});
