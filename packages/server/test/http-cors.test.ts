import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseApiKeys } from '../src/config.js';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/ratestask-dump.js';
import { prices, useTestServer, world, type TestServer } from './helpers.js';

const RATES = '/rates?date_from=2016-01-01&date_to=2016-01-02&origin=CNSGH&destination=NLRTM';
const APP = 'https://app.example.com';
const OTHER = 'https://evil.example.com';

/** The `Access-Control-*` headers of an answer. */
function corsHeaders(headers: Headers): Record<string, string> {
  return Object.fromEntries([...headers].filter(([name]) => name.startsWith('access-control-')));
}

/** A browser's preflight: OPTIONS with `Origin` and the method and headers the page asks for. */
async function preflight(t: TestServer, path: string, origin: string, method = 'POST', headers = 'authorization,content-type,idempotency-key'): Promise<Response> {
  const response = await fetch(t.url + path, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers }
  });
  await response.text();
  return response;
}

function list(value: string | null): string[] {
  return (value ?? '').split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '');
}

/** What an allowed preflight answers: the API's methods, the client's headers, a max-age. */
function expectPreflightAllowed(response: Response, origin: string): void {
  expect(response.status).toBe(204);
  expect(response.headers.get('access-control-allow-origin')).toBe(origin);
  expect(list(response.headers.get('access-control-allow-methods'))).toEqual(expect.arrayContaining(['get', 'head', 'post', 'put', 'delete']));
  expect(list(response.headers.get('access-control-allow-headers'))).toEqual(expect.arrayContaining(['authorization', 'content-type', 'idempotency-key', 'if-none-match']));
  expect(Number(response.headers.get('access-control-max-age'))).toBeGreaterThan(0);
}

describe('CORS off (the default)', () => {
  const server = useTestServer({ items: world() });

  it('sends no Access-Control-* headers, on reads or preflights', async () => {
    const t = server();
    expect(t.config.cors.origins).toEqual([]);
    const read = await t.get(RATES, { origin: APP });
    expect(read.status).toBe(200);
    expect(corsHeaders(read.headers)).toEqual({});
    expect(read.headers.get('vary')).toBeNull();
    const options = await preflight(t, '/v1/batches', APP);
    expect(options.status).not.toBe(204);
    expect(corsHeaders(options.headers)).toEqual({});
  });
});

describe('writes from pages of other sites', () => {
  // Was a bug: CORS kept a page of another site from reading answers, not from writing: a form's
  // POST (text/plain, no preflight) to a keyless server on loopback committed its batch.
  const server = useTestServer({ items: world(), config: { cors: { origins: [APP] } } });
  const rate = JSON.stringify({ date_from: '2016-01-01', date_to: '2016-01-01', origin_code: 'CNSGH', destination_code: 'NLRTM', price: 100 });

  it('are refused with 403 RATESTORE_CROSS_ORIGIN and write nothing; reads, the own origin, listed origins and requests without Origin go on', async () => {
    const t = server();
    const before = t.store.version;
    for (const [method, path, body] of [['POST', '/rates', rate], ['POST', '/v1/batches', '{"type":"region","slug":"evil","name":"Evil"}'], ['POST', '/v1/uploads', '{"batch_id":"evil"}'], ['POST', '/v1/batches/sample/revert', undefined], ['PUT', '/v1/regions/evil', '{"name":"Evil"}']] as const) {
      const response = await fetch(t.url + path, { method, headers: { origin: OTHER, 'content-type': 'text/plain' }, body });
      expect(response.status, `${method} ${path}`).toBe(403);
      expect(await response.json()).toMatchObject({ code: 'RATESTORE_CROSS_ORIGIN', status: 403 });
    }
    expect(t.store.version).toBe(before);
    expect((await fetch(t.url + RATES, { headers: { origin: OTHER } })).status).toBe(200);
    const write = (origin: string | undefined) => fetch(`${t.url}/v1/regions/r_${String(Math.random()).slice(2, 8)}`, { method: 'PUT', headers: { 'content-type': 'application/json', ...(origin === undefined ? {} : { origin }) }, body: '{"name":"R"}' });
    expect((await write(undefined)).status).toBe(201);
    expect((await write(APP)).status).toBe(201);
    expect((await write(new URL(t.url).origin)).status).toBe(201);
  });
});

describe('CORS for listed origins', () => {
  const server = useTestServer({ items: [...world(), ...prices('CNSGH', 'NLRTM', '2016-01-01', [1, 2, 3])], config: { cors: { origins: ['http://localhost:8080', APP] } } });

  it('an allowed origin gets its origin back and the readable headers on GET /rates, also from the cache and on 304', async () => {
    const t = server();
    for (let i = 0; i < 2; i++) {
      const read = await t.get(RATES, { origin: APP });
      expect(read.status).toBe(200);
      expect(read.headers.get('access-control-allow-origin')).toBe(APP);
      expect(list(read.headers.get('access-control-expose-headers'))).toEqual(expect.arrayContaining(['etag', 'x-ratestore-version', 'retry-after', 'x-request-id', 'idempotent-replayed', 'location']));
      expect(read.headers.get('access-control-allow-credentials')).toBeNull();
      expect(list(read.headers.get('vary'))).toContain('origin');
    }
    const etag = (await t.get(RATES, { origin: APP })).headers.get('etag')!;
    const notModified = await t.get(RATES, { origin: APP, 'if-none-match': etag });
    expect(notModified.status).toBe(304);
    expect(notModified.headers.get('access-control-allow-origin')).toBe(APP);
    const local = await t.get('/v1/ports', { origin: 'http://localhost:8080' });
    expect(local.headers.get('access-control-allow-origin')).toBe('http://localhost:8080');
  });

  it('answers preflights 204 for every route, with the methods, headers and max-age the client needs', async () => {
    const t = server();
    expectPreflightAllowed(await preflight(t, '/v1/batches', APP), APP);
    expectPreflightAllowed(await preflight(t, RATES, APP, 'GET', 'if-none-match'), APP);
    expectPreflightAllowed(await preflight(t, '/v1/uploads/feed-1/chunks/0', APP, 'PUT', 'authorization,content-type'), APP);
    expectPreflightAllowed(await preflight(t, '/v1/uploads/feed-1', APP, 'DELETE', 'authorization'), APP);
    const answer = await preflight(t, '/v1/batches', APP);
    expect(list(answer.headers.get('vary'))).toContain('origin');
    expect(answer.headers.get('content-length')).toBe('0');
  });

  it('a disallowed origin gets no CORS headers, but an ordinary answer (the browser blocks it)', async () => {
    const t = server();
    for (const origin of [OTHER, 'https://app.example.com:8443', 'http://app.example.com', 'null']) {
      const read = await t.get(RATES, { origin });
      expect(read.status, origin).toBe(200);
      expect(corsHeaders(read.headers), origin).toEqual({});
      expect(list(read.headers.get('vary')), origin).toContain('origin');
      const options = await preflight(t, '/v1/batches', origin);
      expect(options.status, origin).not.toBe(204);
      expect(options.status, origin).toBeLessThan(400);
      expect(corsHeaders(options.headers), origin).toEqual({});
    }
    const plain = await t.get(RATES);
    expect(corsHeaders(plain.headers)).toEqual({});
  });

  it('writes from an allowed origin carry the headers, the exposed ones included', async () => {
    const t = server();
    const headers = { origin: APP, 'idempotency-key': 'cors-write' };
    const first = await t.call('POST', '/v1/batches', { body: prices('CNSGH', 'NLRTM', '2016-01-02', [4]), headers });
    expect(first.status).toBe(201);
    expect(first.headers.get('access-control-allow-origin')).toBe(APP);
    const replay = await t.call('POST', '/v1/batches', { body: prices('CNSGH', 'NLRTM', '2016-01-02', [4]), headers });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(list(replay.headers.get('access-control-expose-headers'))).toContain('idempotent-replayed');
  });
});

describe('CORS for any origin ("*")', () => {
  const server = useTestServer({ items: world(), config: { cors: { origins: ['*'] } } });

  it('answers every origin with Access-Control-Allow-Origin: *', async () => {
    const t = server();
    for (const origin of [APP, OTHER, 'http://localhost:5173']) {
      const read = await t.get(RATES, { origin });
      expect(read.status).toBe(200);
      expect(read.headers.get('access-control-allow-origin')).toBe('*');
      expect(list(read.headers.get('access-control-expose-headers'))).toContain('etag');
      expectPreflightAllowed(await preflight(t, '/v1/batches', origin), '*');
    }
    expect(corsHeaders((await t.get(RATES)).headers)).toEqual({});
  });
});

describe('CORS with API keys', () => {
  const server = useTestServer({
    items: world(),
    config: { auth: { keys: parseApiKeys('viewer:read@1/3600,writer:write'), readsNeedKey: true }, cors: { origins: [APP] } }
  });

  it('preflights need no key, take nothing from a rate limit; the requests themselves still need one', async () => {
    const t = server();
    for (let i = 0; i < 5; i++) expectPreflightAllowed(await preflight(t, RATES, APP, 'GET', 'authorization'), APP);
    expectPreflightAllowed(await preflight(t, '/v1/batches/x/revert', APP), APP);
    const anonymous = await t.get(RATES, { origin: APP });
    expect(anonymous.body).toMatchObject({ status: 401, code: 'RATESTORE_UNAUTHORIZED' });
    expect(anonymous.headers.get('access-control-allow-origin')).toBe(APP);
    expect(list(anonymous.headers.get('access-control-expose-headers'))).toContain('www-authenticate');
    const keyed = await t.get(RATES, { origin: APP, authorization: 'Bearer viewer' });
    expect(keyed.status).toBe(200);
    expect(keyed.headers.get('access-control-allow-origin')).toBe(APP);
    expect(list(keyed.headers.get('vary'))).toEqual(expect.arrayContaining(['origin', 'authorization']));
    const limited = await t.get(RATES, { origin: APP, authorization: 'Bearer viewer' });
    expect(limited.body).toMatchObject({ status: 429, code: 'RATESTORE_RATE_LIMITED' });
    expect(limited.headers.get('access-control-allow-origin')).toBe(APP);
    expect(list(limited.headers.get('access-control-expose-headers'))).toContain('retry-after');
    const write = await t.call('POST', '/v1/batches', { body: [], headers: { origin: APP, authorization: 'Bearer viewer' } });
    expect(write.body).toMatchObject({ status: 403, code: 'RATESTORE_FORBIDDEN' });
  });
});

describe('CORS configuration', () => {
  const files = tempDir();
  afterAll(() => files.cleanup());
  let written = 0;
  const configFile = (content: unknown): string => files.file(`config-${++written}.json`, JSON.stringify(content));

  it('comes from the config file, or RATESTORE_CORS_ORIGINS (comma-separated) in its place', () => {
    expect(loadConfig({ env: {} }).cors).toEqual({ origins: [] });
    const file = configFile({ cors: { origins: [APP, '*'] } });
    expect(loadConfig({ env: { RATESTORE_CONFIG: file } }).cors.origins).toEqual([APP, '*']);
    const env = { RATESTORE_CONFIG: file, RATESTORE_CORS_ORIGINS: ` ${APP}, http://localhost:8080 ,${APP}` };
    expect(loadConfig({ env }).cors.origins).toEqual([APP, 'http://localhost:8080']);
  });

  it('refuses what is not an origin as browsers send it, naming the setting', () => {
    const bad: Array<[unknown, RegExp]> = [
      ['https://app.example.com/', /cors\.origins\[0\]: .*use "https:\/\/app\.example\.com"/],
      ['https://App.Example.com', /use "https:\/\/app\.example\.com"/],
      ['https://app.example.com:443', /use "https:\/\/app\.example\.com"/],
      ['app.example.com', /is not an origin: use http\(s\):\/\/host\[:port\]/],
      ['ftp://files.example.com', /is not an origin/],
      ['', /is not an origin/],
      [42, /is not an origin/]
    ];
    for (const [origin, message] of bad) {
      expect(() => loadConfig({ env: {}, overrides: { cors: { origins: [origin as string] } } }), String(origin)).toThrow(message);
    }
    expect(() => loadConfig({ env: { RATESTORE_CONFIG: configFile({ cors: { origins: APP } }) } })).toThrow(/cors\.origins must be a list/);
    expect(() => loadConfig({ env: { RATESTORE_CORS_ORIGINS: `${APP},localhost:3000` } })).toThrow(ConfigError);
    expect(() => loadConfig({ env: { RATESTORE_CORS_ORIGINS: `${APP},localhost:3000` } })).toThrow(/^RATESTORE_CORS_ORIGINS\[1\]: "localhost:3000" is not an origin/);
  });

  it('`ratestore serve` with a bad origin fails with RATESTORE_CONFIG', async () => {
    const fromEnv = await cli(['serve', '--memory', '--port', '0'], { env: { RATESTORE_CORS_ORIGINS: 'https://app.example.com/' } });
    expect(fromEnv.code).toBe(1);
    expect(fromEnv.stderr).toMatch(/^error RATESTORE_CONFIG: RATESTORE_CORS_ORIGINS\[0\]: "https:\/\/app\.example\.com\/" is not an origin as browsers send it/);
    const fromFile = await cli(['serve', '--memory', '--port', '0', '--config', configFile({ cors: { origins: ['*.example.com'] } })]);
    expect(fromFile.code).toBe(1);
    expect(fromFile.stderr).toMatch(/^error RATESTORE_CONFIG: cors\.origins\[0\]: "\*\.example\.com" is not an origin/);
  });
});
