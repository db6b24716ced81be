import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, isLoopback, loadConfig, parseApiKeys } from '../src/config.js';
import { checkExposure, startServer } from '../src/server.js';
import { createLogger } from '../src/logger.js';
import { prices, slowRequest, startTestServer, world, type TestServer } from './helpers.js';

const RATES = '/rates?date_from=2016-01-01&date_to=2016-01-02&origin=CNSGH&destination=NLRTM';
const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

describe('API keys and scopes', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ items: world(), config: { auth: { keys: parseApiKeys('s3cr3t:read+write+admin,viewer:read,writer:write,limited:read@2/60') } } });
  });
  afterAll(() => t.close());

  it('reads stay open without a key; writes need a write key (401 without, 403 with the wrong scope)', async () => {
    expect((await t.get(RATES)).status).toBe(200);
    const anonymous = await t.call('POST', '/v1/batches', { body: [] });
    expect(anonymous.body).toMatchObject({ status: 401, code: 'RATESTORE_UNAUTHORIZED' });
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await t.call('POST', '/v1/batches', { body: [], headers: bearer('viewer') })).body).toMatchObject({ status: 403, code: 'RATESTORE_FORBIDDEN' });
    expect((await t.call('POST', '/v1/batches', { body: prices('CNSGH', 'NLRTM', '2016-01-01', [1]), headers: bearer('writer'), })).status).toBe(201);
    expect((await t.call('POST', '/rates', { body: { date_from: '2016-01-01', date_to: '2016-01-01', origin_code: 'CNSGH', destination_code: 'NLRTM', price: 1 } })).status).toBe(401);
    expect((await t.call('PUT', '/v1/ports/NLRTM', { body: { name: 'R', region: 'europe' }, headers: bearer('viewer') })).status).toBe(403);
    expect((await t.call('POST', '/v1/uploads', { headers: bearer('viewer') })).status).toBe(403);
  });

  it('reverts need the admin scope', async () => {
    const batch = t.store.batches().at(-1)!.batchId;
    expect((await t.call('POST', `/v1/batches/${batch}/revert`, { headers: bearer('writer') })).body).toMatchObject({ status: 403, code: 'RATESTORE_FORBIDDEN' });
    expect((await t.call('POST', `/v1/batches/${batch}/revert`, { headers: bearer('s3cr3t') })).status).toBe(201);
  });

  it('a key that is sent must be valid, even for open reads', async () => {
    expect((await t.get(RATES, bearer('wrong'))).body).toMatchObject({ status: 401, code: 'RATESTORE_UNAUTHORIZED' });
    expect((await t.get(RATES, { authorization: 'Basic abc' })).status).toBe(401);
    expect((await t.get(RATES, bearer('viewer'))).status).toBe(200);
  });

  it('per-key rate limits answer 429 with Retry-After; other keys are unaffected', async () => {
    expect((await t.get(RATES, bearer('limited'))).status).toBe(200);
    expect((await t.get(RATES, bearer('limited'))).status).toBe(200);
    const limited = await t.get(RATES, bearer('limited'));
    expect(limited.body).toMatchObject({ status: 429, code: 'RATESTORE_RATE_LIMITED' });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers.get('retry-after'))).toBeLessThanOrEqual(30);
    for (let i = 0; i < 5; i++) expect((await t.get(RATES, bearer('viewer'))).status).toBe(200);
  });

  it('reads can require a key', async () => {
    const keyed = await startTestServer({ items: world(), config: { auth: { keys: parseApiKeys('viewer:read,writer:write'), readsNeedKey: true } } });
    try {
      expect((await keyed.get(RATES)).body).toMatchObject({ status: 401, code: 'RATESTORE_UNAUTHORIZED' });
      expect((await keyed.get('/v1/ports', bearer('writer'))).body).toMatchObject({ status: 403, code: 'RATESTORE_FORBIDDEN' });
      const ok = await keyed.get(RATES, bearer('viewer'));
      expect(ok.status).toBe(200);
      expect(ok.headers.get('vary')).toBe('Authorization');
      expect((await keyed.get('/healthz')).status).toBe(200);
    } finally {
      await keyed.close();
    }
  });
});

describe('admission of uploads', () => {
  it('runs N at once, queues a bounded number, answers 503 with Retry-After beyond; queries do not wait', async () => {
    const t = await startTestServer({ items: world(), config: { uploads: { concurrency: 1, queue: 1, retryAfterSeconds: 7 } } });
    try {
      const line = JSON.stringify({ origin: 'CNSGH', destination: 'NLRTM', day: '2016-01-01', price: 5 }) + '\n';
      const slow = (key: string) => slowRequest(`${t.url}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': key }, pieces: [line, line, line, line, line, line], pauseMs: 150 });
      const first = slow('slow-1');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const second = slow('slow-2');
      await new Promise((resolve) => setTimeout(resolve, 100));
      const refused = await t.call('POST', '/v1/batches', { body: prices('CNSGH', 'NLRTM', '2016-01-01', [1]) });
      expect(refused.body).toMatchObject({ status: 503, code: 'RATESTORE_OVERLOADED' });
      expect(refused.headers.get('retry-after')).toBe('7');
      const started = performance.now();
      const read = await t.get('/v1/rates?date_from=2016-01-01&date_to=2016-01-01&origin=CNSGH&destination=NLRTM');
      expect(read.status).toBe(200);
      expect(performance.now() - started).toBeLessThan(300);
      expect(t.context.admission.active).toBe(1);
      expect(t.context.admission.queued).toBe(1);
      const during = (await t.get('/metrics')).text;
      expect([/ratestore_uploads_active (\d+)/.exec(during)?.[1], /ratestore_uploads_queued (\d+)/.exec(during)?.[1]]).toEqual(['1', '1']);
      const [a, b] = await Promise.all([first, second]);
      expect([a.status, b.status]).toEqual([201, 201]);
      expect(JSON.parse(b.body).version).toBe(JSON.parse(a.body).version + 1);
      const after = (await t.get('/metrics')).text;
      expect(after).toMatch(/ratestore_uploads_refused_total 1/);
      expect([/ratestore_uploads_active (\d+)/.exec(after)?.[1], /ratestore_uploads_queued (\d+)/.exec(after)?.[1]]).toEqual(['0', '0']);
    } finally {
      await t.close();
    }
  });

  it('a body declared over the limit is 413 at once, not queued behind running uploads', async () => {
    const t = await startTestServer({ items: world(), config: { uploads: { concurrency: 1, queue: 0, retryAfterSeconds: 1 }, limits: { batchBodyBytes: 1000 } as never } });
    try {
      const line = JSON.stringify({ origin: 'CNSGH', destination: 'NLRTM', day: '2016-01-01', price: 5 }) + '\n';
      const running = slowRequest(`${t.url}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson' }, pieces: [line, line, line], pauseMs: 150 });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(t.context.admission.active).toBe(1);
      const big = await t.call('POST', '/v1/batches', { raw: line.repeat(30), type: 'application/x-ndjson' });
      expect(big.body).toMatchObject({ status: 413, code: 'RATESTORE_BODY_TOO_LARGE' });
      expect((await running).status).toBe(201);
    } finally {
      await t.close();
    }
  });
});

describe('exposure and configuration', () => {
  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '192.168.1.1']) expect(isLoopback(host), host).toBe(false);
  });

  it('refuses to start without keys on a non-loopback address', async () => {
    const config = loadConfig({ env: {}, overrides: { host: '0.0.0.0', memory: true, port: 0 } });
    expect(() => checkExposure(config)).toThrow(ConfigError);
    await expect(startServer({ config, logger: createLogger('silent') })).rejects.toThrow(/loopback/);
    expect(() => checkExposure({ ...config, auth: { keys: parseApiKeys('abcd:read'), readsNeedKey: false } })).not.toThrow();
  });

  it('starts on loopback without keys, and says so', async () => {
    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    const running = await startServer({ config: loadConfig({ env: {}, overrides: { memory: true, port: 0 } }), logger, seedIfEmpty: true, sample: { seed: 3, prices: 2000, ports: 20, days: 10 } });
    try {
      expect(lines.some((line) => /no API keys are configured/.test(line))).toBe(true);
      const curl = lines.map((line) => JSON.parse(line)).find((line) => line.curl !== undefined)?.curl as string;
      expect(curl).toMatch(/^curl 'http:\/\/127\.0\.0\.1:\d+\/rates\?date_from=2016-01-01&date_to=2016-01-10&origin=\w+&destination=\w+'$/);
      const rows = (await (await fetch(curl.slice(6, -1))).json()) as Array<{ average_price: number | null }>;
      expect(rows).toHaveLength(10);
      expect(rows.some((row) => row.average_price !== null)).toBe(true);
      const ready = await fetch(`${running.url}/readyz`);
      expect(ready.status).toBe(200);
    } finally {
      await running.shutdown();
    }
  });

  it('layers defaults, a config file, the environment and flags', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ratestore-config-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ port: 4000, cache: { control: 'no-cache' }, auth: { keys: [{ key: 'fromfile', scopes: ['read'], rateLimit: { requests: 5, perSeconds: 1 } }] } }));
    const config = loadConfig({ env: { RATESTORE_CONFIG: file, PORT: '4001', RATESTORE_API_KEYS: 's3cr3t:read+write+admin,viewer:read', RATESTORE_DATA: '/tmp/x' }, overrides: { host: '::1' } });
    expect(config.port).toBe(4001);
    expect(config.host).toBe('::1');
    expect(config.data).toBe('/tmp/x');
    expect(config.cache).toEqual({ control: 'no-cache', entries: 10_000 });
    expect(config.auth.keys.map((k) => [k.key, k.scopes])).toEqual([['fromfile', ['read']], ['s3cr3t', ['read', 'write', 'admin']], ['viewer', ['read']]]);
    expect(config.auth.keys[0]!.rateLimit).toEqual({ requests: 5, perSeconds: 1 });
    expect(() => parseApiKeys('nocolon')).toThrow(ConfigError);
    expect(() => parseApiKeys('k:read+root')).toThrow(/unknown scope/);
    expect(() => loadConfig({ env: { PORT: 'x' } })).toThrow(/PORT/);
    expect(() => loadConfig({ env: {}, overrides: { uploads: { concurrency: 0 } } })).toThrow(/uploads.concurrency/);
  });
});
