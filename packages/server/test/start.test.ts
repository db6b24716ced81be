import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createLogger } from '../src/logger.js';
import { startServer } from '../src/server.js';
import { slowRequest } from './helpers.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../../..');
const MAIN = join(ROOT, 'packages/server/dist/cli/main.js');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The `/rates?...` of the first `curl 'http://127.0.0.1:3000/rates?...'` in a file. */
function firstCurl(file: string): string {
  const match = /curl '(http:\/\/127\.0\.0\.1:3000)(\/rates\?[^']+)'/.exec(readFileSync(join(ROOT, file), 'utf8'));
  expect(match, `a curl in ${file}`).not.toBeNull();
  return match![2]!;
}

describe('the first start', () => {
  it('the curl in the README and the guide answers from the sample npm start seeds, and is the one the server logs', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const running = await startServer({ config: loadConfig({ env: {}, overrides: { memory: true, port: 0 } }), logger, seedIfEmpty: true });
    try {
      const logged = String(lines.find((line) => line.curl !== undefined)?.curl);
      for (const file of ['README.md', 'docs/guide.md']) {
        const path = firstCurl(file);
        expect(logged).toBe(`curl '${running.url}${path}'`);
        const rows = (await (await fetch(running.url + path)).json()) as Array<{ day: string; average_price: number | null }>;
        expect(rows).toHaveLength(10);
        expect(rows.filter((row) => row.average_price !== null).length).toBeGreaterThan(5);
      }
    } finally {
      await running.shutdown();
    }
  });

  it('the README\'s percentile query answers the quartiles it shows from the same sample', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const match = /curl 'http:\/\/127\.0\.0\.1:3000(\/v1\/rates\?[^']*percentiles=25,50,75)'\n# (\{.*)\n#\s+(.*)\n/.exec(readme);
    expect(match, 'a percentile curl in the README, with its answer').not.toBeNull();
    const running = await startServer({ config: loadConfig({ env: {}, overrides: { memory: true, port: 0 } }), logger: createLogger('silent'), seedIfEmpty: true });
    try {
      const body = (await (await fetch(running.url + match![1]!)).json()) as { rows: Array<{ count: number; min: number; max: number; percentiles: Record<string, number> }> };
      expect(body.rows).toHaveLength(10);
      const first = body.rows[0]!;
      expect(Object.keys(first.percentiles)).toEqual(['p25', 'p50', 'p75']);
      // What the README shows of the first row: its count, min and max exactly, the rest by their first digits.
      const shown = `${match![2]!}${match![3]!}`;
      expect(shown).toContain(`"count":${first.count},"min":${first.min},"max":${first.max}`);
      for (const [key, value] of Object.entries(first.percentiles)) expect(shown).toContain(`"${key}":${String(value).slice(0, 6)}…`);
    } finally {
      await running.shutdown();
    }
  });

  it('with percentileSketches: false in the config, the store keeps none: busy days answer null percentiles, the rest as before', async () => {
    const path = '/v1/rates?date_from=2016-01-01&date_to=2016-01-10&origin=USDLD&destination=china_east&percentiles=25,50,75';
    type Body = { rows: Array<{ count: number; min: number; max: number; average: number | null; percentiles: Record<string, number | null> }> };
    const answers: Body[] = [];
    for (const percentileSketches of [true, false]) {
      const running = await startServer({ config: loadConfig({ env: {}, overrides: { memory: true, port: 0, percentileSketches } }), logger: createLogger('silent'), seedIfEmpty: true });
      try {
        answers.push((await (await fetch(running.url + path)).json()) as Body);
      } finally {
        await running.shutdown();
      }
    }
    const [kept, off] = answers as [Body, Body];
    const busy = kept.rows.filter((row) => row.count >= 3 && row.min !== row.max);
    expect(busy.length).toBeGreaterThan(0);
    expect(busy.every((row) => Object.values(row.percentiles).every((value) => typeof value === 'number'))).toBe(true);
    expect(off.rows.map(({ percentiles: _, ...row }) => row)).toEqual(kept.rows.map(({ percentiles: _, ...row }) => row));
    for (const row of off.rows.filter((r) => r.count >= 3 && r.min !== r.max)) expect(row.percentiles).toEqual({ p25: null, p50: null, p75: null });
  });

  it('`ratestore dev` serves generated sample data from memory, writing nothing to disk', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ratestore-dev-'));
    dirs.push(cwd);
    const child = spawn(process.execPath, [MAIN, 'dev', '--port', '0', '--prices', '3000', '--ports', '30'], { cwd, env: { ...process.env, RATESTORE_DATA: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = once(child, 'exit');
    try {
      const curl = await new Promise<string>((resolveCurl, reject) => {
        let buffer = '';
        child.stdout.on('data', (chunk: Buffer) => {
          buffer += chunk.toString();
          const line = buffer.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.curl !== undefined);
          if (line !== undefined) resolveCurl(String(line.curl));
        });
        void exited.then(([code]) => reject(new Error(`ratestore dev exited with ${String(code)}`)));
      });
      const url = /^curl '([^']+)'$/.exec(curl)![1]!;
      const rows = (await (await fetch(url)).json()) as Array<{ average_price: number | null }>;
      expect(rows.some((row) => row.average_price !== null)).toBe(true);
      expect((await fetch(new URL('/readyz', url))).status).toBe(200);
      expect(existsSync(join(cwd, 'data'))).toBe(false);
    } finally {
      child.kill('SIGTERM');
    }
    expect((await exited)[0]).toBe(0);
  });
});

describe('the shutdown deadline', () => {
  it('cuts the requests still running at shutdown.deadlineMs, then closes the store', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    const config = loadConfig({ env: {}, overrides: { memory: true, port: 0, shutdown: { deadlineMs: 300, drainDelayMs: 0 } } });
    const running = await startServer({ config, logger });
    // An upload whose body would take 4 s more to arrive.
    const line = JSON.stringify({ type: 'region', slug: 'asia', name: 'Asia' }) + '\n';
    const stuck = slowRequest(`${running.url}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, pieces: [line, line, line], pauseMs: 2000 });
    const outcome = stuck.then((reply) => reply.status, (error: Error) => error.message);
    await new Promise((r) => setTimeout(r, 200));
    const started = Date.now();
    await running.shutdown();
    expect(Date.now() - started).toBeLessThan(1500);
    expect(await outcome).not.toBe(201);
    expect(running.store.status).not.toBe('open');
    expect(running.store.version).toBe(0);
    expect(lines.map((l) => l.msg)).toEqual(expect.arrayContaining(['draining', 'shutdown deadline reached: closing the remaining connections', 'stopped']));
  });
});
