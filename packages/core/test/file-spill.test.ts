/**
 * `spillDirectory`: a `write()` of several chunks keeps them in an unlinked temporary file instead
 * of staging them in the database (the shared suite runs every behaviour with it; here what only
 * the spill shows): nothing is staged while the write runs, no file is ever visible in the
 * directory, every file is closed once its batch is in, and a directory that cannot take the files
 * is refused when the store opens.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Ratestore, type BatchItem } from '../src/index.js';
import { TREE, expectCode, openSpillFiles, randomPrices } from './helpers.js';

describe('write() with spillDirectory', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ratestore-spill-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  let made = 0;
  /** A fresh directory in `dir`. */
  const fresh = (): string => {
    const path = join(dir, `spill-${++made}`);
    mkdirSync(path);
    return path;
  };
  const open = async (spillDirectory: string): Promise<Ratestore> => {
    const store = new Ratestore({ memory: true, chunkSize: 100, spillDirectory });
    await store.open();
    await store.write(TREE);
    return store;
  };

  it('commits a batch of many chunks as staging it would, with nothing staged or left in the directory meanwhile', async () => {
    const spill = fresh();
    const spilling = await open(spill);
    const staging = new Ratestore({ memory: true, chunkSize: 100 });
    await staging.open();
    await staging.write(TREE);
    const prices = randomPrices(7, 1_050, '2016-01-01', 40);
    const seen: Array<{ files: string[]; staged: number }> = [];
    async function* watched(): AsyncGenerator<BatchItem> {
      for (const [n, item] of prices.entries()) {
        if (n % 300 === 299) seen.push({ files: readdirSync(spill), staged: (await spilling.stagedBatches()).length });
        yield item;
      }
    }
    const [spilled, staged] = [await spilling.write(watched(), { batchId: 'feed' }), await staging.write(prices, { batchId: 'feed' })];
    expect(seen).toEqual(Array.from({ length: 3 }, () => ({ files: [], staged: 0 })));
    expect(readdirSync(spill)).toEqual([]);
    expect(spilled.counts).toEqual(staged.counts);
    const query = { origin: 'asia', destination: 'europe', dateFrom: '2016-01-01', dateTo: '2016-02-09', minCount: 1 };
    expect((await spilling.rates(query)).rows).toEqual((await staging.rates(query)).rows);
    await Promise.all([spilling.close(), staging.close()]);
  });

  it('refuses a bad batch, writing nothing and leaving no file', async () => {
    const spill = fresh();
    const store = await open(spill);
    const before = store.version;
    const prices = randomPrices(3, 500, '2016-01-01', 10);
    const error = await expectCode(store.write([...prices, { origin: 'CNSHA', destination: 'ZZZZZ', day: '2016-01-01', price: 1 }]), 'RATESTORE_INVALID_BATCH');
    expect(error.issues).toMatchObject([{ index: 500, field: 'destination', code: 'RATESTORE_UNKNOWN_PORT' }]);
    expect(store.version).toBe(before);
    expect(readdirSync(spill)).toEqual([]);
    expect(await store.stagedBatches()).toEqual([]);
    await store.close();
  });

  it('needs a directory it can write in: another is refused when the store opens', async () => {
    const file = join(fresh(), 'plain-file');
    writeFileSync(file, 'x');
    for (const bad of [join(dir, 'missing'), file]) {
      const store = new Ratestore({ memory: true, spillDirectory: bad });
      const error = await expectCode(store.open(), 'RATESTORE_INVALID_ARGUMENT', 'spillDirectory');
      expect(error.message).toMatch(/^spillDirectory .* cannot take temporary files: /);
    }
  });

  // Was a bug: a batch applied through applyCommitted (replication) kept its spill file open, and
  // with it the disk space of its prices, until the process ended. The files are unlinked at once,
  // so only the process's open descriptors tell.
  it('closes its file once the batch is written or applied', async () => {
    const spill = fresh();
    const writer = await open(spill);
    const replica = await open(spill);
    for (let n = 0; n < 3; n++) {
      const items = randomPrices(20 + n, 350, '2016-01-01', 10);
      const written = await writer.write(items, { batchId: `b${n}` });
      await replica.applyCommitted({ version: written.version, batchId: `b${n}`, items });
    }
    await expectCode(writer.write([...randomPrices(9, 350, '2016-01-01', 10), { origin: 'ZZZZZ', destination: 'CNSHA', day: '2016-01-01', price: 1 }]), 'RATESTORE_INVALID_BATCH');
    expect(openSpillFiles()).toBe(0);
    expect(replica.version).toBe(writer.version);
    await Promise.all([writer.close(), replica.close()]);
  });

  it('is a non-empty string', () => {
    for (const bad of ['', 5, null]) expect(() => new Ratestore({ memory: true, spillDirectory: bad as string })).toThrow(/spillDirectory must be a non-empty string/);
  });
});
