import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Ratestore } from '@ratestore/core';
import { cli } from './helpers/cli.js';
import { dumpText, expectedPrices, model, portsUnder, tempDir } from './helpers/ratestask-dump.js';

const files = tempDir();
const data = `${files.dir}/data`;
let dumpBatch = '';
let csvBatch = '';

beforeAll(async () => {
  const dump = files.file('dump.sql', dumpText());
  const csv = files.file('extra.csv', 'origin,destination,day,price\nCNSGH,NLRTM,2016-01-05,100\nCNSGH,NLRTM,2016-01-05,200\n');
  const run = await cli(['import', dump, csv, '--data', data]);
  expect(run.code).toBe(0);
  dumpBatch = /dump\.sql: .*batch (\S+)/.exec(run.stdout)![1]!;
  csvBatch = /extra\.csv: .*batch (\S+)/.exec(run.stdout)![1]!;
});
afterAll(() => files.cleanup());

/** Runs `args` while the store is open elsewhere (as a running server holds it). */
async function expectLocked(args: string[]): Promise<void> {
  const holder = new Ratestore({ location: data });
  await holder.open();
  try {
    const run = await cli(args);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error RATESTORE_DATA_LOCKED: the data directory is in use by another process/);
  } finally {
    await holder.close();
  }
}

describe('ratestore rates', () => {
  it('prints a table, one row per day, null averages as -', async () => {
    const run = await cli(['rates', '--from', '2016-01-01', '--to', '2016-01-05', '--origin', 'china_east', '--destination', 'world', '--data', data]);
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe('china_east -> world, 2016-01-01 to 2016-01-05, data version 2; no average below 3 prices');
    expect(lines[1]).toMatch(/^day\s+average\s+count\s+min\s+max$/);
    expect(lines).toHaveLength(7);
    expect(lines[3]).toMatch(/^2016-01-02\s+-\s+0\s+-\s+-$/);
    expect(lines[4]).toMatch(/^2016-01-03\s+-\s+2\s+42\s+100500$/);
  });

  it('prints JSON with --json, honouring --min-count', async () => {
    const run = await cli(['rates', '--from', '2016-01-01', '--to', '2016-01-03', '--origin', 'china_east', '--destination', 'world', '--min-count', '2', '--json'], { env: { RATESTORE_DATA: data } });
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as { version: number; rows: Array<{ day: string; average: number | null; count: number }> };
    expect(result.version).toBe(2);
    const m = model(expectedPrices(), portsUnder('china_east'), portsUnder('world'), '2016-01-03');
    expect(result.rows[2]).toEqual({ day: '2016-01-03', average: m.sum / m.count, count: 2, min: 42, max: 100500 });
  });

  it('widens a thin lane with --widen, and says what the rows are for', async () => {
    const args = ['rates', '--from', '2016-01-05', '--to', '2016-01-05', '--origin', 'CNSGH', '--destination', 'NLRTM', '--min-count', '1000', '--data', data];
    const json = JSON.parse((await cli([...args, '--widen', '--json'])).stdout) as { origin_used: string; destination_used: string; rows: unknown[] };
    expect(json.origin_used === 'CNSGH' && json.destination_used === 'NLRTM').toBe(false);
    const used = JSON.parse((await cli(['rates', '--from', '2016-01-05', '--to', '2016-01-05', '--origin', json.origin_used, '--destination', json.destination_used, '--min-count', '1000', '--data', data, '--json'])).stdout) as { rows: unknown[] };
    expect(json.rows).toEqual(used.rows);
    const table = await cli([...args, '--widen']);
    expect(table.stdout.split('\n')[1]).toBe(`widened: rows are for ${json.origin_used} -> ${json.destination_used}`);
    expect(JSON.parse((await cli([...args, '--json'])).stdout)).not.toHaveProperty('origin_used');
    // A lane with enough prices is not widened, and the heading says so rather than naming it as widened.
    const enough = await cli([...args.slice(0, -4), '--min-count', '1', '--data', data, '--widen']);
    expect(enough.stdout.split('\n')[1]).toBe('not widened: rows are for the lane asked for');
  });

  it('adds the percentiles asked with --percentiles: columns p25 p50 p75 in the table, each row\'s "percentiles" in JSON', async () => {
    const args = ['rates', '--from', '2016-01-01', '--to', '2016-01-03', '--origin', 'china_east', '--destination', 'world', '--min-count', '2', '--data', data];
    const json = JSON.parse((await cli([...args, '--percentiles', '75,25,50', '--json'])).stdout) as { rows: Array<{ count: number; percentiles: Record<string, number | null> }> };
    // 2016-01-03 has two prices, 42 and 100500: every one of these percentiles is the lower, rank 0.
    expect(Object.keys(json.rows[2]!.percentiles)).toEqual(['p75', 'p25', 'p50']);
    for (const value of Object.values(json.rows[2]!.percentiles)) expect(Math.abs(value! - 42)).toBeLessThanOrEqual(0.42);
    expect(json.rows[1]).toMatchObject({ count: 0, percentiles: { p75: null, p25: null, p50: null } });
    const plain = JSON.parse((await cli([...args, '--json'])).stdout) as { rows: object[] };
    expect(json.rows.map(({ percentiles: _, ...row }) => row)).toEqual(plain.rows);
    const lines = (await cli([...args, '--percentiles', '75,25,50'])).stdout.trim().split('\n');
    expect(lines[1]).toMatch(/^day\s+average\s+count\s+min\s+max\s+p75\s+p25\s+p50$/);
    const cells = lines[4]!.split(/\s+/);
    expect(cells.slice(5).map(Number)).toEqual(['p75', 'p25', 'p50'].map((key) => Math.round(json.rows[2]!.percentiles[key]! * 100) / 100));
    expect(lines[3]).toMatch(/^2016-01-02\s+-\s+0\s+-\s+-\s+-\s+-\s+-$/);
  });

  it('reads an older version with --as-of', async () => {
    const latest = JSON.parse((await cli(['rates', '--from', '2016-01-05', '--to', '2016-01-05', '--origin', 'CNSGH', '--destination', 'NLRTM', '--data', data, '--json'])).stdout);
    const before = JSON.parse((await cli(['rates', '--from', '2016-01-05', '--to', '2016-01-05', '--origin', 'CNSGH', '--destination', 'NLRTM', '--data', data, '--json', '--as-of', '1'])).stdout);
    expect(latest.rows[0].count - before.rows[0].count).toBe(2);
    expect(before.version).toBe(1);
  });

  it.each([
    [['--from', '2016-02-30', '--to', '2016-03-01', '--origin', 'CNSGH', '--destination', 'NLRTM'], 'RATESTORE_INVALID_DATE', /--from must be a calendar date/],
    [['--from', '2016-03-01', '--to', '2016-02-30', '--origin', 'CNSGH', '--destination', 'NLRTM'], 'RATESTORE_INVALID_DATE', /--to must be a calendar date/],
    [['--from', '2016-03-02', '--to', '2016-03-01', '--origin', 'CNSGH', '--destination', 'NLRTM'], 'RATESTORE_DATE_RANGE_REVERSED', /--from 2016-03-02 is after --to 2016-03-01/],
    [['--from', '2016-01-01', '--to', '2017-03-01', '--origin', 'CNSGH', '--destination', 'NLRTM'], 'RATESTORE_RANGE_TOO_LONG', /spans 426 days/],
    [['--from', '2016-01-01', '--to', '2016-01-02', '--origin', 'CNSGH', '--destination', 'mars'], 'RATESTORE_UNKNOWN_LOCATION', /--destination "mars" is neither/],
    [['--from', '2016-01-01', '--to', '2016-01-02', '--origin', 'CNSGH', '--destination', 'NLRTM', '--as-of', '9'], 'RATESTORE_UNKNOWN_VERSION', /: --as-of: version 9 does not exist yet; the latest is/]
  ])('prints the store error code for %j, exit 1, naming the flags typed', async (args, code, message) => {
    const run = await cli(['rates', ...args, '--data', data]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(new RegExp(`^error ${code}: .+\\n$`));
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/dateFrom|dateTo|asOf/);
  });

  it('usage errors exit 2', async () => {
    const missing = await cli(['rates', '--from', '2016-01-01', '--to', '2016-01-02', '--origin', 'CNSGH', '--data', data]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^error RATESTORE_USAGE: required option '--destination <code>' not specified/);
    const count = await cli(['rates', '--from', '2016-01-01', '--to', '2016-01-02', '--origin', 'CNSGH', '--destination', 'NLRTM', '--min-count', '0', '--data', data]);
    expect(count.code).toBe(2);
    expect(count.stderr).toMatch(/--min-count must be a whole number of at least 1/);
    for (const list of ['0', '25,,50', '25,25', 'p50']) {
      const percentiles = await cli(['rates', '--from', '2016-01-01', '--to', '2016-01-02', '--origin', 'CNSGH', '--destination', 'NLRTM', '--percentiles', list, '--data', data]);
      expect(percentiles.code, list).toBe(2);
      expect(percentiles.stderr).toMatch(/^error RATESTORE_USAGE: .*--percentiles must be 1 to 9 distinct numbers, each above 0 and below 100/);
    }
  });

  it('says so when another process (a server) holds the store', async () => {
    await expectLocked(['batches', 'list', '--data', data]);
  });

  it('does not create a store that is not there', async () => {
    const run = await cli(['rates', '--from', '2016-01-01', '--to', '2016-01-02', '--origin', 'CNSGH', '--destination', 'NLRTM', '--data', `${files.dir}/none`]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error RATESTORE_DATA_NOT_FOUND: no store at .*none/);
  });
});

describe('ratestore serve', () => {
  const serve = (args: string[]) => cli(['serve', '--port', '0', '--log-level', 'silent', ...args]);

  it('reports a store another process holds as RATESTORE_DATA_LOCKED', async () => {
    await expectLocked(['serve', '--port', '0', '--log-level', 'silent', '--data', data]);
  });

  it('reports any other failure to open the store as RATESTORE_START_FAILED, with its cause', async () => {
    const run = await serve(['--data', files.file('not-a-directory', 'x')]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error RATESTORE_START_FAILED: .*failed to open \(EEXIST/);
  });

  it('reports configuration errors as RATESTORE_CONFIG and usage errors as RATESTORE_USAGE', async () => {
    const open = await serve(['--memory', '--host', '0.0.0.0']);
    expect(open.code).toBe(1);
    expect(open.stderr).toMatch(/^error RATESTORE_CONFIG: no API key is configured/);
    const port = await serve(['--memory', '--port', 'x']);
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/^error RATESTORE_USAGE: .*the port must be a number/);
  });
});

describe('ratestore batches', () => {
  it('lists the batch log as a table and as JSON', async () => {
    const table = await cli(['batches', 'list', '--data', data]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^version\s+committed at\s+prices\s+ports\s+regions\s+reverted by\s+batch id$/);
    expect(lines[1]).toContain(dumpBatch);
    expect(lines[2]).toMatch(new RegExp(`^\\s*2\\s+\\S+\\s+2\\s+0\\s+0\\s+-\\s+${csvBatch}$`));
    const json = JSON.parse((await cli(['batches', 'list', '--json', '--data', data])).stdout);
    expect(json.version).toBe(2);
    expect(json.batches.map((batch: { batch_id: string }) => batch.batch_id)).toEqual([dumpBatch, csvBatch]);
  });

  it('shows one batch, and --data may come before the subcommand', async () => {
    const run = await cli(['batches', '--data', data, 'show', csvBatch]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^batch\s+import:csv:/);
    expect(run.stdout).toMatch(/version\s+2\n/);
    expect(run.stdout).toMatch(/prices\s+2\n/);
    const json = JSON.parse((await cli(['batches', 'show', csvBatch, '--json', '--data', data])).stdout);
    expect(json).toMatchObject({ batch_id: csvBatch, version: 2, counts: { prices: 2, ports: 0, regions: 0 }, reverted_by: null, revertible: true });
    const unknown = await cli(['batches', 'show', 'no-such-batch', '--data', data]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe('error RATESTORE_UNKNOWN_BATCH: batch no-such-batch was never committed\n');
  });

  it('reverts a batch once; a second revert and a re-import say so', async () => {
    const run = await cli(['batches', 'revert', csvBatch, '--data', data]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(`reverted batch ${csvBatch} (version 2) as version 3\n`);
    const again = await cli(['batches', 'revert', csvBatch, '--data', data, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ batch_id: csvBatch, reverted_version: 2, version: 3 });
    expect((await cli(['batches', 'revert', csvBatch, '--data', data])).stdout).toMatch(/already reverted by version 3; nothing written/);
    const rates = JSON.parse((await cli(['rates', '--from', '2016-01-05', '--to', '2016-01-05', '--origin', 'CNSGH', '--destination', 'NLRTM', '--data', data, '--json'])).stdout);
    const before = JSON.parse((await cli(['rates', '--from', '2016-01-05', '--to', '2016-01-05', '--origin', 'CNSGH', '--destination', 'NLRTM', '--data', data, '--json', '--as-of', '1'])).stdout);
    expect(rates.rows).toEqual(before.rows);
    const reimport = await cli(['import', `${files.dir}/extra.csv`, '--data', data]);
    expect(reimport.stdout).toMatch(/already imported as version 2 .*\(reverted by version 3\); nothing written/);
    const unknown = await cli(['batches', 'revert', 'nope', '--data', data]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error RATESTORE_UNKNOWN_BATCH: /);
  });

  it('needs a subcommand', async () => {
    const run = await cli(['batches', '--data', data]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Usage: ratestore batches/);
  });
});
