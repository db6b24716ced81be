import { Ratestore } from '@ratestore/core';
import { describe, expect, it } from 'vitest';
import { memoryBackend } from '../../core/test/backends.js';
import { replicatedStores } from '../../core/test/harness/replicated.js';
import { EmbeddedRatestoreClient, RatestoreClient, RatestoreClientError, createClient } from '../src/embedded.js';
import { behaviourSuite } from './suite.js';

// The same behaviour suite against the embedded client over an in-process store.
behaviourSuite('embedded (in-process store)', async () => {
  const store = new Ratestore({ memory: true });
  await store.open();
  return { client: new EmbeddedRatestoreClient({ store }), close: () => store.close() };
});

// And over two stores behind the engine's reader and writer interfaces: written through one,
// read through another that applies its log. The client depends on the interfaces, not the class.
behaviourSuite('embedded (a writer and a reader sharing a commit log)', async () => {
  const stores = replicatedStores(memoryBackend());
  return { client: new EmbeddedRatestoreClient({ store: await stores.open() }), close: () => stores.cleanup() };
});

describe('createClient', () => {
  it('chooses the embedded or the remote client by configuration', async () => {
    const store = new Ratestore({ memory: true });
    await store.open();
    try {
      const embedded = createClient({ embedded: store });
      expect(embedded).toBeInstanceOf(EmbeddedRatestoreClient);
      expect(embedded.store).toBe(store);
      expect(await embedded.ports()).toEqual([]);
      const remote = createClient({ baseUrl: 'http://127.0.0.1:9', retries: false });
      expect(remote).toBeInstanceOf(RatestoreClient);
      expect(await remote.ports().catch((error: unknown) => error)).toMatchObject({ code: 'RATESTORE_CONNECTION_FAILED', status: undefined, attempts: 1 });
    } finally {
      await store.close();
    }
  });

  it('refuses to be made without a store, as the engine refuses a bad argument', () => {
    for (const options of [undefined, {}, { store: null }, { store: 'store' }]) {
      let error: unknown;
      try {
        new EmbeddedRatestoreClient(options as never);
      } catch (caught) {
        error = caught;
      }
      expect(error, JSON.stringify(options)).toBeInstanceOf(RatestoreClientError);
      expect(error).toMatchObject({ code: 'RATESTORE_INVALID_ARGUMENT', field: options === undefined ? 'options' : 'store' });
    }
  });

  it('maps a closed store to the status the server would answer', async () => {
    const store = new Ratestore({ memory: true });
    await store.open();
    await store.close();
    const client = createClient({ embedded: store });
    expect(await client.ports().catch((error: unknown) => error)).toMatchObject({ code: 'RATESTORE_NOT_OPEN', status: 503 });
  });
});
