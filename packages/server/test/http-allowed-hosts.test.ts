import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { loadConfig, parseApiKeys } from '../src/config.js';
import { useTestServer, world, type TestServer } from './helpers.js';

/** A request with a `Host` header of our choosing (fetch sets its own): the status and problem code. */
function call(t: TestServer, path: string, host: string | undefined, init: { method?: string; body?: string; headers?: Record<string, string>; http10?: boolean } = {}): Promise<{ status: number; code?: string }> {
  const url = new URL(t.url);
  return new Promise((resolve, reject) => {
    const req = request({
      host: url.hostname,
      port: url.port,
      path,
      method: init.method ?? 'GET',
      setHost: false,
      headers: { ...(host === undefined ? {} : { host }), ...init.headers }
    }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, ...(text.startsWith('{') ? { code: (JSON.parse(text) as { code?: string }).code } : {}) }));
    });
    req.on('error', reject);
    req.end(init.body);
  });
}

const evil = (port: string) => `rebind.evil.example:${port}`;

describe('host names a server without API keys answers to', () => {
  // Was a bug: a page of another site could make one of its names resolve to 127.0.0.1 (DNS
  // rebinding); the keyless server then took its requests as same-origin ones: it answered reads
  // and carried out writes, past CORS and the cross-origin write check.
  const server = useTestServer({ items: world() });

  it('refuses another site\'s name with 403 RATESTORE_HOST_NOT_ALLOWED, reads and writes alike, and writes nothing', async () => {
    const t = server();
    const port = new URL(t.url).port;
    const before = t.store.version;
    expect(await call(t, '/v1/ports', evil(port))).toEqual({ status: 403, code: 'RATESTORE_HOST_NOT_ALLOWED' });
    expect(await call(t, '/metrics', evil(port))).toMatchObject({ status: 403 });
    const write = await call(t, '/v1/batches', evil(port), { method: 'POST', body: '{"type":"region","slug":"evil","name":"Evil"}', headers: { origin: `http://${evil(port)}`, 'content-type': 'text/plain' } });
    expect(write).toEqual({ status: 403, code: 'RATESTORE_HOST_NOT_ALLOWED' });
    expect(t.store.version).toBe(before);
    for (const host of ['EVIL.example', `127.0.0.1.nip.io:${port}`, `localhost.evil.example:${port}`, `x@127.0.0.1:${port}`, `127.0.0.1:${port}/x`]) {
      expect(await call(t, '/v1/ports', host), host).toEqual({ status: 403, code: 'RATESTORE_HOST_NOT_ALLOWED' });
    }
  });

  it('answers loopback names (localhost and its subdomains, 127.0.0.0/8, ::1) and requests without Host', async () => {
    const t = server();
    const port = new URL(t.url).port;
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'LOCALHOST', `app.localhost:${port}`, `127.1.2.3:${port}`, `[::1]:${port}`]) {
      expect(await call(t, '/v1/ports', host), host).toEqual({ status: 200 });
    }
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
    expect(await call(t, '/healthz', undefined)).toMatchObject({ status: 400 }); // HTTP/1.1 needs a Host
  });
});

describe('allowedHosts', () => {
  const server = useTestServer({ items: world(), config: { allowedHosts: ['rates.internal', '.example.org'] } });

  it('adds names, and with a leading dot a name with its subdomains', async () => {
    const t = server();
    const port = new URL(t.url).port;
    for (const host of [`rates.internal:${port}`, 'RATES.INTERNAL', `example.org:${port}`, `a.b.example.org:${port}`, `localhost:${port}`]) {
      expect(await call(t, '/v1/ports', host), host).toEqual({ status: 200 });
    }
    for (const host of [`other.internal:${port}`, `badexample.org:${port}`, `rates.internal.evil.example:${port}`]) {
      expect(await call(t, '/v1/ports', host), host).toEqual({ status: 403, code: 'RATESTORE_HOST_NOT_ALLOWED' });
    }
  });

  it('comes from the config file or RATESTORE_ALLOWED_HOSTS, lowercased; anything but a host name is refused at start', () => {
    expect(loadConfig({ env: {} }).allowedHosts).toEqual([]);
    expect(loadConfig({ env: { RATESTORE_ALLOWED_HOSTS: 'Rates.Internal, .example.org,[::1],*' } }).allowedHosts).toEqual(['rates.internal', '.example.org', '[::1]', '*']);
    for (const bad of ['https://rates.internal', 'rates.internal:3000', 'rates.internal/x', 'a@b', '', '..x', '*.example.com']) {
      expect(() => loadConfig({ env: {}, overrides: { allowedHosts: [bad] } }), bad).toThrow(/allowedHosts\[0\]: .* is not a host name/);
    }
    expect(() => loadConfig({ env: {}, overrides: { allowedHosts: 'rates.internal' as unknown as string[] } })).toThrow(/allowedHosts must be a list/);
  });
});

describe('with API keys, or allowedHosts "*"', () => {
  const keyed = useTestServer({ items: world(), config: { auth: { keys: parseApiKeys('writer:write'), readsNeedKey: false } } });
  const any = useTestServer({ items: world(), config: { allowedHosts: ['*'] } });

  it('answers any host name (a proxy or DNS names the server; keys guard the writes)', async () => {
    for (const t of [keyed(), any()]) {
      expect(await call(t, '/v1/ports', evil(new URL(t.url).port))).toEqual({ status: 200 });
    }
  });
});
