import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { prices, slowRequest, world } from './helpers.js';
import { CLI, startServerProcess, type ServerProcess } from './server-process.js';

const SLOW = resolve(fileURLToPath(import.meta.url), '../fixtures/slow-rates.mjs');

function request(url: string, options: { method?: string; body?: string; type?: string } = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return slowRequest(url, { method: options.method ?? 'GET', headers: options.body === undefined ? {} : { 'content-type': options.type ?? 'application/json' }, pieces: options.body === undefined ? [] : [options.body], pauseMs: 0 });
}

/** SIGTERM, then the exit code, or a note that it did not exit within 10 s (then SIGKILL). */
async function exitOnSigterm(server: ServerProcess): Promise<number | null | string> {
  server.process.kill('SIGTERM');
  const timeout = new Promise<string>((done) => setTimeout(() => done('still running after 10 s'), 10_000).unref());
  const code = await Promise.race([server.exited, timeout]);
  if (code !== 0) await server.kill();
  return code;
}

const ndjson = (items: unknown[]) => items.map((item) => JSON.stringify(item)).join('\n') + '\n';
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('graceful shutdown of a real server process', () => {
  it('SIGTERM during a staged upload and a slow query: both finish, later connections are refused, a restart completes the upload', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratestore-shutdown-'));
    dirs.push(dir);
    const data = join(dir, 'data');
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ shutdown: { drainDelayMs: 600, deadlineMs: 20_000 } }));
    const first = await startServerProcess({ data, args: ['--config', config], env: { RATESTORE_TEST_SLOW_RATES_MS: '1500' }, nodeArgs: ['--import', SLOW] });

    expect((await request(`${first.url}/v1/batches`, { method: 'POST', body: JSON.stringify([...world(), ...prices('CNSGH', 'NLRTM', '2016-01-01', [100, 200, 300])]) })).status).toBe(201);
    expect((await request(`${first.url}/v1/uploads`, { method: 'POST', body: JSON.stringify({ batch_id: 'deploy-1' }) })).status).toBe(201);
    expect((await request(`${first.url}/v1/uploads/deploy-1/chunks/0`, { method: 'PUT', body: ndjson(prices('CNSGH', 'DEHAM', '2016-01-02', [10, 20])), type: 'application/x-ndjson' })).status).toBe(200);

    // A chunk whose body takes ~1.6 s to arrive, and a query that takes 1.5 s.
    const line = ndjson(prices('CNSGH', 'DEHAM', '2016-01-02', [30]));
    const chunk = slowRequest(`${first.url}/v1/uploads/deploy-1/chunks/1`, { method: 'PUT', headers: { 'content-type': 'application/x-ndjson' }, pieces: Array.from({ length: 8 }, () => line), pauseMs: 200 });
    const query = request(`${first.url}/v1/rates?date_from=2016-01-01&date_to=2016-01-01&origin=CNSGH&destination=NLRTM&min_count=7`);
    await new Promise((r) => setTimeout(r, 300));
    const signalledAt = Date.now();
    first.process.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 150));

    // While draining (drainDelayMs): not ready, and responses close their connections.
    const ready = await request(`${first.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(JSON.parse(ready.body)).toEqual({ status: 'draining' });
    expect(ready.headers.connection).toBe('close');

    const [chunkReply, queryReply] = await Promise.all([chunk, query]);
    expect(chunkReply.status).toBe(200);
    expect(JSON.parse(chunkReply.body)).toEqual({ batch_id: 'deploy-1', chunk: 1, items: 8 });
    expect(chunkReply.headers.connection).toBe('close');
    expect(queryReply.status).toBe(200);
    expect(JSON.parse(queryReply.body).rows[0]).toMatchObject({ count: 3, average: null });
    expect(queryReply.headers.connection).toBe('close');

    // The listener closed after the drain delay: new connections are refused.
    await expect(fetch(`${first.url}/healthz`)).rejects.toMatchObject({ cause: { code: 'ECONNREFUSED' } });
    expect(await first.exited).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(10_000);
    const messages = first.lines.map((l) => l.msg);
    expect(messages).toContain('draining');
    expect(messages.at(-1)).toBe('stopped');
    // Every request line carries its request id.
    for (const l of first.lines.filter((l) => l.msg === 'request')) expect(l.req_id).toEqual(expect.any(String));

    // Nothing was lost: a restarted server has the committed batch and both staged chunks, and commits.
    const second = await startServerProcess({ data });
    try {
      const upload = JSON.parse((await request(`${second.url}/v1/uploads/deploy-1`)).body);
      expect(upload).toMatchObject({ state: 'staged', chunks: [0, 1] });
      const commit = await request(`${second.url}/v1/uploads/deploy-1/commit`, { method: 'POST' });
      expect(commit.status).toBe(201);
      expect(JSON.parse(commit.body)).toMatchObject({ batch_id: 'deploy-1', version: 2, counts: { prices: 10 } });
      const rates = JSON.parse((await request(`${second.url}/v1/rates?date_from=2016-01-01&date_to=2016-01-02&origin=CNSGH&destination=north_europe`)).body);
      expect(rates.rows.map((r: { count: number }) => r.count)).toEqual([3, 10]);
    } finally {
      second.process.kill('SIGINT');
      expect(await second.exited).toBe(0);
    }
  });

  it('exits on SIGTERM when nothing reads its log any more (`ratestore serve | head`)', async () => {
    const server = await startServerProcess();
    // The reader goes away: the next log line, the shutdown's, meets a closed pipe (EPIPE).
    server.process.stdout!.destroy();
    expect(await exitOnSigterm(server)).toBe(0);
  });

  it('answers and exits on SIGTERM while its log reader reads nothing (a full pipe)', async () => {
    const server = await startServerProcess();
    // The reader stops reading: after 64 KiB the pipe is full and every log line must wait.
    server.process.stdout!.pause();
    const long = 'a'.repeat(1000);
    for (let i = 0; i < 300; i++) {
      const response = await fetch(`${server.url}/v1/ports?pad=${long}`, { signal: AbortSignal.timeout(5_000) });
      expect(response.status).toBe(200);
      await response.text();
    }
    expect(await exitOnSigterm(server)).toBe(0);
  });

  it('refuses to start on a non-loopback address without keys', async () => {
    const child = spawn(process.execPath, [CLI, 'serve', '--memory', '--host', '0.0.0.0', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error RATESTORE_CONFIG: no API key is configured/);
  });

  // Was a bug: a start that failed (a port in use) left behind the store directory it had just made,
  // with an empty LevelDB in it, where a mistyped --data would later be mistaken for a store.
  it('a start that fails removes the data directory it created, and keeps one that was there', async () => {
    const busy = http.createServer().listen(0, '127.0.0.1');
    await once(busy, 'listening');
    const dir = mkdtempSync(join(tmpdir(), 'ratestore-failed-start-'));
    try {
      const start = async (data: string): Promise<string> => {
        const child = spawn(process.execPath, [CLI, 'serve', '--data', data, '--port', String((busy.address() as AddressInfo).port)], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stderr = '';
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        const [code] = await once(child, 'exit');
        expect(code).toBe(1);
        return stderr;
      };
      expect(await start(join(dir, 'new', 'store'))).toMatch(/^error RATESTORE_CONFIG: port: cannot listen on 127\.0\.0\.1:\d+: the port is in use; choose another \(--port, PORT\)/);
      expect(readdirSync(dir)).toEqual([]);
      mkdirSync(join(dir, 'mine'));
      writeFileSync(join(dir, 'mine', 'keep.txt'), 'x');
      await start(join(dir, 'mine'));
      expect(readdirSync(join(dir, 'mine'))).toContain('keep.txt');
    } finally {
      busy.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
