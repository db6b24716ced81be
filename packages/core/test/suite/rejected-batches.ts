import { describe, expect, it } from 'vitest';
import type { StoreFactory, SuiteStore } from '../stores.js';
import { Ratestore, itemSlices, type BatchItem, type RatestoreError } from '../../src/index.js';
import { TREE, asyncItems, expectCode, expectRows, price, row, useStores } from '../helpers.js';

/** A batch with bad items writes nothing and reports them; references are checked batch-wide. */
export function rejectedBatchesSuite(factory: StoreFactory): void {
  describe(`rejected batches on ${factory.name}`, () => {
    const stores = useStores(factory);
    const query = { dateFrom: '2016-01-01', dateTo: '2016-01-02', origin: 'world', destination: 'world', minCount: 1 };

    /** Everything a reader can observe, to compare before and after a rejected batch. */
    async function snapshot(store: SuiteStore) {
      return {
        version: store.version,
        batches: store.batches(),
        ports: store.ports(),
        regions: store.regions(),
        staged: await store.stagedBatches(),
        rows: (await store.rates(query)).rows
      };
    }

    async function seeded(options = {}) {
      const store = await stores.open(options);
      await store.write(TREE);
      await store.write([price('CNSHA', 'NLRTM', '2016-01-01', 100)]);
      return store;
    }

    it('counts item indexes across the slices of itemSlices, and writes nothing of a batch with a bad item', async () => {
      const store = await seeded();
      const before = await snapshot(store);
      const good = price('CNSHA', 'NLRTM', '2016-01-02', 100);
      const slices = [[good, good], [], [good, { origin: 'CNSH', destination: 'NLRTM', day: '2016-01-02', price: 1 }]] as unknown as BatchItem[][];
      const error = await expectCode(store.write(itemSlices(asyncItems(slices))), 'RATESTORE_INVALID_BATCH');
      expect(error.issues!.map(({ index, field }) => ({ index, field }))).toEqual([{ index: 3, field: 'origin' }]);
      expect(await snapshot(store)).toEqual(before);
    });

    it('reports every bad item with index, field, code and reason, and writes nothing', async () => {
      const store = await seeded();
      const before = await snapshot(store);
      const items = [
        price('CNSHA', 'NLRTM', '2016-01-02', 100), // fine
        { origin: 'CNSH', destination: 'NLRTM', day: '2016-01-02', price: 1 }, // 1: bad origin
        { origin: 'CNSHA', destination: 'nlrtm', day: '2016-01-02', price: 1 }, // 2: bad destination
        price('CNSHA', 'NLRTM', '2016-02-30', 1), // 3: not a date
        price('CNSHA', 'NLRTM', '2016-01-02', 0), // 4: not positive
        price('CNSHA', 'NLRTM', '2016-01-02', 1.234), // 5: three decimals
        price('CNSHA', 'NLRTM', '2016-01-02', 10_000_000.01), // 6: too large
        { type: 'port', code: 'JPTYO', name: '', region: 'east_asia' }, // 7: empty name
        { type: 'region', slug: 'Bad-Slug', name: 'Bad' }, // 8: bad slug
        { type: 'vessel', name: 'x' }, // 9: unknown type
        null, // 10: not an object
        { type: 'region', slug: 'loop', name: 'Loop', parent: 'loop' }, // 11: its own parent
        price('CNSHA', 'NLRTM', '2016-01-02', Number.NaN) // 12: not a number
      ] as unknown as BatchItem[];
      const error = await expectCode(store.write(items), 'RATESTORE_INVALID_BATCH');
      expect(error.issueCount).toBe(items.length - 1);
      expect(error.issues!.map(({ index, field, code }) => ({ index, field, code }))).toEqual([
        { index: 1, field: 'origin', code: 'RATESTORE_INVALID_FIELD' },
        { index: 2, field: 'destination', code: 'RATESTORE_INVALID_FIELD' },
        { index: 3, field: 'day', code: 'RATESTORE_INVALID_DATE' },
        { index: 4, field: 'price', code: 'RATESTORE_INVALID_PRICE' },
        { index: 5, field: 'price', code: 'RATESTORE_INVALID_PRICE' },
        { index: 6, field: 'price', code: 'RATESTORE_INVALID_PRICE' },
        { index: 7, field: 'name', code: 'RATESTORE_INVALID_FIELD' },
        { index: 8, field: 'slug', code: 'RATESTORE_INVALID_FIELD' },
        { index: 9, field: 'type', code: 'RATESTORE_INVALID_FIELD' },
        { index: 10, field: '', code: 'RATESTORE_INVALID_ITEM' },
        { index: 11, field: 'parent', code: 'RATESTORE_REGION_CYCLE' },
        { index: 12, field: 'price', code: 'RATESTORE_INVALID_PRICE' }
      ]);
      for (const issue of error.issues!) {
        expect(issue.reason).toEqual(expect.any(String));
        expect(issue.reason.length).toBeGreaterThan(0);
        expect(issue.chunk).toBeUndefined(); // a one-call write reports positions in the whole batch
      }
      expect(await snapshot(store)).toEqual(before);
    });

    // Was a bug in validate/items.ts (fixed in place, one line): the tolerance for float error in
    // price * 100 grew with the price (1e-6 * price cents), so above ~100,000 USD prices with three or
    // more decimals were accepted and silently rounded (5,000,000.123 stored as 5,000,000.12).
    it('checks the limits of each field', async () => {
      const store = await seeded();
      const before = await snapshot(store);
      const slug64 = 'r'.repeat(64);
      const name200 = 'n'.repeat(200);
      const items = [
        price('CNSHA', 'NLRTM', '1899-12-31', 1), // 0: before 1900
        price('CNSHA', 'NLRTM', '3000-01-01', 1), // 1: after 2999
        price('CNSHA', 'NLRTM', '2016-01-02', 5_000_000.123), // 2: three decimals on a large price
        price('CNSHA', 'NLRTM', '2016-01-02', 9_999_999.999), // 3: rounds up to the maximum, still three decimals
        price('CNSHA', 'NLRTM', '2016-01-02', 123_456.001), // 4
        price('CNSHA', 'NLRTM', '2016-01-02', 0.001), // 5
        price('CNSHA', 'NLRTM', '2016-01-02', Infinity), // 6
        price('CNSHA', 'NLRTM', '2016-01-02', '100' as unknown as number), // 7: a string
        { type: 'region', slug: 'r'.repeat(65), name: 'Long' }, // 8: slug too long
        { type: 'region', slug: 'longname', name: 'n'.repeat(201) }, // 9: name too long
        { type: 'region', slug: 'blank', name: '   ' }, // 10: blank name
        { type: 'port', code: 'ABCD1', name: 'Digit', region: 'asia' } // 11: digit in a code
      ] as BatchItem[];
      const error = await expectCode(store.write(items), 'RATESTORE_INVALID_BATCH');
      expect(error.issues!.map(({ index, field }) => `${index}:${field}`)).toEqual([
        '0:day', '1:day', '2:price', '3:price', '4:price', '5:price', '6:price', '7:price', '8:slug', '9:name', '10:name', '11:code'
      ]);
      expect(await snapshot(store)).toEqual(before);
      // The limits themselves are fine.
      const fine = await store.write([
        price('CNSHA', 'NLRTM', '1900-01-01', 0.01),
        price('CNSHA', 'NLRTM', '2999-12-31', 10_000_000),
        price('CNSHA', 'NLRTM', '2016-01-02', 9_999_999.99),
        price('CNSHA', 'NLRTM', '2016-01-02', 0.1 + 0.2), // float noise on a 2-decimal value
        { type: 'region', slug: slug64, name: name200 },
        { type: 'port', code: 'ZZZZZ', name: 'Z', region: slug64 }
      ]);
      expect(fine.counts).toEqual({ prices: 4, ports: 1, regions: 1 });
      const edge = { origin: 'CNSHA', destination: 'NLRTM', minCount: 1 };
      expect((await store.rates({ ...edge, dateFrom: '1900-01-01', dateTo: '1900-01-01' })).rows).toEqual([row('1900-01-01', [0.01], 1)]);
      expect((await store.rates({ ...edge, dateFrom: '2999-12-31', dateTo: '2999-12-31' })).rows).toEqual([row('2999-12-31', [10_000_000], 1)]);
      expect((await store.rates({ ...edge, dateFrom: '2016-01-02', dateTo: '2016-01-02' })).rows[0]).toMatchObject({ count: 2, min: 0.3, max: 9_999_999.99 });
      await expectCode(store.rates({ ...edge, dateFrom: '1899-12-31', dateTo: '1900-01-01' }), 'RATESTORE_INVALID_DATE', 'dateFrom');
      await expectCode(store.rates({ ...edge, dateFrom: '2999-12-31', dateTo: '3000-01-01' }), 'RATESTORE_INVALID_DATE', 'dateTo');
    });

    // Was a bug: a name could hold a terminal escape, a right-to-left override that makes it read as
    // another name, or an unpaired surrogate, which LevelDB stored as U+FFFD (it read back changed).
    it('refuses names with control, bidirectional formatting or unpaired surrogate characters', async () => {
      const store = await seeded();
      const before = await snapshot(store);
      const bad = ['Esc\u001b[31m', 'Tab\there', 'Del\u007f', 'C1\u0085', 'Line\u2028', 'Over\u202Eride', 'Iso\u2066late', 'Mark\u200F', 'Half\uD83D'];
      const items = bad.map((name, n) => ({ type: 'region', slug: `bad_${n}`, name })) as BatchItem[];
      const error = await expectCode(store.write(items), 'RATESTORE_INVALID_BATCH');
      expect(error.issues!.map(({ index, field, code }) => `${index}:${field}:${code}`)).toEqual(bad.map((_, n) => `${n}:name:RATESTORE_INVALID_FIELD`));
      expect(error.issues![5]!.reason).toContain('U+202E at position 4');
      expect(await snapshot(store)).toEqual(before);
      // Letters of any script, emoji (a surrogate pair), joiners and accents are names.
      const fine = ['Zürich Hbf', 'القاهرة', '東京', 'Port 🚢', 'क्‍ष', 'Ship\u200Dyard'];
      const result = await store.write(fine.map((name, n) => ({ type: 'region', slug: `fine_${n}`, name })) as BatchItem[]);
      expect(result.counts.regions).toBe(fine.length);
      const stored = new Map((await store.regions()).map((region) => [region.slug, region.name]));
      expect(fine.map((_, n) => stored.get(`fine_${n}`))).toEqual(fine);
    });

    // Was a bug: a member an item does not have was ignored: `"currency": "EUR"` stored a euro price
    // as dollars, and a region's misspelled `"parnet"` moved it to the top level.
    it('refuses members an item does not have, naming them', async () => {
      const store = await seeded();
      const before = await snapshot(store);
      const items = [
        { ...price('CNSHA', 'NLRTM', '2016-01-02', 100), currency: 'EUR' },
        { type: 'region', slug: 'north_europe', name: 'North Europe', parnet: 'europe' },
        { type: 'port', code: 'NLRTM', name: 'Rotterdam', region: 'north_europe', country: 'NL' }
      ] as unknown as BatchItem[];
      const error = await expectCode(store.write(items), 'RATESTORE_INVALID_BATCH');
      expect(error.issues!.map(({ index, field, code }) => `${index}:${field}:${code}`)).toEqual(['0:currency:RATESTORE_INVALID_FIELD', '1:parnet:RATESTORE_INVALID_FIELD', '2:country:RATESTORE_INVALID_FIELD']);
      expect(error.issues![0]!.reason).toBe('unknown member "currency": a price has origin, destination, day and price (USD: there is no currency member)');
      expect(await snapshot(store)).toEqual(before);
      // Its own members, `type` included, are all a price may have.
      expect((await store.write([{ type: 'price', ...price('CNSHA', 'NLRTM', '2016-01-02', 100) }])).counts.prices).toBe(1);
    });

    // Was a bug: 1e-9, 4e-9 and 1e-300 were stored as 0 cents, dragging averages down, and
    // 1.000000001 was stored as 1 (the tolerance for float error let ten thousandths of a cent through).
    it('refuses prices that are not money: below a cent, or more decimals than float noise explains', async () => {
      const store = await seeded();
      const before = await snapshot(store);
      const notMoney = [1e-9, 4e-9, 1e-300, 1.000000001, 0.004, 1234.0000001];
      const items = [price('CNSHA', 'NLRTM', '2016-01-02', 100), ...notMoney.map((value) => price('CNSHA', 'NLRTM', '2016-01-02', value))];
      const error = await expectCode(store.write(items), 'RATESTORE_INVALID_BATCH');
      expect(error.issues!.map(({ index, field, code }) => `${index}:${field}:${code}`)).toEqual(notMoney.map((_, i) => `${i + 1}:price:RATESTORE_INVALID_PRICE`));
      expect(await snapshot(store)).toEqual(before);
    });

    // Was a bug: a batch with no items committed a new version with nothing in it.
    it('refuses an empty batch with RATESTORE_EMPTY_BATCH: no version, nothing staged', async () => {
      const store = await seeded();
      const before = await snapshot(store);
      async function* none(): AsyncGenerator<BatchItem> {}
      for (const items of [[], new Set<BatchItem>(), none()]) await expectCode(store.write(items), 'RATESTORE_EMPTY_BATCH');
      await expectCode(store.write([], { batchId: 'empty-write' }), 'RATESTORE_EMPTY_BATCH');
      expect(store.batch('empty-write')).toBeUndefined();
      expect(await snapshot(store)).toEqual(before);

      // A staged batch with nothing added, or only empty chunks, is refused at commit and stays staged.
      const batch = await store.begin('empty-upload');
      await expectCode(batch.commit(), 'RATESTORE_EMPTY_BATCH');
      await batch.add([], { chunk: 0 });
      await expectCode(store.commit('empty-upload'), 'RATESTORE_EMPTY_BATCH');
      expect(store.version).toBe(before.version);
      expect(await store.staged('empty-upload')).toMatchObject({ chunks: [0], items: 0 });
      await batch.add([price('CNSHA', 'NLRTM', '2016-01-02', 5)], { chunk: 1 });
      expect((await batch.commit()).version).toBe(before.version + 1);
      // A committed batch id answers its first result, whatever comes with it.
      expect((await store.write([], { batchId: 'empty-upload' })).version).toBe(before.version + 1);
    });

    // Was a bug: each bad item reported only its first problem, so a fix revealed the next one.
    it('reports every problem of an item, one entry each, capped per item and counted', async () => {
      const store = await seeded();
      const before = await snapshot(store);
      const items = [
        { origin: 'cnsha', destination: 'NL', day: '2016-13-01', price: -1 }, // 0: four problems
        price('CNSHA', 'NLRTM', '2016-02-30', 1.001), // 1: day and price
        { type: 'port', code: 'jptyo', name: '', region: 'Nowhere!' }, // 2: code, name and region
        { type: 'region', slug: 'Bad Slug', name: 7, parent: 'Also Bad' }, // 3: slug, name and parent
        price('ZZZZZ', 'YYYYY', '2016-01-02', 5) // 4: both ports unknown (checked too, though other items are bad)
      ] as unknown as BatchItem[];
      const fields = (error: RatestoreError) => error.issues!.map(({ index, field, code }) => `${index}:${field}:${code}`);
      const error = await expectCode(store.write(items), 'RATESTORE_INVALID_BATCH');
      expect(fields(error)).toEqual([
        '0:origin:RATESTORE_INVALID_FIELD', '0:destination:RATESTORE_INVALID_FIELD', '0:day:RATESTORE_INVALID_DATE', '0:price:RATESTORE_INVALID_PRICE',
        '1:day:RATESTORE_INVALID_DATE', '1:price:RATESTORE_INVALID_PRICE',
        '2:code:RATESTORE_INVALID_FIELD', '2:name:RATESTORE_INVALID_FIELD', '2:region:RATESTORE_INVALID_FIELD',
        '3:slug:RATESTORE_INVALID_FIELD', '3:name:RATESTORE_INVALID_FIELD', '3:parent:RATESTORE_INVALID_FIELD',
        '4:origin:RATESTORE_UNKNOWN_PORT', '4:destination:RATESTORE_UNKNOWN_PORT'
      ]);
      expect(error.issueCount).toBe(14);
      // A duplicate port in an unknown region has two problems too.
      const refs = await expectCode(store.write([
        price('ZZZZZ', 'YYYYY', '2016-01-02', 5),
        { type: 'port', code: 'JPTYO', name: 'Tokyo', region: 'east_asia' },
        { type: 'port', code: 'JPTYO', name: 'Tokio', region: 'nowhere' }
      ]), 'RATESTORE_INVALID_BATCH');
      expect(fields(refs)).toEqual(['2:code:RATESTORE_DUPLICATE_CODE', '2:region:RATESTORE_UNKNOWN_REGION', '0:origin:RATESTORE_UNKNOWN_PORT', '0:destination:RATESTORE_UNKNOWN_PORT']);
      expect(refs.issueCount).toBe(4);

      // maxIssuesPerItem lists the first problems of each item; issueCount still counts them all.
      const capped = await seeded({ maxIssuesPerItem: 2 });
      const few = await expectCode(capped.write(items.slice(0, 2)), 'RATESTORE_INVALID_BATCH');
      expect(fields(few)).toEqual(['0:origin:RATESTORE_INVALID_FIELD', '0:destination:RATESTORE_INVALID_FIELD', '1:day:RATESTORE_INVALID_DATE', '1:price:RATESTORE_INVALID_PRICE']);
      expect(few.issueCount).toBe(6);
      expect(await snapshot(store)).toEqual(before);
      await expectCode(() => new Ratestore({ memory: true, maxIssuesPerItem: 0 }), 'RATESTORE_INVALID_ARGUMENT', 'maxIssuesPerItem');
    });

    it('caps the issues at maxIssues while issueCount counts them all', async () => {
      const store = await seeded({ maxIssues: 5 });
      const before = await snapshot(store);
      const bad = Array.from({ length: 40 }, (_, i) => price('CNSHA', 'NLRTM', '2016-01-02', -i - 1));
      const items = [price('CNSHA', 'NLRTM', '2016-01-02', 100), ...bad];
      const error = await expectCode(store.write(items), 'RATESTORE_INVALID_BATCH');
      expect(error.issueCount).toBe(bad.length);
      expect(error.issues).toHaveLength(5);
      expect(error.issues!.map((issue) => issue.index)).toEqual([1, 2, 3, 4, 5]);
      expect(await snapshot(store)).toEqual(before);
      // The default cap is 100.
      const plain = await seeded();
      const many = await expectCode(plain.write(Array.from({ length: 150 }, () => price('CNSHA', 'NLRTM', '2016-01-02', 0))), 'RATESTORE_INVALID_BATCH');
      expect(many.issueCount).toBe(150);
      expect(many.issues).toHaveLength(100);
    });

    it('rejects a large batch whose bad item comes after several chunks, leaving nothing staged', async () => {
      const store = await seeded({ chunkSize: 10 });
      const before = await snapshot(store);
      const items = [...Array.from({ length: 95 }, (_, i) => price('CNSHA', 'NLRTM', '2016-01-02', 100 + i)), price('CNSHA', 'NLRTM', '2016-01-02', -5)];
      const error = await expectCode(store.write(items), 'RATESTORE_INVALID_BATCH');
      expect(error.issues).toEqual([expect.objectContaining({ index: 95, field: 'price', code: 'RATESTORE_INVALID_PRICE' })]);
      expect(await snapshot(store)).toEqual(before);
      // An unknown port found at commit, after every chunk was staged, also leaves nothing behind.
      const unknown = await expectCode(store.write([...items.slice(0, 95), price('CNSHA', 'ZZZZZ', '2016-01-02', 5)]), 'RATESTORE_INVALID_BATCH');
      expect(unknown.issues).toEqual([expect.objectContaining({ index: 95, field: 'destination', code: 'RATESTORE_UNKNOWN_PORT' })]);
      expect(await snapshot(store)).toEqual(before);
      // And the same batch id can then be used for a good batch.
      const good = await store.write(items.slice(0, 95), { batchId: 'retry' });
      expect(good.version).toBe(before.version + 1);
    });

    it('accepts a batch that names a region before the item that creates it', async () => {
      const store = await stores.open();
      // Ports first, then regions child before parent, then prices: like a database dump.
      const dump: BatchItem[] = [
        price('AAAAA', 'BBBBB', '2016-01-01', 10),
        { type: 'port', code: 'AAAAA', name: 'A', region: 'leaf' },
        { type: 'port', code: 'BBBBB', name: 'B', region: 'top' },
        { type: 'region', slug: 'leaf', name: 'Leaf', parent: 'middle' },
        { type: 'region', slug: 'middle', name: 'Middle', parent: 'top' },
        { type: 'region', slug: 'top', name: 'Top' }
      ];
      const result = await store.write(dump);
      expect(result.counts).toEqual({ prices: 1, ports: 2, regions: 3 });
      const { rows } = await store.rates({ dateFrom: '2016-01-01', dateTo: '2016-01-01', origin: 'leaf', destination: 'top', minCount: 1 });
      expectRows(rows, [row('2016-01-01', [10], 1)]);
    });

    it('keeps regions at most 64 levels deep: deeper, itself or beneath a region moved, is refused and writes nothing', async () => {
      const store = await seeded();
      const chain = (prefix: string, length: number, top: string | null = null): BatchItem[] =>
        Array.from({ length }, (_, i) => ({ type: 'region' as const, slug: `${prefix}${i + 1}`, name: `${prefix} ${i + 1}`, parent: i === 0 ? top : `${prefix}${i}` }));
      // 64 levels are a tree like any other: written, read and rolled up.
      await store.write([...chain('l', 64), { type: 'port', code: 'DEEPP', name: 'Deep', region: 'l64' }, price('DEEPP', 'NLRTM', '2016-01-02', 7)]);
      const { rows } = await store.rates({ dateFrom: '2016-01-02', dateTo: '2016-01-02', origin: 'l1', destination: 'europe', minCount: 1 });
      expectRows(rows, [row('2016-01-02', [7], 1)]);
      const before = await snapshot(store);
      const refused = async (items: BatchItem[]) => {
        const error = await expectCode(store.write(items), 'RATESTORE_INVALID_BATCH');
        expect(await snapshot(store)).toEqual(before);
        return error.issues!;
      };
      // One more level.
      expect(await refused([{ type: 'region', slug: 'l65', name: 'L 65', parent: 'l64' }])).toEqual([
        expect.objectContaining({ index: 0, field: 'parent', code: 'RATESTORE_REGION_TOO_DEEP', reason: expect.stringContaining('level 65') })
      ]);
      // A move of a region whose regions beneath (europe > north_europe > baltic under world) end up
      // too deep: the move is refused, not the new regions it moves under.
      const moved = await refused([...chain('m', 61), { type: 'region', slug: 'world', name: 'World', parent: 'm61' }]);
      expect(moved).toEqual([expect.objectContaining({ index: 61, field: 'parent', code: 'RATESTORE_REGION_TOO_DEEP', reason: expect.stringContaining('baltic') })]);
      // Thousands of levels in one batch are refused at once: each region below level 64.
      const error = await expectCode(store.write(chain('d', 3000)), 'RATESTORE_INVALID_BATCH');
      expect(error.issueCount).toBe(3000 - 64);
      expect(error.issues![0]).toMatchObject({ index: 64, field: 'parent', code: 'RATESTORE_REGION_TOO_DEEP' });
      expect(await snapshot(store)).toEqual(before);
    });

    it('rejects references that do not resolve, cycles and duplicates, and writes nothing', async () => {
      const store = await seeded();
      const before = await snapshot(store);
      const cases: Array<{ items: BatchItem[]; issues: Array<{ index: number; field: string; code: string }> }> = [
        { // a port in an unknown region
          items: [{ type: 'port', code: 'JPTYO', name: 'Tokyo', region: 'nowhere' }],
          issues: [{ index: 0, field: 'region', code: 'RATESTORE_UNKNOWN_REGION' }]
        },
        { // a region under an unknown parent
          items: [price('CNSHA', 'NLRTM', '2016-01-02', 5), { type: 'region', slug: 'pacific', name: 'Pacific', parent: 'nowhere' }],
          issues: [{ index: 1, field: 'parent', code: 'RATESTORE_UNKNOWN_REGION' }]
        },
        { // a cycle within the batch
          items: [{ type: 'region', slug: 'r1', name: 'R1', parent: 'r2' }, { type: 'region', slug: 'r2', name: 'R2', parent: 'r1' }],
          issues: [{ index: 0, field: 'parent', code: 'RATESTORE_REGION_CYCLE' }, { index: 1, field: 'parent', code: 'RATESTORE_REGION_CYCLE' }]
        },
        { // a cycle with stored regions: world under its own grandchild
          items: [{ type: 'region', slug: 'world', name: 'World', parent: 'east_asia' }],
          issues: [{ index: 0, field: 'parent', code: 'RATESTORE_REGION_CYCLE' }]
        },
        { // the same port twice
          items: [{ type: 'port', code: 'JPTYO', name: 'Tokyo', region: 'east_asia' }, { type: 'port', code: 'JPTYO', name: 'Tokio', region: 'east_asia' }],
          issues: [{ index: 1, field: 'code', code: 'RATESTORE_DUPLICATE_CODE' }]
        },
        { // the same region twice
          items: [{ type: 'region', slug: 'pacific', name: 'Pacific' }, { type: 'region', slug: 'pacific', name: 'Pacific 2' }],
          issues: [{ index: 1, field: 'slug', code: 'RATESTORE_DUPLICATE_CODE' }]
        },
        { // prices naming unknown ports
          items: [price('CNSHA', 'NLRTM', '2016-01-02', 5), price('ZZZZZ', 'NLRTM', '2016-01-02', 5), price('CNSHA', 'YYYYY', '2016-01-02', 5)],
          issues: [{ index: 1, field: 'origin', code: 'RATESTORE_UNKNOWN_PORT' }, { index: 2, field: 'destination', code: 'RATESTORE_UNKNOWN_PORT' }]
        }
      ];
      for (const { items, issues } of cases) {
        const error = await expectCode(store.write(items), 'RATESTORE_INVALID_BATCH');
        expect(error.issues!.map(({ index, field, code }) => ({ index, field, code }))).toEqual(issues);
        expect(error.issueCount).toBe(issues.length);
        expect(await snapshot(store)).toEqual(before);
      }
      // Every bad item is reported, reference issues of ports and regions and unknown ports of prices alike.
      const both = await expectCode(store.write([
        { type: 'port', code: 'JPTYO', name: 'Tokyo', region: 'nowhere' },
        price('CNSHA', 'ZZZZZ', '2016-01-02', 5)
      ]), 'RATESTORE_INVALID_BATCH');
      expect(both.issues!.map(({ index, field, code }) => ({ index, field, code }))).toEqual([
        { index: 0, field: 'region', code: 'RATESTORE_UNKNOWN_REGION' },
        { index: 1, field: 'destination', code: 'RATESTORE_UNKNOWN_PORT' }
      ]);
      expect(both.issueCount).toBe(2);
      expect(await snapshot(store)).toEqual(before);
      // A price may name a port the same batch creates, wherever the port item stands.
      const fine = await store.write([price('CNSHA', 'JPTYO', '2016-01-02', 5), { type: 'port', code: 'JPTYO', name: 'Tokyo', region: 'east_asia' }]);
      expect(fine.counts).toEqual({ prices: 1, ports: 1, regions: 0 });
    });
  });
}
