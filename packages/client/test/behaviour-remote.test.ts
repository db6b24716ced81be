import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RatestoreClient, RatestoreClientError } from '../src/index.js';
import { startServerProcess, type ServerProcess } from './helpers.js';
import { behaviourSuite } from './suite.js';

// The behaviour suite against a real `ratestore serve` process on a real port.
behaviourSuite('remote (real server process)', async () => {
  const server = await startServerProcess();
  return { client: new RatestoreClient({ baseUrl: server.url }), close: () => server.stop() };
});

describe('remote client: API keys', () => {
  let server: ServerProcess;
  beforeAll(async () => {
    server = await startServerProcess({ env: { RATESTORE_API_KEYS: 'writer-key:read+write,admin-key:read+write+admin' } });
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('sends the key as a bearer token; 401 and 403 come back as typed errors', async () => {
    const items = [{ type: 'region' as const, slug: 'asia', name: 'Asia' }];
    const anonymous = new RatestoreClient({ baseUrl: server.url });
    const denied = await anonymous.uploadBatch(items).catch((error: unknown) => error as RatestoreClientError);
    expect(denied).toBeInstanceOf(RatestoreClientError);
    expect(denied).toMatchObject({ code: 'RATESTORE_UNAUTHORIZED', status: 401, attempts: 1 });
    const wrongKey = await new RatestoreClient({ baseUrl: server.url, apiKey: 'nobody' }).ports().catch((error: unknown) => error);
    expect(wrongKey).toMatchObject({ code: 'RATESTORE_UNAUTHORIZED', status: 401 });

    const writer = new RatestoreClient({ baseUrl: `${server.url}/`, apiKey: 'writer-key' });
    expect(writer.baseUrl).toBe(server.url);
    const result = await writer.uploadBatch(items, { batchId: 'keyed' });
    expect(result.counts.regions).toBe(1);
    // Reads are open by default.
    expect(await anonymous.regions()).toEqual([{ slug: 'asia', name: 'Asia', parent: null }]);
    // Reverting needs the admin scope.
    expect(await writer.revert('keyed').catch((error: unknown) => error)).toMatchObject({ code: 'RATESTORE_FORBIDDEN', status: 403 });
    expect(await new RatestoreClient({ baseUrl: server.url, apiKey: 'admin-key' }).revert('keyed')).toMatchObject({ batchId: 'keyed', revertedVersion: result.version });
  });
});

describe('remote client: an empty batch', () => {
  it('is refused before any request is sent', async () => {
    let requests = 0;
    const server = http.createServer((_req, res) => {
      requests++;
      res.writeHead(500).end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const client = new RatestoreClient({ baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
      expect(await client.uploadBatch([], { batchId: 'nothing' }).catch((error: unknown) => error)).toMatchObject({ code: 'RATESTORE_EMPTY_BATCH', status: undefined, attempts: undefined });
      expect(requests).toBe(0);
    } finally {
      server.close();
    }
  });
});
