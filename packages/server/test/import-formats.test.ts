import { afterAll, describe, expect, it } from 'vitest';
import type { BatchItem } from '@ratestore/core';
import { ImportError } from '../src/import/errors.js';
import { readCsv, readNdjson } from '../src/import/items.js';
import { ImportSource, detectFormat, formatOf, hashFile, importBatchId, parseFormat } from '../src/import/source.js';
import { tempDir } from './helpers/ratestask-dump.js';

const files = tempDir();
afterAll(() => files.cleanup());

async function collect(items: AsyncIterable<BatchItem>): Promise<BatchItem[]> {
  const all: BatchItem[] = [];
  for await (const item of items) all.push(item);
  return all;
}

async function failure(items: AsyncIterable<BatchItem>): Promise<ImportError> {
  const error = await collect(items).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ImportError);
  return error as ImportError;
}

describe('format detection', () => {
  it('goes by the extension, case-insensitively', () => {
    expect(detectFormat('a/rates.sql')).toBe('sql');
    expect(detectFormat('RATES.CSV')).toBe('csv');
    expect(detectFormat('x.ndjson')).toBe('ndjson');
    expect(detectFormat('x.jsonl')).toBe('ndjson');
    expect(detectFormat('x.json')).toBeUndefined();
    expect(detectFormat('Makefile')).toBeUndefined();
  });

  it('takes an override, and names the fix when it cannot tell', () => {
    expect(formatOf('dump.txt', 'sql')).toBe('sql');
    expect(formatOf('prices.sql', 'csv')).toBe('csv');
    expect(parseFormat('pg-dump')).toBe('sql');
    expect(parseFormat('JSONL')).toBe('ndjson');
    expect(parseFormat('xml')).toBeUndefined();
    expect(() => formatOf('dump.txt')).toThrow(/--format sql\|csv\|ndjson/);
  });

  it('derives the batch id from the format and the content', async () => {
    const a = files.file('a.csv', 'origin,destination,day,price\n');
    const b = files.file('b-renamed.csv', 'origin,destination,day,price\n');
    const c = files.file('c.csv', 'origin,destination,day,price\r\n');
    expect(await hashFile(a)).toBe(await hashFile(b));
    expect(await hashFile(a)).not.toBe(await hashFile(c));
    expect(importBatchId('csv', await hashFile(a))).toMatch(/^import:csv:[0-9a-f]{64}$/);
  });
});

describe('readCsv', () => {
  it('streams prices, columns in any order, BOM and spaces ignored, bad prices passed on as text', async () => {
    const path = files.file('p.csv', '\ufeffday, price ,origin,destination\n2016-01-01,1234.5,CNSGH,NLRTM\n\n 2016-01-02 , 12 ,CNSGH,DEHAM\n2016-01-03,cheap,CNSGH,DEHAM\n');
    const lines: number[] = [];
    expect(await collect(readCsv(path, { tracker: { bytesRead: 0, item: (line) => lines.push(line) } }))).toEqual([
      { origin: 'CNSGH', destination: 'NLRTM', day: '2016-01-01', price: 1234.5 },
      { origin: 'CNSGH', destination: 'DEHAM', day: '2016-01-02', price: 12 },
      { origin: 'CNSGH', destination: 'DEHAM', day: '2016-01-03', price: 'cheap' }
    ]);
    expect(lines).toEqual([2, 4, 5]);
  });

  it('reads CRLF files', async () => {
    const lines: number[] = [];
    const path = files.file('crlf.csv', 'origin,destination,day,price\r\nA,B,2016-01-01,1\r\n\r\nA,B,2016-01-02,2\r\n');
    expect(await collect(readCsv(path, { tracker: { bytesRead: 0, item: (line) => lines.push(line) } }))).toEqual([
      { origin: 'A', destination: 'B', day: '2016-01-01', price: 1 },
      { origin: 'A', destination: 'B', day: '2016-01-02', price: 2 }
    ]);
    expect(lines).toEqual([2, 4]);
  });

  it('rejects a wrong header and a ragged row, with the line', async () => {
    const header = await failure(readCsv(files.file('h.csv', 'orig,dest,day,price\nA,B,2016-01-01,1\n')));
    expect(header.code).toBe('RATESTORE_IMPORT_INVALID_FILE');
    expect(header.message).toMatch(/header must name the columns origin,destination,day,price/);
    const ragged = await failure(readCsv(files.file('r.csv', 'origin,destination,day,price\nA,B,2016-01-01,1\nA,B,2016-01-01\n')));
    expect(ragged.code).toBe('RATESTORE_IMPORT_INVALID_FILE');
    expect(ragged.line).toBe(3);
  });

  it('rejects a missing file as unreadable', async () => {
    const error = await failure(readCsv(`${files.dir}/missing.csv`));
    expect(error.code).toBe('RATESTORE_IMPORT_UNREADABLE');
  });
});

describe('readNdjson', () => {
  it('streams any item type, skipping blank lines', async () => {
    const path = files.file('i.ndjson', [
      '{"type":"region","slug":"asia","name":"Asia"}',
      '',
      '{"type":"port","code":"CNSGH","name":"Shanghai","region":"asia"}',
      '{"origin":"CNSGH","destination":"CNSGH","day":"2016-01-01","price":5}',
      '  '
    ].join('\n'));
    expect(await collect(readNdjson(path))).toEqual([
      { type: 'region', slug: 'asia', name: 'Asia' },
      { type: 'port', code: 'CNSGH', name: 'Shanghai', region: 'asia' },
      { origin: 'CNSGH', destination: 'CNSGH', day: '2016-01-01', price: 5 }
    ]);
  });

  it('rejects a line that is not JSON, with the line', async () => {
    const error = await failure(readNdjson(files.file('bad.ndjson', '{"a":1}\n{"b":\n')));
    expect(error.code).toBe('RATESTORE_IMPORT_INVALID_FILE');
    expect(error.line).toBe(2);
    expect(error.message).toMatch(/bad\.ndjson:2: not a JSON value/);
  });
});

describe('ImportSource', () => {
  it('maps item positions to lines and counts bytes and items', async () => {
    const path = files.file('s.jsonl', '\n{"slug":"a"}\n\n{"slug":"b"}\n');
    const source = await ImportSource.open(path);
    expect(source.format).toBe('ndjson');
    expect(source.phase).toBe('waiting');
    await collect(source.read());
    expect(source.phase).toBe('done');
    expect(source.items).toBe(2);
    expect(source.bytesRead).toBe(source.size);
    expect([source.lineOf(0), source.lineOf(1), source.lineOf(2)]).toEqual([2, 4, undefined]);
  });

  it('grows its line index past its first block', async () => {
    const rows = Array.from({ length: 5000 }, (_, i) => `A,B,2016-01-01,${i + 1}`);
    const source = await ImportSource.open(files.file('many.csv', `origin,destination,day,price\n${rows.join('\n')}\n`));
    await collect(source.read());
    expect(source.items).toBe(5000);
    expect(source.lineOf(4999)).toBe(5001);
  });

  it('refuses a directory or a missing file before reading', async () => {
    await expect(ImportSource.open(`${files.dir}/nope.csv`)).rejects.toMatchObject({ code: 'RATESTORE_IMPORT_UNREADABLE' });
    await expect(ImportSource.open(files.dir, 'csv')).rejects.toMatchObject({ code: 'RATESTORE_IMPORT_UNREADABLE' });
  });
});
