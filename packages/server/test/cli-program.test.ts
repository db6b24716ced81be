/**
 * The `ratestore` program as a whole: usage errors at the top level, output into a closed pipe,
 * one JSON wire format with the HTTP API, `compact`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/ratestask-dump.js';
import { CLI, startServerProcess } from './server-process.js';

const files = tempDir();
afterAll(() => files.cleanup());
const data = `${files.dir}/data`;
const world = [
  '{"type":"region","slug":"asia","name":"Asia"}', '{"type":"region","slug":"europe","name":"Europe"}',
  '{"type":"port","code":"CNSGH","name":"Shanghai","region":"asia"}', '{"type":"port","code":"NLRTM","name":"Rotterdam","region":"europe"}'
].join('\n') + '\n';
const csv = 'origin,destination,day,price\n' + [100, 200, 300, 400].map((p) => `CNSGH,NLRTM,2016-01-0${p / 100},${p}\n`).join('');
let csvBatch = '';

beforeAll(async () => {
  const run = await cli(['import', files.file('world.ndjson', world), files.file('prices.csv', csv), '--data', data]);
  expect(run.code).toBe(0);
  csvBatch = /prices\.csv: .*batch (\S+)/.exec(run.stdout)![1]!;
});

describe('usage errors at the top level', () => {
  // Was a bug: these exited 1, printing commander's own `error: ...` without the code.
  it.each([
    [['bogus'], /^error RATESTORE_USAGE: unknown command 'bogus'/],
    [['--bogus'], /^error RATESTORE_USAGE: unknown option '--bogus'/],
    [['batchs', 'list'], /^error RATESTORE_USAGE: unknown command 'batchs'\n\(Did you mean batches\?\)/],
    [[], /^Usage: ratestore \[options\] \[command\]/]
  ])('%j: exit 2', async (args, message) => {
    const run = await cli(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(message);
  });

  it('the real process too, and --help and --version exit 0', async () => {
    const run = async (args: string[]) => {
      const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const [code] = await once(child, 'exit');
      return { code, stderr };
    };
    expect(await run(['bogus'])).toEqual({ code: 2, stderr: expect.stringMatching(/^error RATESTORE_USAGE: unknown command 'bogus'/) });
    expect(await run(['--help'])).toEqual({ code: 0, stderr: '' });
    expect(await run(['--version'])).toEqual({ code: 0, stderr: '' });
  });
});

describe('output into a pipe its reader closed', () => {
  // Was a bug: `ratestore batches list | head -1` ended in an EPIPE stack trace (exit 1).
  it.each([
    [['batches', 'list']],
    [['rates', '--from', '2016-01-01', '--to', '2016-12-31', '--origin', 'CNSGH', '--destination', 'NLRTM', '--json']]
  ])('%j: no stack trace, the command finishes (exit 0)', async (args) => {
    const child = spawn(process.execPath, [CLI, ...args, '--data', data], { stdio: ['ignore', 'pipe', 'pipe'] });
    // The reader goes away before the command writes a byte, as `head` does after its lines.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(child, 'exit');
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
  });
});

describe('--json speaks the HTTP API wire format', () => {
  // Was a bug: `batches show --json` printed the engine's camelCase (batchId, committedAt...).
  it('batches list, show and revert and rates print what the server answers', async () => {
    const rates = ['rates', '--from', '2016-01-01', '--to', '2016-01-05', '--origin', 'asia', '--destination', 'NLRTM', '--min-count', '1', '--json', '--data', data];
    const printed = {
      list: JSON.parse((await cli(['batches', 'list', '--json', '--data', data])).stdout),
      show: JSON.parse((await cli(['batches', 'show', csvBatch, '--json', '--data', data])).stdout),
      rates: JSON.parse((await cli(rates)).stdout)
    };
    expect(printed.show).toEqual({ batch_id: csvBatch, version: 2, counts: { prices: 4, ports: 0, regions: 0 }, committed_at: expect.any(String), reverted_by: null, revertible: true });
    const server = await startServerProcess({ data });
    let reverted: unknown;
    try {
      const get = async (path: string, method = 'GET') => (await fetch(server.url + path, { method })).json();
      expect(printed.list).toEqual(await get('/v1/batches'));
      expect(printed.show).toEqual(await get(`/v1/batches/${csvBatch}`));
      expect(printed.rates).toEqual(await get('/v1/rates?date_from=2016-01-01&date_to=2016-01-05&origin=asia&destination=NLRTM&min_count=1'));
      reverted = await get(`/v1/batches/${csvBatch}/revert`, 'POST');
    } finally {
      await server.stop();
    }
    // Reverting again answers the first result: the CLI prints what the server answered.
    const again = JSON.parse((await cli(['batches', 'revert', csvBatch, '--json', '--data', data])).stdout);
    expect(again).toEqual({ batch_id: csvBatch, reverted_version: 2, version: 3, reverted_at: expect.any(String) });
    expect(again).toEqual(reverted);
  });
});

describe('ratestore compact', () => {
  // Was missing: the README told users to run it after a large load.
  it('compacts LevelDB, folds history beyond --retain-versions, and prints the wire format with --json', async () => {
    const dir = `${files.dir}/compact`;
    expect((await cli(['import', files.file('c-world.ndjson', world), '--data', dir])).code).toBe(0);
    for (const day of ['01', '02', '03']) {
      expect((await cli(['import', files.file(`c-${day}.csv`, `origin,destination,day,price\nCNSGH,NLRTM,2016-01-${day},5\n`), '--data', dir])).code).toBe(0);
    }
    const rates = (asOf: string) => cli(['rates', '--from', '2016-01-01', '--to', '2016-01-03', '--origin', 'CNSGH', '--destination', 'NLRTM', '--min-count', '1', '--as-of', asOf, '--json', '--data', dir]);
    const head = JSON.parse((await rates('4')).stdout);

    const plain = await cli(['compact', '--data', dir]);
    expect(plain).toEqual({ code: 0, stderr: '', stdout: expect.stringMatching(new RegExp(`^store ${dir} at version 4: no history to fold; LevelDB compacted in [\\d.]+ s\\n$`)) });
    expect((await rates('1')).code).toBe(0);

    const folded = await cli(['compact', '--retain-versions', '1', '--data', dir]);
    expect(folded.stdout).toMatch(/at version 4: history folded through version 3 \(\d+ records removed, \d+ written\); LevelDB compacted/);
    const gone = await rates('2');
    expect([gone.code, gone.stderr]).toEqual([1, expect.stringMatching(/^error RATESTORE_VERSION_NOT_RETAINED: /)]);
    expect(JSON.parse((await rates('4')).stdout)).toEqual(head);

    const json = await cli(['compact', '--retain-versions', '0', '--json', '--data', dir]);
    expect(JSON.parse(json.stdout)).toEqual({ folded_through: 4, removed: expect.any(Number), written: expect.any(Number) });
    expect(JSON.parse((await rates('4')).stdout)).toEqual(head);
  });

  it('needs an existing store and a whole number', async () => {
    expect(await cli(['compact', '--data', `${files.dir}/none`])).toMatchObject({ code: 1, stderr: expect.stringMatching(/^error RATESTORE_DATA_NOT_FOUND: /) });
    expect(await cli(['compact', '--retain-versions', '-1', '--data', data])).toMatchObject({ code: 2, stderr: expect.stringMatching(/^error RATESTORE_USAGE: .*--retain-versions must be a whole number/) });
  });
});
