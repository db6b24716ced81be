import { describe, expect, it } from 'vitest';
import type { Backend } from '../backends.js';
import { Ratestore, RatestoreError, type CommitResult } from '../../src/index.js';
import { TREE, expectCode, price, useStores } from '../helpers.js';
import { singleStores } from '../stores.js';

/** open and close; a store that is not open refuses every call with RATESTORE_NOT_OPEN. */
export function lifecycleSuite(backend: Backend): void {
  describe(`open and close on ${backend.name}`, () => {
    const stores = useStores(singleStores(backend));

    /** Every public call, with valid arguments. */
    function calls(store: Ratestore): Array<[string, () => unknown]> {
      const query = { dateFrom: '2016-01-01', dateTo: '2016-01-02', origin: 'CNSHA', destination: 'NLRTM' };
      const items = [price('CNSHA', 'NLRTM', '2016-01-01', 100)];
      return [
        ['write', () => store.write(items)],
        ['begin', () => store.begin('b')],
        ['addChunk', () => store.addChunk('b', items)],
        ['commit', () => store.commit('b')],
        ['abort', () => store.abort('b')],
        ['staged', () => store.staged('b')],
        ['stagedBatches', () => store.stagedBatches()],
        ['revert', () => store.revert('b')],
        ['applyCommitted', () => store.applyCommitted({ version: 2, batchId: 'b', items })],
        ['applyRevert', () => store.applyRevert({ version: 2, batchId: 'b' })],
        ['rates', () => store.rates(query)],
        ['ports', () => store.ports()],
        ['regions', () => store.regions()],
        ['port', () => store.port('CNSHA')],
        ['region', () => store.region('asia')],
        ['tree', () => store.tree()],
        ['batches', () => store.batches()],
        ['batch', () => store.batch('b')],
        ['compact', () => store.compact({ retainVersions: 1 })]
      ];
    }

    it('refuses every call once closed', async () => {
      const store = await stores.open();
      await store.write(TREE);
      const staged = await store.begin('handle');
      expect(store.status).toBe('open');
      await store.close();
      expect(store.status).toBe('closed');
      for (const [name, call] of calls(store)) {
        const error = await expectCode(call, 'RATESTORE_NOT_OPEN');
        expect(error.message, name).toMatch(/closed/);
      }
      await expectCode(staged.add([]), 'RATESTORE_NOT_OPEN');
      await expectCode(staged.commit(), 'RATESTORE_NOT_OPEN');
      await expectCode(staged.abort(), 'RATESTORE_NOT_OPEN');
      // Closing again is harmless; the version is still known.
      await store.close();
      expect(store.version).toBe(1);
      // A store opens once.
      await expectCode(store.open(), 'RATESTORE_INVALID_ARGUMENT', 'status');
    });

    // Regression: port(), region() and regionChildren() used to check their arguments before the
    // store's state, so a closed store answered INVALID_ARGUMENT there and NOT_OPEN elsewhere.
    it('reports a closed store before a bad argument, in every call', async () => {
      const store = await stores.open();
      await store.close();
      const bad = 'not valid' as never;
      for (const [name, call] of [
        ['write', () => store.write(bad, { batchId: bad })],
        ['begin', () => store.begin(bad)],
        ['addChunk', () => store.addChunk(bad, bad, bad)],
        ['commit', () => store.commit(bad)],
        ['abort', () => store.abort(bad)],
        ['staged', () => store.staged(bad)],
        ['revert', () => store.revert(bad)],
        ['applyCommitted', () => store.applyCommitted(bad)],
        ['applyRevert', () => store.applyRevert(bad)],
        ['waitForVersion', () => store.waitForVersion(bad, bad)],
        ['rates', () => store.rates(bad)],
        ['ports', () => store.ports(bad)],
        ['regions', () => store.regions(bad)],
        ['port', () => store.port(bad, bad)],
        ['region', () => store.region(bad, bad)],
        ['regionChildren', () => store.regionChildren(bad, bad)],
        ['tree', () => store.tree(bad)],
        ['batch', () => store.batch(bad)],
        ['compact', () => store.compact(bad)]
      ] as const) {
        const error = await expectCode(call, 'RATESTORE_NOT_OPEN');
        expect(error.message, name).toMatch(/closed/);
      }
    });

    it('refuses every call before open, and opens once', async () => {
      const store = new Ratestore({ db: backend.create() });
      expect(store.status).toBe('new');
      expect(store.version).toBe(0);
      for (const [, call] of calls(store)) await expectCode(call, 'RATESTORE_NOT_OPEN');
      await store.open();
      try {
        expect(store.status).toBe('open');
        await expectCode(store.open(), 'RATESTORE_INVALID_ARGUMENT', 'status');
        expect(store.batches()).toEqual([]);
      } finally {
        await store.close();
      }
    });

    // BUG (store.ts): close() waits only for the write lock, which write() takes after it has staged
    // its items; a close() during that staging closes the database under it, and write() rejects with
    // abstract-level's "Database is not open" instead of finishing or failing as RATESTORE_NOT_OPEN.
    it('lets a write() in progress finish, or fail cleanly, when the store is closed', async () => {
      const store = await stores.open();
      await store.write(TREE);
      const writing = store.write(Array.from({ length: 2000 }, (_, i) => price('CNSHA', 'NLRTM', '2016-01-01', 100 + i)));
      const closing = store.close();
      const outcome: CommitResult | unknown = await writing.then((result) => result, (error: unknown) => error);
      await closing;
      expect(store.status).toBe('closed');
      if (outcome instanceof Error) {
        expect(outcome).toBeInstanceOf(RatestoreError);
        expect((outcome as RatestoreError).code).toBe('RATESTORE_NOT_OPEN');
        expect(store.version).toBe(1);
      } else {
        expect((outcome as CommitResult).version).toBe(2);
        expect(store.version).toBe(2);
      }
    });

    it('refuses bad options', async () => {
      for (const [options, field] of [
        [{ maxRangeDays: 0 }, 'maxRangeDays'],
        [{ maxIssues: 0 }, 'maxIssues'],
        [{ chunkSize: 1.5 }, 'chunkSize'],
        [{ maxCells: -1 }, 'maxCells'],
        [{ retainVersions: -1 }, 'retainVersions']
      ] as const) {
        await expectCode(() => new Ratestore({ db: backend.create(), ...options }), 'RATESTORE_INVALID_ARGUMENT', field);
      }
      expect(stores).toBeDefined();
    });
  });
}
