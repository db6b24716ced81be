import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, storeAt } from './helpers/cli.js';
import { PORTS, REGIONS, dumpText, expectedPrices, tempDir } from './helpers/ratestask-dump.js';

const files = tempDir();
afterAll(() => files.cleanup());
const dump = files.file('ratestask.sql', dumpText());
const prices = expectedPrices().length;

describe('ratestore import', () => {
  it('imports a dump as one batch, printing the version and counts; a re-run writes nothing and says so', async () => {
    const data = `${files.dir}/data-a`;
    const first = await cli(['import', dump, '--data', data]);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`ratestask\\.sql: imported as version 1: ${prices} prices, ${PORTS.length} ports, ${REGIONS.length} regions in [\\d.]+ s`));
    expect(first.stdout).toMatch(/batch import:sql:[0-9a-f]{64}/);
    const again = await cli(['import', dump, '--data', data]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/already imported as version 1 .*nothing written/);
    // The same content under another name is the same batch.
    const copy = files.file('copy-of-dump.sql', dumpText());
    expect((await cli(['import', copy, '--data', data])).stdout).toMatch(/already imported as version 1/);
    const store = await storeAt(data);
    try {
      expect(store.version).toBe(1);
      expect(store.batches()).toHaveLength(1);
    } finally {
      await store.close();
    }
  });

  it('imports several files in order, each its own batch, --data from RATESTORE_DATA', async () => {
    const data = `${files.dir}/data-b`;
    const csv = files.file('more.csv', 'origin,destination,day,price\nCNSGH,NLRTM,2016-01-09,10\nCNSGH,NLRTM,2016-01-09,20\n');
    const ndjson = files.file('more.ndjson', '{"type":"port","code":"NLAMS","name":"Amsterdam","region":"north_europe"}\n{"origin":"CNSGH","destination":"NLAMS","day":"2016-01-09","price":30}\n');
    const run = await cli(['import', dump, csv, ndjson], { env: { RATESTORE_DATA: data } });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/more\.csv: imported as version 2: 2 prices, 0 ports, 0 regions/);
    expect(run.stdout).toMatch(/more\.ndjson: imported as version 3: 1 prices, 1 ports, 0 regions/);
    expect(run.stdout).toMatch(/is at version 3/);
    const rates = await cli(['rates', '--from', '2016-01-09', '--to', '2016-01-09', '--origin', 'CNSGH', '--destination', 'europe', '--json'], { env: { RATESTORE_DATA: data } });
    expect(JSON.parse(rates.stdout)).toEqual({ version: 3, origin: 'CNSGH', destination: 'europe', date_from: '2016-01-09', date_to: '2016-01-09', min_count: 3, rows: [{ day: '2016-01-09', average: 20, count: 3, min: 10, max: 30 }] });
  });

  it('--format overrides the extension', async () => {
    const data = `${files.dir}/data-c`;
    const txt = files.file('dump.txt', dumpText());
    const unknown = await cli(['import', txt, '--data', data]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error RATESTORE_IMPORT_UNKNOWN_FORMAT: .*dump\.txt: cannot tell the format.*--format/);
    expect(existsSync(data)).toBe(false);
    const run = await cli(['import', txt, '--data', data, '--format', 'pg-dump']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/imported as version 1/);
    const bad = await cli(['import', txt, '--data', data, '--format', 'xml']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^error RATESTORE_USAGE: option '--format <format>' argument 'xml' is invalid/);
  });

  it('rejects a file with bad items: prints them capped with the total and their lines, writes nothing, stops there', async () => {
    const data = `${files.dir}/data-d`;
    const rows = ['origin,destination,day,price', 'CNSGH,NLRTM,2016-01-01,5'];
    for (let i = 0; i < 30; i++) rows.push(`CNSGH,NLRTM,2016-02-30,${i + 1}`);
    rows.push('CNSGH,NLRTM,2016-01-01,-3');
    const bad = files.file('bad.csv', rows.join('\n') + '\n');
    const later = files.file('later.csv', 'origin,destination,day,price\n');
    expect((await cli(['import', dump, '--data', data])).code).toBe(0);
    const run = await cli(['import', bad, later, '--data', data]);
    expect(run.code).toBe(1);
    expect(run.stdout).not.toMatch(/imported/);
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^error RATESTORE_INVALID_BATCH: .*bad\.csv was rejected: 31 problems in its items; nothing written$/);
    expect(lines[1]).toMatch(/^ {2}item 1 \(line 3\): day RATESTORE_INVALID_DATE: /);
    expect(lines.filter((line) => line.startsWith('  item '))).toHaveLength(20);
    expect(run.stderr).toMatch(/\.\.\. and 11 more \(31 in all\)/);
    expect(run.stderr).toMatch(/not imported \(after the rejected file\): .*later\.csv/);
    const store = await storeAt(data);
    try {
      expect(store.version).toBe(1);
    } finally {
      await store.close();
    }
  });

  it('rejects a dump with a statement it cannot apply, naming the line, without a stack trace', async () => {
    const data = `${files.dir}/data-e`;
    const text = dumpText() + "UPDATE prices SET price = price * 2;\n";
    const bad = files.file('update.sql', text);
    const line = text.split('\n').length - 1;
    const run = await cli(['import', bad, '--data', data]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^error RATESTORE_IMPORT_UNSUPPORTED_STATEMENT: .*update\\.sql:${line}: cannot apply "UPDATE prices SET price = price \\* 2;"`));
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  // Was a bug: a refused import into a new directory left an empty store there, which later
  // commands took for one ("no batches yet" instead of RATESTORE_DATA_NOT_FOUND).
  it('leaves no store behind where a refused import made one; an existing store stays', async () => {
    const fresh = `${files.dir}/made/for/it`;
    const bad = files.file('refused.csv', 'origin,destination,day,price\nCNSGH,XXXXX,2016-01-01,5\n');
    expect((await cli(['import', bad, '--data', fresh])).code).toBe(1);
    expect(existsSync(`${files.dir}/made`)).toBe(false);
    const list = await cli(['batches', 'list', '--data', fresh]);
    expect(list.stderr).toMatch(/^error RATESTORE_DATA_NOT_FOUND/);
    const kept = `${files.dir}/data-kept`;
    expect((await cli(['import', dump, '--data', kept])).code).toBe(0);
    expect((await cli(['import', bad, '--data', kept])).code).toBe(1);
    expect(existsSync(`${kept}/CURRENT`)).toBe(true);
  });

  it('reports a missing file', async () => {
    const run = await cli(['import', `${files.dir}/nope.csv`, '--data', `${files.dir}/data-f`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error RATESTORE_IMPORT_UNREADABLE: .*nope\.csv: cannot read the file/);
  });

  it('usage errors exit 2 with a code', async () => {
    const run = await cli(['import']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error RATESTORE_USAGE: missing required argument 'sources'/);
    const unknown = await cli(['import', dump, '--bogus']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^error RATESTORE_USAGE: unknown option '--bogus'/);
  });
});

describe('ratestore import --dry-run', () => {
  it('checks a file without creating or changing the store', async () => {
    const data = `${files.dir}/dry-a`;
    const run = await cli(['import', dump, '--data', data, '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`ratestask\\.sql: valid: ${prices} prices, ${PORTS.length} ports, ${REGIONS.length} regions; would be imported as version 1 \\(dry run, nothing written\\)`));
    expect(existsSync(data)).toBe(false);
  });

  it('checks against the target store: its ports and regions count, its batches are recognised, nothing is written', async () => {
    const data = `${files.dir}/dry-b`;
    expect((await cli(['import', dump, '--data', data])).code).toBe(0);
    // Prices on ports only the store knows pass; an unknown port fails as it would for real.
    const good = files.file('dry-good.csv', 'origin,destination,day,price\nCNSGH,NLRTM,2016-03-01,7\n');
    const unknown = files.file('dry-unknown.csv', 'origin,destination,day,price\nCNSGH,XXYYZ,2016-03-01,7\n');
    const run = await cli(['import', dump, good, '--data', data, '--dry-run']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ratestask\.sql: already imported as version 1; an import would write nothing \(dry run\)/);
    expect(run.stdout).toMatch(/dry-good\.csv: valid: 1 prices, 0 ports, 0 regions; would be imported as version 2/);
    const rejected = await cli(['import', unknown, '--data', data, '--dry-run']);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toMatch(/item 0 \(line 2\): destination RATESTORE_UNKNOWN_PORT/);
    const store = await storeAt(data);
    try {
      expect(store.version).toBe(1);
      expect(store.batches()).toHaveLength(1);
    } finally {
      await store.close();
    }
  });
});

describe('import progress', () => {
  it('draws a bar with items/s when stdout is a terminal', async () => {
    const run = await cli(['import', dump, '--data', `${files.dir}/tty`], { tty: true });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/ratestask\.sql \[.*\] \d+% \| \w+ \| [\d,]+ rows \| [-\d,]+ rows\/s/);
    expect(run.stdout).toContain('\u001b[');
  });

  it('writes plain lines, no escape codes, otherwise', async () => {
    const rows = ['origin,destination,day,price'];
    for (let i = 0; i < 60_000; i++) rows.push(`CNSGH,NLRTM,2016-01-${String(1 + (i % 28)).padStart(2, '0')},${1 + (i % 999)}`);
    const big = files.file('big.csv', rows.join('\n') + '\n');
    const data = `${files.dir}/plain`;
    expect((await cli(['import', dump, '--data', data])).code).toBe(0);
    const run = await cli(['import', big, '--data', data], { progressIntervalMs: 20 });
    expect(run.code).toBe(0);
    expect(run.stdout).not.toContain('\u001b[');
    expect(run.stdout).toMatch(/big\.csv: (reading|committing), \d+% of the file, [\d,]+ rows, [-\d,]+ rows\/s\n/);
    expect(run.stdout).toMatch(/big\.csv: imported as version 2: 60,000 prices/);
  });
});
