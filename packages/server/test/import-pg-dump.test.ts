import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ratestore, type BatchItem } from '@ratestore/core';
import { ImportError } from '../src/import/errors.js';
import { readPgDump } from '../src/import/pg-dump.js';
import { decodeCopyField } from '../src/import/ratestask-schema.js';
import { DAYS, PORTS, REGIONS, dumpText, expectedPrices, model, portsUnder, tempDir } from './helpers/ratestask-dump.js';

async function collect(items: AsyncIterable<BatchItem>): Promise<BatchItem[]> {
  const all: BatchItem[] = [];
  for await (const item of items) all.push(item);
  return all;
}

describe('decodeCopyField', () => {
  it('resolves NULL and the COPY text escapes', () => {
    expect(decodeCopyField('\\N')).toBeNull();
    expect(decodeCopyField('plain')).toBe('plain');
    expect(decodeCopyField('a\\tb\\nc\\\\d\\re')).toBe('a\tb\nc\\d\re');
    expect(decodeCopyField('\\b\\f\\v')).toBe('\b\f\v');
    expect(decodeCopyField('Ume\\303\\245')).toBe('Umeå');
    expect(decodeCopyField('\\x41\\x4a')).toBe('AJ');
    expect(decodeCopyField('\\N\\N')).toBe('NN');
    expect(decodeCopyField('\\\\N')).toBe('\\N');
    expect(decodeCopyField('')).toBe('');
  });
});

describe('readPgDump', () => {
  const files = tempDir();
  afterAll(() => files.cleanup());

  it('streams the items PostgreSQL would restore, in file order', async () => {
    const items = await collect(readPgDump(files.file('dump.sql', dumpText())));
    const ports = items.filter((item) => item.type === 'port');
    const regions = items.filter((item) => item.type === 'region');
    const prices = items.filter((item) => item.type === undefined);
    expect(ports).toEqual(PORTS.map(({ code, name, region }) => ({ type: 'port', code, name, region })));
    expect(regions).toEqual(REGIONS.map((region) => ({ type: 'region', ...region })));
    const sort = (rows: unknown[]) => rows.map((row) => JSON.stringify(row)).sort();
    expect(sort(prices)).toEqual(sort(expectedPrices()));
    // Ports come first, as in the file; regions after the prices.
    expect(items[0]).toMatchObject({ type: 'port' });
    expect(items.findIndex((item) => item.type === 'region')).toBeGreaterThan(items.findIndex((item) => item.type === undefined));
  });

  it('reads CRLF line ends the same', async () => {
    const lf = await collect(readPgDump(files.file('lf.sql', dumpText())));
    const crlf = await collect(readPgDump(files.file('crlf.sql', dumpText({ crlf: true }))));
    expect(crlf).toEqual(lf);
  });

  it('applies a DELETE to the rows before it only, from COPY and from INSERTs alike', async () => {
    const dump = [
      'COPY prices (orig_code, dest_code, day, price) FROM stdin;',
      'AAAAA\tBBBBB\t2016-01-01\t1',
      'AAAAA\tBBBBB\t2016-01-02\t2',
      '\\.',
      "INSERT INTO prices VALUES ('AAAAA', 'BBBBB', '2016-01-01', 3);",
      "DELETE FROM prices WHERE day = date'2016-01-01';",
      "INSERT INTO prices VALUES ('AAAAA', 'BBBBB', '2016-01-01', 4); DELETE FROM prices WHERE day = '2016-1-2';",
      "INSERT INTO prices VALUES ('AAAAA', 'BBBBB', '2016-01-02', 5);",
      'TRUNCATE prices;',
      "INSERT INTO prices VALUES ('AAAAA', 'BBBBB', '2016-1-3', 6);",
      ''
    ].join('\n');
    const items = await collect(readPgDump(files.file('order.sql', dump)));
    expect(items).toEqual([{ origin: 'AAAAA', destination: 'BBBBB', day: '2016-01-03', price: 6 }]);
    const withoutTruncate = dump.replace('TRUNCATE prices;', '');
    const kept = await collect(readPgDump(files.file('order2.sql', withoutTruncate)));
    expect(kept.map((item) => (item as { price: number }).price)).toEqual([4, 5, 6]);
  });

  it('reports the line a tracker asks for, per item', async () => {
    const lines: number[] = [];
    const path = files.file('lines.sql', 'SET x = 1;\nCOPY regions (slug, name, parent_slug) FROM stdin;\na\tA\t\\N\nb\tB\ta\n\\.\n\nINSERT INTO regions VALUES (\'c\', \'C\');\n');
    const items = await collect(readPgDump(path, { tracker: { bytesRead: 0, item: (line) => lines.push(line) } }));
    expect(items).toEqual([
      { type: 'region', slug: 'a', name: 'A', parent: null },
      { type: 'region', slug: 'b', name: 'B', parent: 'a' },
      { type: 'region', slug: 'c', name: 'C', parent: null }
    ]);
    expect(lines).toEqual([3, 4, 7]);
  });

  const HEAD = 'CREATE TABLE t (a int);\n-- a comment\n';
  const REGION_COPY = 'COPY regions (slug, name, parent_slug) FROM stdin;\nr\tR\t\\N\n\\.\n';
  it.each([
    ['an UPDATE', `${HEAD}UPDATE prices SET price = 1 WHERE day = '2016-01-01';`, 3, /cannot apply "UPDATE prices SET price = 1/],
    ['a DELETE with another WHERE', `${HEAD}DELETE FROM prices WHERE orig_code = 'CNSGH';`, 3, /DELETE FROM prices WHERE day = date/],
    ['a DELETE of ports', `${HEAD}DELETE FROM ports WHERE code = 'CNSGH';`, 3, /never deletes ports/],
    ['a DELETE with a second condition', `${HEAD}DELETE FROM prices\n  WHERE day = '2016-01-01' AND price > 3;`, 3, /can be applied/],
    ['a COPY into another table', `${HEAD}COPY users (id) FROM stdin;\n1\n\\.`, 3, /only the tables ports, regions and prices, not users/],
    ['a COPY column the store lacks', `${HEAD}COPY prices (orig_code, dest_code, day, price, currency) FROM stdin;\n\\.`, 3, /no column currency/],
    ['a COPY from a file', `${HEAD}COPY prices FROM '/tmp/x.csv';`, 3, /only COPY \.\.\. FROM stdin/],
    ['an INSERT from a SELECT', `${HEAD}INSERT INTO prices SELECT * FROM old_prices;`, 3, /expected VALUES/],
    ['an INSERT with too few values', `${HEAD}INSERT INTO prices (orig_code, dest_code, day, price) VALUES ('AAAAA', 'BBBBB', '2016-01-01');`, 3, /3 values for 4 columns/],
    ['a DROP after data', `${REGION_COPY}DROP TABLE prices;`, 4, /DROP after data/],
    ['an unknown psql command', `${HEAD}\\i other.sql`, 3, /psql command/],
    ['a dump in LATIN1', `${HEAD}SET client_encoding = 'LATIN1';`, 3, /text is in LATIN1; only UTF-8 dumps are read \(dump again with pg_dump --encoding=UTF8\)/],
    ['a dump in WIN1252, SET ... TO', `${HEAD}SET SESSION client_encoding TO WIN1252;`, 3, /text is in WIN1252/],
    ['a psql \\encoding LATIN1', `${HEAD}\\encoding LATIN1`, 3, /text is in LATIN1/]
  ])('rejects %s, naming its line', async (_, text, line, message) => {
    const error = await collect(readPgDump(files.file('bad.sql', `${text}\n`))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportError);
    expect((error as ImportError).code).toBe('RATESTORE_IMPORT_UNSUPPORTED_STATEMENT');
    expect((error as ImportError).message).toMatch(message);
    expect((error as ImportError).line).toBe(line);
    expect((error as ImportError).message).toContain(`bad.sql:${line}: `);
  });

  it('skips a DROP before any data, as pg_dump --clean writes', async () => {
    const items = await collect(readPgDump(files.file('clean.sql', `DROP TABLE IF EXISTS public.regions;\n${REGION_COPY}`)));
    expect(items).toEqual([{ type: 'region', slug: 'r', name: 'R', parent: null }]);
  });

  it.each([
    ['an unterminated COPY', 'COPY regions (slug, name, parent_slug) FROM stdin;\na\tA\t\\N\n', /not ended by a line \\\./, 1],
    ['a COPY row with a missing field', 'COPY regions (slug, name, parent_slug) FROM stdin;\na\tA\n\\.\n', /has 2 fields, expected 3/, 2],
    ['a statement without ;', "SET x = 1;\nINSERT INTO regions VALUES ('a', 'A')\n", /has no closing ;/, 2],
    ['an unclosed string', "INSERT INTO regions VALUES ('a, 'A');\n", /quoted text is not closed/, 1]
  ])('rejects %s as an invalid file', async (_, text, message, line) => {
    const error = await collect(readPgDump(files.file('invalid.sql', text))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportError);
    expect((error as ImportError).code).toBe('RATESTORE_IMPORT_INVALID_FILE');
    expect((error as ImportError).message).toMatch(message);
    expect((error as ImportError).line).toBe(line);
  });

  it('honours standard_conforming_strings = off and E strings', async () => {
    const text = [
      "SET client_encoding = 'UTF8';",
      'SET standard_conforming_strings TO off;',
      "INSERT INTO regions VALUES ('a', 'It\\'s', NULL);",
      'SET standard_conforming_strings = on;',
      "INSERT INTO regions VALUES ('b', 'C:\\dir', NULL), ('c', E'tab\\there', 'b'), ('d', 'O''Neil', 'c');",
      ''
    ].join('\n');
    const items = await collect(readPgDump(files.file('strings.sql', text)));
    expect(items.map((item) => (item as { name: string }).name)).toEqual(["It's", 'C:\\dir', 'tab\there', "O'Neil"]);
  });

  it('reads octal and hex escapes of E strings as UTF-8 bytes, as COPY data', async () => {
    const text = [
      "INSERT INTO regions VALUES ('br', E'S\\303\\243o Paulo', NULL), ('se', E'Ume\\xc3\\xa5', NULL), ('mix', E'\\x41\\303\\251\\n\\u00e9', NULL);",
      "INSERT INTO ports VALUES ('BRSSZ', E'Santos \\342\\200\\224 S\\xC3\\xA3o Paulo', 'br');",
      ''
    ].join('\n');
    const items = await collect(readPgDump(files.file('bytes.sql', text)));
    expect(items.map((item) => (item as { name: string }).name)).toEqual(['São Paulo', 'Umeå', 'Aé\né', 'Santos — São Paulo']);
  });
});

describe('a dump that is not UTF-8', () => {
  const files = tempDir();
  afterAll(() => files.cleanup());
  const latin1 = (text: string) => Buffer.from(text, 'latin1');
  const expectBadLine = async (bytes: Uint8Array, line: number) => {
    const error = await collect(readPgDump(files.file('latin1.sql', bytes))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportError);
    expect((error as ImportError).code).toBe('RATESTORE_IMPORT_INVALID_FILE');
    expect((error as ImportError).message).toMatch(/not UTF-8 text/);
    expect((error as ImportError).line).toBe(line);
  };

  // Was a bug: Latin-1 bytes were read as U+FFFD, so "Umeå" was imported as "Ume\uFFFD".
  it('is refused at the line of its first bad bytes, in COPY rows and statements alike', async () => {
    await expectBadLine(latin1("SET x = 1;\nCOPY regions (slug, name, parent_slug) FROM stdin;\na\tA\t\\N\nse\tUme\u00e5\t\\N\n\\.\n"), 4);
    await expectBadLine(latin1("SET x = 1;\r\n\r\nINSERT INTO regions VALUES ('se', 'Ume\u00e5', NULL);\r\n"), 3);
    await expectBadLine(latin1("SET x = 1;\rSET y = 2;\rINSERT INTO regions VALUES ('se', 'Ume\u00e5', NULL);\r"), 3);
  });

  // Was a bug: a dump declaring LATIN1 with non-ASCII names failed the UTF-8 check at its first such
  // line, before its SET was read, without the way out the refusal gives.
  it('that says it is in another encoding is refused at that line, before its text is checked', async () => {
    const dump = "--\n-- PostgreSQL database dump\n--\nSET statement_timeout = 0;\nSET client_encoding = 'LATIN1';\nCOPY regions (slug, name, parent_slug) FROM stdin;\nse\tUme\u00e5\t\\N\n\\.\n";
    const error = await collect(readPgDump(files.file('declared.sql', latin1(dump)))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportError);
    expect((error as ImportError).code).toBe('RATESTORE_IMPORT_UNSUPPORTED_STATEMENT');
    expect((error as ImportError).message).toMatch(/text is in LATIN1; only UTF-8 dumps are read \(dump again with pg_dump --encoding=UTF8\)/);
    expect((error as ImportError).line).toBe(5);
  });

  it('is refused at its line past the first reads, and across a CRLF split between two reads', async () => {
    const READ_BYTES = 256 * 1024;
    // The first read ends with the CR of a CRLF; the bad bytes come two reads later.
    const head = `-- ${'x'.repeat(READ_BYTES - 4)}\r\n`;
    const lines = Array.from({ length: 40_000 }, (_, n) => `-- comment ${n}`);
    const text = `${head}${lines.join('\n')}\nINSERT INTO regions VALUES ('se', 'Ume\u00e5', NULL);\n`;
    expect(head.indexOf('\r')).toBe(READ_BYTES - 1);
    expect(text.length).toBeGreaterThan(2 * READ_BYTES);
    await expectBadLine(latin1(text), 2 + lines.length);
    // The same file in UTF-8 is read.
    const items = await collect(readPgDump(files.file('utf8.sql', text)));
    expect(items).toEqual([{ type: 'region', slug: 'se', name: 'Umeå', parent: null }]);
  });
});

describe('importing a ratestask dump into a store', () => {
  const files = tempDir();
  let store: Ratestore;
  beforeAll(async () => {
    store = new Ratestore({ location: `${files.dir}/data` });
    await store.open();
    await store.write(readPgDump(files.file('dump.sql', dumpText())), { batchId: 'dump' });
  });
  afterAll(async () => {
    await store.close();
    files.cleanup();
  });

  it('holds the restored ports, regions and tree', () => {
    expect(store.ports()).toEqual(PORTS.map(({ code, name, region }) => ({ code, name, region })).sort((a, b) => a.code.localeCompare(b.code)));
    expect(store.regions()).toEqual(REGIONS.map((region) => ({ ...region })).sort((a, b) => a.slug.localeCompare(b.slug)));
    const world = store.tree().find((node) => node.slug === 'world')!;
    expect(world.regions[0]!.slug).toBe('europe');
    expect(world.regions[0]!.regions[0]!.slug).toBe('north_europe');
    expect(world.regions[0]!.ports.map((port) => port.code)).toEqual(['GBFXT']);
  });

  it('answers every route like the restored database', async () => {
    const expected = expectedPrices();
    expect(store.batch('dump')!.counts).toEqual({ prices: expected.length, ports: PORTS.length, regions: REGIONS.length });
    const locations = ['CNSGH', 'CNNBO', 'NLRTM', 'DEHAM', 'GBFXT', 'china_east', 'asia', 'north_europe', 'europe', 'world'];
    for (const origin of locations) {
      for (const destination of locations) {
        const { rows } = await store.rates({ dateFrom: DAYS[0]!, dateTo: DAYS.at(-1)!, origin, destination, minCount: 1 });
        const want = DAYS.map((day) => {
          const m = model(expected, portsUnder(origin), portsUnder(destination), day);
          return { day, count: m.count, min: m.min, max: m.max, average: m.count === 0 ? null : m.sum / m.count };
        });
        expect(rows.map((row) => ({ ...row, average: row.average === null ? null : Math.round(row.average * 1e6) / 1e6 })), `${origin} -> ${destination}`)
          .toEqual(want.map((row) => ({ ...row, average: row.average === null ? null : Math.round(row.average * 1e6) / 1e6 })));
      }
    }
  });

  it('has no prices on a deleted day but those inserted after the DELETE', async () => {
    const { rows } = await store.rates({ dateFrom: '2016-01-02', dateTo: '2016-01-03', origin: 'china_east', destination: 'world' });
    expect(rows).toEqual([
      { day: '2016-01-02', average: null, count: 0, min: null, max: null },
      { day: '2016-01-03', average: null, count: 2, min: 42, max: 100500 }
    ]);
  });
});
