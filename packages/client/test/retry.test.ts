/**
 * Retries against tiny fake servers on 127.0.0.1 (503 and 429 with Retry-After, lost answers,
 * timeouts, refused connections) and the default policy under fake timers.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_RETRY, RatestoreClient, RatestoreClientError } from '../src/index.js';
import { backoffDelay, parseRetryAfter, retryPolicy } from '../src/retry.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A fake server answering with `handler`; records every request. */
async function fakeServer(handler: Handler): Promise<{ url: string; requests: Array<{ method: string; path: string; at: number; body: string }> }> {
  const requests: Array<{ method: string; path: string; at: number; body: string }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      requests.push({ method: req.method!, path: req.url!, at: Date.now(), body });
      handler(req, res, body);
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': status >= 400 ? 'application/problem+json' : 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

function problem(res: http.ServerResponse, status: number, code: string, headers: Record<string, string> = {}): void {
  json(res, status, { type: `urn:ratestore:problem:${code}`, title: 'x', status, detail: `fake ${code}`, code, request_id: 'req-1' }, headers);
}

const query = { dateFrom: '2016-01-01', dateTo: '2016-01-01', origin: 'CNSGH', destination: 'NLRTM' };
const day = [{ day: '2016-01-01', average_price: 1234 }];

describe('retries', () => {
  it('503 with Retry-After: waits as asked, then succeeds', async () => {
    let n = 0;
    const fake = await fakeServer((_req, res) => (n++ < 2 ? problem(res, 503, 'RATESTORE_OVERLOADED', { 'retry-after': '1' }) : json(res, 200, day)));
    const started = Date.now();
    expect(await new RatestoreClient({ baseUrl: fake.url }).rates(query)).toEqual([{ day: '2016-01-01', averagePrice: 1234 }]);
    expect(fake.requests).toHaveLength(3);
    expect(fake.requests[1]!.at - fake.requests[0]!.at).toBeGreaterThanOrEqual(990);
    expect(fake.requests[2]!.at - fake.requests[1]!.at).toBeGreaterThanOrEqual(990);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('429 with Retry-After: retried; a write carries its batch id on every attempt', async () => {
    let n = 0;
    const fake = await fakeServer((req, res) => {
      if (n++ === 0) problem(res, 429, 'RATESTORE_RATE_LIMITED', { 'retry-after': '1' });
      else json(res, 201, { batch_id: req.headers['idempotency-key'], version: 4, counts: { prices: 1, ports: 0, regions: 0 }, committed_at: '2016-01-01T00:00:00.000Z' });
    });
    const result = await new RatestoreClient({ baseUrl: fake.url }).uploadBatch([{ origin: 'CNSGH', destination: 'NLRTM', day: '2016-01-01', price: 1 }], { batchId: 'b-429' });
    expect(result).toEqual({ batchId: 'b-429', version: 4, counts: { prices: 1, ports: 0, regions: 0 }, committedAt: '2016-01-01T00:00:00.000Z' });
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /v1/batches', 'POST /v1/batches']);
    expect(fake.requests[0]!.body).toBe(fake.requests[1]!.body);
    expect(fake.requests[1]!.at - fake.requests[0]!.at).toBeGreaterThanOrEqual(990);
  });

  it('gives up after `retries` with the last answer as a typed error', async () => {
    const fake = await fakeServer((_req, res) => problem(res, 503, 'RATESTORE_OVERLOADED', { 'retry-after': '0' }));
    const error = await new RatestoreClient({ baseUrl: fake.url, retries: 2 }).ports().then(() => undefined as never, (e: unknown) => e as RatestoreClientError);
    expect(error).toBeInstanceOf(RatestoreClientError);
    expect(error).toMatchObject({ code: 'RATESTORE_OVERLOADED', status: 503, attempts: 3, retryAfterMs: 0, requestId: 'req-1', retryable: true });
    expect(fake.requests).toHaveLength(3);
  });

  it('noRetry makes one attempt, like retries: false', async () => {
    const fake = await fakeServer((_req, res) => problem(res, 503, 'RATESTORE_OVERLOADED', { 'retry-after': '0' }));
    for (const options of [{ noRetry: true }, { retries: false as const }]) {
      const error = await new RatestoreClient({ baseUrl: fake.url, ...options }).ports().catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'RATESTORE_OVERLOADED', attempts: 1 });
    }
    expect(fake.requests).toHaveLength(2);
  });

  it('does not wait past its window when Retry-After asks for longer', async () => {
    const fake = await fakeServer((_req, res) => problem(res, 503, 'RATESTORE_OVERLOADED', { 'retry-after': '30' }));
    const started = Date.now();
    const error = await new RatestoreClient({ baseUrl: fake.url, retries: { maxElapsedMs: 2_000 } }).ports().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RATESTORE_OVERLOADED', retryAfterMs: 30_000, attempts: 1 });
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('does not retry a client error, and reads a non-problem error answer', async () => {
    const fake = await fakeServer((req, res) => {
      if (req.url!.startsWith('/rates')) problem(res, 400, 'RATESTORE_INVALID_DATE');
      else {
        res.writeHead(500, { 'content-type': 'text/html' });
        res.end('<h1>proxy error</h1>');
      }
    });
    const client = new RatestoreClient({ baseUrl: fake.url });
    expect(await client.rates(query).catch((e: unknown) => e)).toMatchObject({ code: 'RATESTORE_INVALID_DATE', status: 400, attempts: 1 });
    const html = await client.ports().then(() => undefined as never, (e: unknown) => e as RatestoreClientError);
    expect(html).toMatchObject({ code: 'RATESTORE_UNEXPECTED_RESPONSE', status: 500, attempts: 1 });
    expect(html.message).toContain('proxy error');
    expect(fake.requests).toHaveLength(2);
  });

  it('retries refused connections with backoff until its window closes', async () => {
    const fake = await fakeServer(() => undefined);
    const url = fake.url;
    const server = servers.pop()!;
    await new Promise((resolve) => server.close(resolve));
    const started = Date.now();
    const error = await new RatestoreClient({ baseUrl: url, retries: { minDelayMs: 20, maxDelayMs: 80, maxElapsedMs: 600 } }).ports().then(() => undefined as never, (e: unknown) => e as RatestoreClientError);
    const elapsed = Date.now() - started;
    expect(error).toMatchObject({ code: 'RATESTORE_CONNECTION_FAILED', status: undefined, retryable: true });
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.attempts).toBeGreaterThan(4);
    expect(elapsed).toBeGreaterThanOrEqual(590);
    expect(elapsed).toBeLessThan(3_000);
  });

  it('times out an attempt that gets no answer, and retries it', async () => {
    const fake = await fakeServer(() => undefined);
    const error = await new RatestoreClient({ baseUrl: fake.url, timeoutMs: 200, retries: { retries: 1, minDelayMs: 1 } }).ports().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RATESTORE_TIMEOUT', attempts: 2 });
    expect(fake.requests).toHaveLength(2);
  });

  it('an abort during a backoff wait ends the call at once', async () => {
    const fake = await fakeServer((_req, res) => problem(res, 503, 'RATESTORE_OVERLOADED', { 'retry-after': '10' }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const error = await new RatestoreClient({ baseUrl: fake.url }).ports({ signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'RATESTORE_ABORTED' });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a chunk whose answer was lost is not sent again when the server holds it', async () => {
    const held = new Set<number>();
    const puts: number[] = [];
    const fake = await fakeServer((req, res) => {
      const path = req.url!;
      if (req.method === 'POST' && path === '/v1/uploads') json(res, 201, { batch_id: 'lost', state: 'staged', created_at: '2016-01-01T00:00:00.000Z', chunks: [] });
      else if (req.method === 'PUT') {
        const chunk = Number(path.split('/').pop());
        puts.push(chunk);
        held.add(chunk);
        // The server staged chunk 1, then the connection died before the answer.
        if (chunk === 1 && puts.filter((c) => c === 1).length === 1) req.socket.destroy();
        else json(res, 200, { batch_id: 'lost', chunk, items: 2 });
      } else if (req.method === 'GET') json(res, 200, { batch_id: 'lost', state: 'staged', created_at: '2016-01-01T00:00:00.000Z', chunks: [...held].sort() });
      else if (path === '/v1/uploads/lost/commit') json(res, 201, { batch_id: 'lost', version: 9, counts: { prices: 6, ports: 0, regions: 0 }, committed_at: '2016-01-01T00:00:00.000Z' });
      else problem(res, 404, 'RATESTORE_NOT_FOUND');
    });
    const items = Array.from({ length: 6 }, (_, i) => ({ origin: 'CNSGH', destination: 'NLRTM', day: '2016-01-01', price: i + 1 }));
    const result = await new RatestoreClient({ baseUrl: fake.url, retries: { minDelayMs: 10 } }).uploadBatch(items, { batchId: 'lost', chunkSize: 2, concurrency: 1 });
    expect(result.version).toBe(9);
    expect(puts).toEqual([0, 1, 2]);
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /v1/uploads', 'PUT /v1/uploads/lost/chunks/0', 'PUT /v1/uploads/lost/chunks/1', 'GET /v1/uploads/lost', 'PUT /v1/uploads/lost/chunks/2', 'POST /v1/uploads/lost/commit'
    ]);
  });

  it('chunks whose answers were lost together share one status lookup', async () => {
    const held = new Set<number>();
    const waiting: http.ServerResponse[] = [];
    let statusLookups = 0;
    const fake = await fakeServer((req, res) => {
      const path = req.url!;
      if (req.method === 'POST' && path === '/v1/uploads') json(res, 201, { batch_id: 'wave', state: 'staged', created_at: '2016-01-01T00:00:00.000Z', chunks: [] });
      else if (req.method === 'PUT') {
        held.add(Number(path.split('/').pop()));
        // The server stages all three chunks, then dies before answering any of them.
        waiting.push(res);
        if (waiting.length === 3) for (const lost of waiting) lost.socket!.destroy();
      } else if (req.method === 'GET') {
        statusLookups++;
        // Slow enough that every chunk, after its short backoff, asks while this lookup is pending.
        setTimeout(() => json(res, 200, { batch_id: 'wave', state: 'staged', created_at: '2016-01-01T00:00:00.000Z', chunks: [...held].sort() }), 300);
      } else if (path === '/v1/uploads/wave/commit') json(res, 201, { batch_id: 'wave', version: 3, counts: { prices: 6, ports: 0, regions: 0 }, committed_at: '2016-01-01T00:00:00.000Z' });
      else problem(res, 404, 'RATESTORE_NOT_FOUND');
    });
    const items = Array.from({ length: 6 }, (_, i) => ({ origin: 'CNSGH', destination: 'NLRTM', day: '2016-01-01', price: i + 1 }));
    const result = await new RatestoreClient({ baseUrl: fake.url, retries: { minDelayMs: 10, maxDelayMs: 20 } }).uploadBatch(items, { batchId: 'wave', chunkSize: 2, concurrency: 3 });
    expect(result.version).toBe(3);
    expect(statusLookups).toBe(1);
    // Every chunk learnt from the one lookup that the server holds it: none was sent again.
    expect(fake.requests.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
      'GET /v1/uploads/wave', 'POST /v1/uploads', 'POST /v1/uploads/wave/commit',
      'PUT /v1/uploads/wave/chunks/0', 'PUT /v1/uploads/wave/chunks/1', 'PUT /v1/uploads/wave/chunks/2'
    ]);
  });
});

/** What constructing throws, or undefined. */
function thrown(make: () => unknown): unknown {
  try {
    make();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('client options', () => {
  it('refuses options that cannot work, at construction, as the engine does: RATESTORE_INVALID_ARGUMENT naming the option', () => {
    const refused = (field: string, message: RegExp) => ({ name: 'RatestoreClientError', code: 'RATESTORE_INVALID_ARGUMENT', field, parameter: undefined, status: undefined, message: expect.stringMatching(message) });
    const cases: Array<[unknown, string, RegExp]> = [
      [undefined, 'options', /options must be an object/],
      [{}, 'baseUrl', /baseUrl must be an http or https URL, got undefined/],
      [{ baseUrl: 'ftp://127.0.0.1' }, 'baseUrl', /http or https/],
      [{ baseUrl: 'not a url' }, 'baseUrl', /got not a url/],
      [{ baseUrl: 'http://127.0.0.1', apiKey: 'two words' }, 'apiKey', /visible ASCII/],
      [{ baseUrl: 'http://127.0.0.1', timeoutMs: 0 }, 'timeoutMs', /positive number/],
      [{ baseUrl: 'http://127.0.0.1', commitTimeoutMs: -1 }, 'commitTimeoutMs', /positive number/],
      [{ baseUrl: 'http://127.0.0.1', retries: -1 }, 'retries', /at least 0/],
      [{ baseUrl: 'http://127.0.0.1', retries: true }, 'retries', /false, a number or an object/],
      [{ baseUrl: 'http://127.0.0.1', retries: { maxDelayMs: -1 } }, 'retries.maxDelayMs', /at least 0/],
      [{ baseUrl: 'http://127.0.0.1', fetch: 'fetch' }, 'fetch', /must be a function/],
      [{ baseUrl: 'http://127.0.0.1', onRetry: 'log' }, 'onRetry', /must be a function/],
      [{ baseUrl: 'http://127.0.0.1', consistency: 'eventual' }, 'consistency', /'latest' or 'read-your-writes'/]
    ];
    for (const [options, field, message] of cases) {
      const error = thrown(() => new RatestoreClient(options as never));
      expect(error, JSON.stringify(options)).toBeInstanceOf(RatestoreClientError);
      expect(error, JSON.stringify(options)).toMatchObject(refused(field, message));
      expect((error as RatestoreClientError).retryable).toBe(false);
    }
    expect(new RatestoreClient({ baseUrl: 'http://127.0.0.1:3000/prefix/' }).baseUrl).toBe('http://127.0.0.1:3000/prefix');
  });

  it('sends the key, extra headers and a path prefix through a custom fetch', async () => {
    const seen: Array<{ url: string; init: RequestInit }> = [];
    const fetch = async (url: string, init: RequestInit) => {
      seen.push({ url, init });
      return new Response(JSON.stringify({ version: 3, regions: [] }), { status: 200, headers: { 'content-type': 'application/json' } });
    };
    const client = new RatestoreClient({ baseUrl: 'https://rates.example.com/api/', apiKey: 'k-123', headers: { 'x-tenant': 't1' }, fetch });
    expect(await client.tree({ asOf: 2 })).toEqual([]);
    expect(seen[0]!.url).toBe('https://rates.example.com/api/v1/tree?as_of=2');
    expect(seen[0]!.init.headers).toMatchObject({ authorization: 'Bearer k-123', 'x-tenant': 't1' });
  });
});

describe('the retry policy', () => {
  it('full jitter under an exponential ceiling; Retry-After is a floor', () => {
    const policy = retryPolicy(undefined);
    expect(policy).toEqual(DEFAULT_RETRY);
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => backoffDelay(policy, n, undefined, () => 1))).toEqual([250, 500, 1000, 2000, 4000, 5000, 5000]);
    expect(backoffDelay(policy, 3, undefined, () => 0)).toBe(0);
    expect(backoffDelay(policy, 0, 2000, () => 0)).toBe(2000);
    expect(backoffDelay(policy, 5, 2000, () => 1)).toBe(2250);
    expect(retryPolicy(false).retries).toBe(0);
    expect(retryPolicy(3)).toMatchObject({ retries: 3, maxElapsedMs: 60_000 });
    expect(retryPolicy({ minDelayMs: 10 })).toMatchObject({ minDelayMs: 10, maxDelayMs: 5_000 });
    expect(thrown(() => retryPolicy(-1))).toMatchObject({ code: 'RATESTORE_INVALID_ARGUMENT', field: 'retries' });
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(Date.now() + 5_000).toUTCString(), Date.now())).toBeGreaterThan(3_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });

  it('by default rides out 45 s of a server being down, and gives up after about a minute', async () => {
    vi.useFakeTimers();
    try {
      const down = 45_000;
      const started = Date.now();
      let calls = 0;
      const fetch = async (): Promise<Response> => {
        calls++;
        if (Date.now() - started < down) throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
        return new Response(JSON.stringify({ version: 1, ports: [] }), { status: 200, headers: { 'content-type': 'application/json' } });
      };
      const client = new RatestoreClient({ baseUrl: 'http://127.0.0.1:1', fetch });
      const ports = client.ports();
      await vi.advanceTimersByTimeAsync(70_000);
      expect(await ports).toEqual([]);
      expect(calls).toBeGreaterThan(8);

      const neverUp = new RatestoreClient({ baseUrl: 'http://127.0.0.1:1', fetch: async () => Promise.reject(new TypeError('fetch failed')) });
      const from = Date.now();
      let settledAt = 0;
      const failed = neverUp.ports().catch((e: unknown) => {
        settledAt = Date.now();
        return e;
      });
      await vi.advanceTimersByTimeAsync(70_000);
      expect(await failed).toMatchObject({ code: 'RATESTORE_CONNECTION_FAILED' });
      expect(settledAt - from).toBeGreaterThanOrEqual(59_000);
      expect(settledAt - from).toBeLessThanOrEqual(61_000);
    } finally {
      vi.useRealTimers();
    }
  });
});
