/**
 * Was a bug: with a wrong URL the client waited a minute with no sign of life. Each retry is told to
 * an `onRetry` hook and the `ratestore:client` debug log, and what no retry can fix fails at once:
 * a host name that does not resolve, TLS, any 4xx but 408 and 429. Real sockets on 127.0.0.1,
 * except for DNS, which no test may ask (a fake fetch throws what Node's fetch throws).
 */
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { format } from 'node:util';
import createDebug from 'debug';
import { afterEach, describe, expect, it } from 'vitest';
import { RatestoreClient, RatestoreClientError, type RetryEvent } from '../src/index.js';

const servers: http.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function listen(server: http.Server): Promise<number> {
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** A server answering `statuses` in turn (then 200 with no ports), counting requests. */
async function answering(statuses: number[]): Promise<{ url: string; requests: () => number }> {
  let n = 0;
  const port = await listen(http.createServer((_req, res) => {
    const status = statuses[n++] ?? 200;
    const body = status === 200 ? { version: 1, ports: [] } : { type: 'x', title: 'x', status, detail: `fake ${status}`, code: status === 200 ? undefined : `RATESTORE_FAKE_${status}` };
    res.writeHead(status, { 'content-type': status === 200 ? 'application/json' : 'application/problem+json', 'retry-after': '0' });
    res.end(JSON.stringify(body));
  }));
  return { url: `http://127.0.0.1:${port}`, requests: () => n };
}

const quick = { minDelayMs: 5, maxDelayMs: 20, maxElapsedMs: 5_000 };
const failure = (promise: Promise<unknown>) => promise.then(() => { throw new Error('expected a rejection'); }, (error: unknown) => error as RatestoreClientError);

describe('each retry is reported', () => {
  it('to onRetry: the failed attempt, its error, the wait and the time so far', async () => {
    const fake = await answering([503, 429, 408]);
    const events: RetryEvent[] = [];
    const client = new RatestoreClient({ baseUrl: fake.url, retries: quick, onRetry: (event) => events.push(event) });
    expect(await client.ports()).toEqual([]);
    expect(fake.requests()).toBe(4);
    expect(events.map((event) => [event.method, event.url, event.attempt, event.error.status])).toEqual([
      ['GET', `${fake.url}/v1/ports`, 1, 503], ['GET', `${fake.url}/v1/ports`, 2, 429], ['GET', `${fake.url}/v1/ports`, 3, 408]
    ]);
    for (const event of events) {
      expect(event.error).toBeInstanceOf(RatestoreClientError);
      expect(event.delayMs).toBeGreaterThanOrEqual(0);
      expect(event.elapsedMs).toBeGreaterThanOrEqual(0);
    }
    expect(events[2]!.elapsedMs).toBeGreaterThanOrEqual(events[1]!.elapsedMs);
  });

  it('to onRetry for a refused connection too; a hook that throws does not fail the call', async () => {
    const port = await listen(http.createServer());
    const url = `http://127.0.0.1:${port}`;
    await new Promise((resolve) => servers.pop()!.close(resolve));
    let calls = 0;
    const error = await failure(new RatestoreClient({ baseUrl: url, retries: { ...quick, retries: 2 }, onRetry: () => { calls++; throw new Error('hook'); } }).ports());
    expect(error).toMatchObject({ code: 'RATESTORE_CONNECTION_FAILED', attempts: 3, retryable: true });
    expect(calls).toBe(2);
    expect(() => new RatestoreClient({ baseUrl: url, onRetry: 'yes' as never })).toThrow(/onRetry/);
  });

  it('to the debug log under ratestore:client, and the final give-up', async () => {
    const fake = await answering([503, 503, 503]);
    const lines: string[] = [];
    const { log } = createDebug;
    createDebug.log = (...args: unknown[]) => void lines.push(format(...args));
    createDebug.enable('ratestore:client');
    try {
      await failure(new RatestoreClient({ baseUrl: fake.url, retries: { ...quick, retries: 2 } }).ports());
    } finally {
      createDebug.disable();
      createDebug.log = log;
    }
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(new RegExp(`ratestore:client GET ${fake.url}/v1/ports: attempt 1 failed \\(RATESTORE_FAKE_503: .*\\); retrying in \\d+ ms`));
    expect(lines[1]).toMatch(/attempt 2 failed/);
    expect(lines[2]).toMatch(new RegExp(`ratestore:client GET ${fake.url}/v1/ports: giving up after 3 attempt\\(s\\) in \\d+ ms: fake 503`));
  });
});

describe('what no retry can fix fails at once', () => {
  it('any 4xx but 408 and 429', async () => {
    for (const status of [400, 401, 403, 404, 409, 413, 415, 422]) {
      const fake = await answering([status]);
      const events: RetryEvent[] = [];
      const error = await failure(new RatestoreClient({ baseUrl: fake.url, retries: quick, onRetry: (event) => events.push(event) }).ports());
      expect([status, error.status, error.attempts, error.retryable, fake.requests(), events.length]).toEqual([status, status, 1, false, 1, 0]);
    }
  });

  it('a certificate the client does not trust, and TLS spoken to a plain HTTP server', async () => {
    const fixture = (name: string) => readFileSync(new URL(`fixtures/${name}`, import.meta.url));
    let handshakes = 0;
    const tls = https.createServer({ key: fixture('self-signed-key.pem'), cert: fixture('self-signed-cert.pem') }, (_req, res) => res.end('{}'));
    tls.on('secureConnection', () => handshakes++);
    tls.on('tlsClientError', () => handshakes++);
    const tlsPort = await listen(tls);
    const plain = await answering([]);
    for (const [url, code] of [[`https://127.0.0.1:${tlsPort}`, 'DEPTH_ZERO_SELF_SIGNED_CERT'], [plain.url.replace('http:', 'https:'), 'ERR_SSL_WRONG_VERSION_NUMBER']]) {
      const started = Date.now();
      const error = await failure(new RatestoreClient({ baseUrl: url!, retries: { maxElapsedMs: 30_000 } }).ports());
      expect(error).toMatchObject({ code: 'RATESTORE_CONNECTION_FAILED', attempts: 1, retryable: false });
      expect(error.message).toContain(`${code} (attempt 1; not retried: TLS failed)`);
      expect(Date.now() - started).toBeLessThan(2_000);
    }
    expect(handshakes).toBe(1);
  });

  it('a host name that does not resolve, while a temporary resolver failure is retried', async () => {
    // What Node's fetch throws when getaddrinfo fails.
    const dnsFailure = (code: string) => new TypeError('fetch failed', { cause: Object.assign(new Error(`getaddrinfo ${code} rates.invalid`), { code, syscall: 'getaddrinfo', hostname: 'rates.invalid' }) });
    let calls = 0;
    const notFound = await failure(new RatestoreClient({ baseUrl: 'http://rates.invalid', retries: quick, fetch: async () => { calls++; throw dnsFailure('ENOTFOUND'); } }).ports());
    expect(notFound).toMatchObject({ code: 'RATESTORE_CONNECTION_FAILED', attempts: 1, retryable: false });
    expect(notFound.message).toContain('ENOTFOUND (attempt 1; not retried: the host name does not resolve)');
    expect(calls).toBe(1);
    const again = await failure(new RatestoreClient({ baseUrl: 'http://rates.invalid', retries: { ...quick, retries: 2 }, fetch: async () => { throw dnsFailure('EAI_AGAIN'); } }).ports());
    expect(again).toMatchObject({ code: 'RATESTORE_CONNECTION_FAILED', attempts: 3, retryable: true });
  });
});
