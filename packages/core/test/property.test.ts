/**
 * Property-based tests: random command sequences run against the store and against a plain
 * in-memory model, on both backends. Commands: one-call writes and staged writes (several chunks,
 * sometimes a replaced chunk) of random prices, which may also move ports to other regions and
 * re-parent regions; bursts of small batches over the same few routes, which make checkpoints (the
 * store checkpoints a pair and month after every 2 records); staged batches that are aborted;
 * re-commits of a used batch id; reverts of random batches (checkpointed or not); compaction with a
 * random retainVersions, and without folding (which writes the checkpoints due); closing and
 * reopening the store. Checkpoints are also written in the background between commands and
 * queries. After every command random queries (origin and destination any port or region, a random
 * date range, a random minCount, a random retained `asOf`, a third of them widening thin lanes to
 * parent regions, half of them asking for percentiles) are checked against the model, as are the
 * version, the retention horizon, the batch log, the catalog and the rejections of versions out of
 * range; at the end every pair at two versions, chosen pairs at every retained version, and the
 * layout of the records (test/layout.ts).
 *
 * The model is deliberately naive: every price with the version of its batch, the history of every
 * port's region and every region's parent, and the version that reverted each batch; a query
 * scans all of it. Its percentiles are exact (the day's prices sorted, the one at rank
 * ⌊q/100 · (n − 1)⌋), and the store's must be within 1% of them on every day.
 *
 * The seed is fixed so that CI is reproducible; fast-check prints the seed and the shrunk
 * counterexample on failure. Pass another seed with RATESTORE_PROPERTY_SEED to explore.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Ratestore, RatestoreError, type BatchItem, type Db, type RateRow } from '../src/index.js';
import { classicBackend, memoryBackend, type Backend } from './backends.js';
import { layoutProblems } from './layout.js';

const SEED = Number(process.env.RATESTORE_PROPERTY_SEED ?? 20_240_127);

// ---------------------------------------------------------------------------------------------
// The universe: 7 ports, 8 regions 3 levels deep, 10 days across a month boundary.

const REGIONS: Array<[slug: string, parent: string | null]> = [
  ['asia', null], ['europe', null],
  ['east_asia', 'asia'], ['se_asia', 'asia'], ['north_eu', 'europe'], ['south_eu', 'europe'],
  ['china', 'east_asia'], ['nordic', 'north_eu']
];
const PORTS: Array<[code: string, region: string]> = [
  ['CNSHA', 'china'], ['CNNGB', 'china'], ['SGSIN', 'se_asia'], ['NLRTM', 'north_eu'],
  ['SEGOT', 'nordic'], ['ITGOA', 'south_eu'], ['JPTYO', 'asia'] // a region with ports and sub-regions
];
const REGION_SLUGS = REGIONS.map(([slug]) => slug);
const PORT_CODES = PORTS.map(([code]) => code);
const LOCATIONS = [...PORT_CODES, ...REGION_SLUGS];

function dayString(offset: number): string {
  return new Date(Date.UTC(2024, 0, 25) + offset * 86_400_000).toISOString().slice(0, 10);
}
/**
 * The model's rank for percentile q of n prices, ⌊q/100 · (n − 1)⌋, worked out apart from the
 * engine's (exact decimals): multiply first, and let a rank that floating point puts a hair below
 * a whole number (29 · 100 / 100 is exact, 29 / 100 · 100 is not) count as that number. The
 * model's days hold a few hundred prices at most, so the error is far below 1e-9.
 */
function exactRank(q: number, n: number): number {
  return Math.floor((q * (n - 1)) / 100 + 1e-9);
}

/** Prices fall on 2024-01-27 .. 2024-02-05; queries span 2024-01-25 .. 2024-02-07. */
const PRICE_DAYS = Array.from({ length: 10 }, (_, i) => dayString(i + 2));
const QUERY_DAYS = Array.from({ length: 14 }, (_, i) => dayString(i));

// ---------------------------------------------------------------------------------------------
// The model

interface ModelPrice { version: number; batchId: string; origin: string; destination: string; day: string; cents: number }
interface ModelBatch { batchId: string; version: number; counts: { prices: number; ports: number; regions: number }; revertedBy: number | null }
interface Change { version: number; id: string; value: string | null }

class Model {
  head = 0;
  foldedThrough = 0;
  readonly prices: ModelPrice[] = [];
  readonly batches: ModelBatch[] = [];
  /** Port region and region parent changes, in version order. */
  readonly portChanges: Change[] = [];
  readonly regionChanges: Change[] = [];

  portRegions(version: number): Map<string, string> {
    const map = new Map<string, string>();
    for (const change of this.portChanges) if (change.version <= version) map.set(change.id, change.value!);
    return map;
  }

  regionParents(version: number): Map<string, string | null> {
    const map = new Map<string, string | null>();
    for (const change of this.regionChanges) if (change.version <= version) map.set(change.id, change.value);
    return map;
  }

  /** Whether `location` (a port or a region) is or holds `port`, at `version`. */
  static holds(location: string, port: string, regions: Map<string, string>, parents: Map<string, string | null>): boolean {
    if (location === port) return true;
    let region: string | null | undefined = regions.get(port);
    while (region !== undefined && region !== null) {
      if (region === location) return true;
      region = parents.get(region);
    }
    return false;
  }

  /** Descendants of `slug` (itself included) at the head. */
  descendants(slug: string): Set<string> {
    const parents = this.regionParents(this.head);
    const out = new Set<string>([slug]);
    for (let grew = true; grew;) {
      grew = false;
      for (const [region, parent] of parents) if (parent !== null && out.has(parent) && !out.has(region)) grew = out.add(region) !== undefined;
    }
    return out;
  }

  /** The prices a read at `version` sees on the days from `from` to `to`. */
  visiblePrices(from: string, to: string, version: number): ModelPrice[] {
    const revertedBy = new Map(this.batches.map((b) => [b.batchId, b.revertedBy]));
    return this.prices.filter((price) => {
      const revert = revertedBy.get(price.batchId) ?? null;
      return price.version <= version && price.day >= from && price.day <= to && (revert === null || revert > version);
    });
  }

  rows(origin: string, destination: string, from: string, to: string, minCount: number, version: number, percentiles?: readonly number[]): RateRow[] {
    const regions = this.portRegions(version);
    const parents = this.regionParents(version);
    const days = new Map<string, { count: number; sum: number; min: number; max: number; cents: number[] }>();
    for (const price of this.visiblePrices(from, to, version)) {
      if (!Model.holds(origin, price.origin, regions, parents) || !Model.holds(destination, price.destination, regions, parents)) continue;
      const agg = days.get(price.day);
      if (agg === undefined) days.set(price.day, { count: 1, sum: price.cents, min: price.cents, max: price.cents, cents: [price.cents] });
      else {
        agg.count++;
        agg.sum += price.cents;
        agg.min = Math.min(agg.min, price.cents);
        agg.max = Math.max(agg.max, price.cents);
        agg.cents.push(price.cents);
      }
    }
    const names = percentiles?.map((q) => `p${q}`);
    return QUERY_DAYS.filter((day) => day >= from && day <= to).map((day): RateRow => {
      const agg = days.get(day);
      const row: RateRow = agg === undefined
        ? { day, average: null, count: 0, min: null, max: null }
        : { day, average: agg.count >= minCount ? agg.sum / agg.count / 100 : null, count: agg.count, min: agg.min / 100, max: agg.max / 100 };
      if (percentiles !== undefined) row.percentiles = Model.percentiles(agg?.cents ?? [], minCount, percentiles, names!);
      return row;
    });
  }

  /** Exact percentiles of a day's prices (cents): the price at rank ⌊q/100 · (n − 1)⌋ of them sorted, in USD; null below `minCount`. */
  static percentiles(cents: number[], minCount: number, percentiles: readonly number[], names: readonly string[]): Record<string, number | null> {
    const row: Record<string, number | null> = {};
    const known = cents.length >= minCount;
    // Sorted in place: the model's own array for the day, made for this query.
    if (known) cents.sort((a, b) => a - b);
    for (const [at, q] of percentiles.entries()) row[names[at]!] = known ? cents[exactRank(q, cents.length)]! / 100 : null;
    return row;
  }

  /**
   * `widen`, as the README states it: while no day reaches `minCount`, the side with fewer prices
   * over the range (every price leaving the origin, or reaching the destination; the origin on a
   * tie) moves to its parent, until some day reaches `minCount` or both sides are top-level regions.
   */
  widened(origin: string, destination: string, from: string, to: string, minCount: number, version: number, percentiles?: readonly number[]): { rows: RateRow[]; originUsed: string; destinationUsed: string } {
    const regions = this.portRegions(version);
    const parents = this.regionParents(version);
    const parentOf = (location: string): string | undefined => regions.get(location) ?? parents.get(location) ?? undefined;
    const prices = this.visiblePrices(from, to, version);
    const sidePrices = (location: string, side: 'origin' | 'destination'): number =>
      prices.filter((price) => Model.holds(location, price[side], regions, parents)).length;
    for (;;) {
      const rows = this.rows(origin, destination, from, to, minCount, version, percentiles);
      const [originParent, destinationParent] = [parentOf(origin), parentOf(destination)];
      if (rows.some((row) => row.count >= minCount) || (originParent === undefined && destinationParent === undefined)) {
        return { rows, originUsed: origin, destinationUsed: destination };
      }
      const widenOrigin = destinationParent === undefined ||
        (originParent !== undefined && sidePrices(origin, 'origin') <= sidePrices(destination, 'destination'));
      if (widenOrigin) origin = originParent!;
      else destination = destinationParent!;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Commands

interface PriceSpec { origin: number; destination: number; day: number; price: number }
type RefSpec = { kind: 'move'; port: number; region: number } | { kind: 'reparent'; region: number; parent: number };
interface QuerySpec { origin: number; destination: number; from: number; to: number; minCount: number; asOf: number; asOfMode: 'head' | 'retained' | 'old' | 'future'; widen?: boolean; percentiles?: number[] }

type Command =
  | { kind: 'write'; prices: PriceSpec[]; refs: RefSpec[]; staged: false }
  | { kind: 'write'; prices: PriceSpec[]; refs: RefSpec[]; staged: true; chunks: number[]; replaceFirst: boolean }
  | { kind: 'burst'; batches: PriceSpec[][] }
  | { kind: 'settle' }
  | { kind: 'abort'; prices: PriceSpec[] }
  | { kind: 'recommit'; pick: number }
  | { kind: 'revert'; pick: number }
  | { kind: 'compact'; retain: number }
  | { kind: 'reopen' };

interface Step { command: Command; queries: QuerySpec[] }

/** 0, 1 or 2 decimals, mostly modest amounts, now and then up to the 10,000,000 USD cap. */
const priceArb = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 5000 }) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 50_000 }).map((tenths) => tenths / 10) },
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 500_000 }).map((cents) => cents / 100) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 1_000_000_000 }).map((cents) => cents / 100) }
);

const priceSpecArb: fc.Arbitrary<PriceSpec> = fc.record({
  origin: fc.nat({ max: PORTS.length - 1 }),
  destination: fc.nat({ max: PORTS.length - 1 }),
  day: fc.nat({ max: PRICE_DAYS.length - 1 }),
  price: priceArb
});

const refSpecArb: fc.Arbitrary<RefSpec> = fc.oneof(
  fc.record({ kind: fc.constant('move' as const), port: fc.nat({ max: PORTS.length - 1 }), region: fc.nat({ max: REGIONS.length - 1 }) }),
  // parent REGIONS.length stands for "top level"
  fc.record({ kind: fc.constant('reparent' as const), region: fc.nat({ max: REGIONS.length - 1 }), parent: fc.nat({ max: REGIONS.length }) })
);

const pricesArb = fc.array(priceSpecArb, { maxLength: 12 });

/** Prices between the first three ports: a burst of batches of them piles records onto the same pairs and months. */
const narrowPriceArb: fc.Arbitrary<PriceSpec> = fc.record({
  origin: fc.nat({ max: 2 }),
  destination: fc.nat({ max: 2 }),
  day: fc.nat({ max: PRICE_DAYS.length - 1 }),
  price: priceArb
});

const commandArb: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('write' as const), prices: pricesArb, refs: fc.array(refSpecArb, { maxLength: 1 }), staged: fc.constant(false as const) }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('write' as const),
      prices: pricesArb,
      refs: fc.array(refSpecArb, { maxLength: 1 }),
      staged: fc.constant(true as const),
      chunks: fc.array(fc.nat({ max: 12 }), { minLength: 1, maxLength: 3 }),
      replaceFirst: fc.boolean()
    })
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('write' as const), prices: fc.array(priceSpecArb, { maxLength: 3 }), refs: fc.array(refSpecArb, { minLength: 1, maxLength: 2 }), staged: fc.constant(false as const) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('burst' as const), batches: fc.array(fc.array(narrowPriceArb, { minLength: 1, maxLength: 3 }), { minLength: 2, maxLength: 6 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'settle' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('abort' as const), prices: pricesArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('recommit' as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('revert' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('compact' as const), retain: fc.nat({ max: 5 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) }
);

const querySpecArb: fc.Arbitrary<QuerySpec> = fc.record({
  origin: fc.nat({ max: LOCATIONS.length - 1 }),
  destination: fc.nat({ max: LOCATIONS.length - 1 }),
  from: fc.nat({ max: QUERY_DAYS.length - 1 }),
  to: fc.nat({ max: QUERY_DAYS.length - 1 }),
  minCount: fc.integer({ min: 1, max: 4 }),
  asOf: fc.nat(),
  asOfMode: fc.constantFrom('head' as const, 'retained' as const, 'retained' as const, 'old' as const, 'future' as const),
  widen: fc.constantFrom(false, false, true),
  percentiles: fc.option(fc.uniqueArray(fc.oneof(fc.constantFrom(1, 25, 50, 75, 90, 99, 99.9), fc.double({ min: 0.001, max: 99.999, noNaN: true })), { minLength: 1, maxLength: 4 }), { nil: undefined, freq: 2 })
});

const stepsArb = fc.array(fc.record({ command: commandArb, queries: fc.array(querySpecArb, { minLength: 1, maxLength: 3 }) }), { minLength: 1, maxLength: 14 });

/** The first batch: every region and port (parents listed after children, which a batch allows), and some prices. */
const setupArb = pricesArb;

// ---------------------------------------------------------------------------------------------
// Running a sequence

function priceItems(specs: readonly PriceSpec[]): BatchItem[] {
  return specs.map((p) => ({ origin: PORT_CODES[p.origin]!, destination: PORT_CODES[p.destination]!, day: PRICE_DAYS[p.day]!, price: p.price }));
}

function cents(price: number): number {
  return Math.round(price * 100);
}

async function rejection(promise: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof promise === 'function' ? promise() : promise);
  } catch (error) {
    if (error instanceof RatestoreError) return error.code;
    throw error;
  }
  return 'resolved';
}

function sameRows(actual: RateRow[], expected: RateRow[]): boolean {
  if (actual.length !== expected.length) return false;
  return actual.every((row, i) => {
    const want = expected[i]!;
    const averageOk = want.average === null
      ? row.average === null
      : row.average !== null && Math.abs(row.average - want.average) <= 1e-9 * Math.abs(want.average);
    return row.day === want.day && row.count === want.count && row.min === want.min && row.max === want.max && averageOk && samePercentiles(row, want);
  });
}

/** The guarantee: each percentile within 1% (relative) of the exact one, null where it is, keys in the order asked; none when not asked. */
function samePercentiles(row: RateRow, want: RateRow): boolean {
  if (want.percentiles === undefined) return !('percentiles' in row);
  if (row.percentiles === undefined) return false;
  const expected = Object.keys(want.percentiles);
  const actual = Object.keys(row.percentiles);
  if (actual.length !== expected.length) return false;
  for (let i = 0; i < expected.length; i++) {
    const key = expected[i]!;
    const exact = want.percentiles[key]!;
    const got = row.percentiles[key];
    if (actual[i] !== key || (exact === null ? got !== null : got === null || got === undefined || Math.abs(got - exact) > 0.01 * exact)) return false;
  }
  return true;
}

class Runner {
  readonly model = new Model();
  store!: Ratestore;
  db: Db;
  #nextId = 0;

  constructor(readonly backend: Backend) {
    this.db = backend.create();
  }

  async open(): Promise<void> {
    this.store = new Ratestore({ db: this.db, chunkSize: 5, maxCells: 7, checkpointRecords: 2 });
    await this.store.open();
  }

  async reopen(): Promise<void> {
    await this.store.close();
    this.db = this.backend.reopen?.(this.db) ?? this.db;
    await this.open();
  }

  newId(): string {
    return `b${this.#nextId++}`;
  }

  /** Turns ref specs into items valid at the head, and records them in the model at `version`. */
  refItems(specs: readonly RefSpec[]): { items: BatchItem[]; changes: Array<['port' | 'region', Change]> } {
    const items: BatchItem[] = [];
    const changes: Array<['port' | 'region', Change]> = [];
    const seen = new Set<string>();
    const parents = this.model.regionParents(this.model.head);
    for (const spec of specs) {
      if (spec.kind === 'move') {
        const code = PORT_CODES[spec.port]!;
        if (seen.has(code)) continue;
        seen.add(code);
        const region = REGION_SLUGS[spec.region]!;
        items.push({ type: 'port', code, name: `Port ${code}`, region });
        changes.push(['port', { version: 0, id: code, value: region }]);
      } else {
        const slug = REGION_SLUGS[spec.region]!;
        if (seen.has(slug)) continue;
        // Only a parent outside the region's own subtree (as the tree stands with this batch's earlier changes).
        const below = new Set<string>([slug]);
        for (let grew = true; grew;) {
          grew = false;
          for (const [region, parent] of parents) if (parent !== null && below.has(parent) && !below.has(region)) grew = below.add(region) !== undefined;
        }
        const allowed = [null, ...REGION_SLUGS.filter((r) => !below.has(r))];
        const parent = allowed[spec.parent % allowed.length]!;
        seen.add(slug);
        parents.set(slug, parent);
        items.push({ type: 'region', slug, name: slug.toUpperCase(), parent });
        changes.push(['region', { version: 0, id: slug, value: parent }]);
      }
    }
    return { items, changes };
  }

  /** Records a committed batch in the model. */
  committed(batchId: string, version: number, prices: readonly PriceSpec[], changes: Array<['port' | 'region', Change]>): void {
    const m = this.model;
    expect(version, `version of ${batchId}`).toBe(m.head + 1);
    m.head = version;
    for (const p of prices) m.prices.push({ version, batchId, origin: PORT_CODES[p.origin]!, destination: PORT_CODES[p.destination]!, day: PRICE_DAYS[p.day]!, cents: cents(p.price) });
    let ports = 0;
    let regions = 0;
    for (const [kind, change] of changes) {
      if (kind === 'port') {
        m.portChanges.push({ ...change, version });
        ports++;
      } else {
        m.regionChanges.push({ ...change, version });
        regions++;
      }
    }
    m.batches.push({ batchId, version, counts: { prices: prices.length, ports, regions }, revertedBy: null });
  }

  async setup(prices: readonly PriceSpec[]): Promise<void> {
    const items: BatchItem[] = [
      // Children first: a batch may name a region before the item that creates it.
      ...[...REGIONS].reverse().map(([slug, parent]): BatchItem => ({ type: 'region', slug, name: slug.toUpperCase(), parent })),
      ...PORTS.map(([code, region]): BatchItem => ({ type: 'port', code, name: `Port ${code}`, region })),
      ...priceItems(prices)
    ];
    const result = await this.store.write(items, { batchId: 'setup' });
    this.committed('setup', result.version, prices, [
      ...REGIONS.map(([slug, parent]): ['region', Change] => ['region', { version: 0, id: slug, value: parent }]),
      ...PORTS.map(([code, region]): ['port', Change] => ['port', { version: 0, id: code, value: region }])
    ]);
  }

  async run(command: Command): Promise<void> {
    const { store, model } = this;
    switch (command.kind) {
      case 'write': {
        const { items: refs, changes } = this.refItems(command.refs);
        const items = [...priceItems(command.prices), ...refs];
        const batchId = this.newId();
        let result;
        if (items.length === 0) {
          // An empty batch is refused, staged or not, and changes nothing.
          expect(await rejection(command.staged ? store.begin(batchId).then((staged) => staged.commit()) : store.write(items, { batchId }))).toBe('RATESTORE_EMPTY_BATCH');
          if (command.staged) expect(await store.abort(batchId)).toBe(true);
          expect(store.version).toBe(model.head);
          break;
        }
        if (!command.staged) {
          result = await store.write(items, { batchId });
        } else {
          const staged = await store.begin(batchId);
          // Split the items at the given sizes; the rest goes in a last chunk.
          let at = 0;
          const chunks: BatchItem[][] = [];
          for (const size of command.chunks) {
            chunks.push(items.slice(at, at + size));
            at += size;
          }
          chunks.push(items.slice(at));
          if (command.replaceFirst) await staged.add(priceItems(command.prices.slice(0, 3)).concat(priceItems(command.prices)), { chunk: 0 });
          for (const [k, chunk] of chunks.entries()) {
            const added = await staged.add(chunk, k === 0 ? { chunk: 0 } : undefined);
            expect(added.items).toBe(chunk.length);
          }
          expect((await store.staged(batchId))?.chunks).toEqual(chunks.map((_, k) => k));
          expect(store.version, 'staging is invisible').toBe(model.head);
          result = await staged.commit();
          expect(await store.staged(batchId)).toBeUndefined();
        }
        this.committed(batchId, result.version, command.prices, changes);
        expect(result.counts).toEqual(model.batches.at(-1)!.counts);
        break;
      }
      case 'burst':
        for (const prices of command.batches) {
          const batchId = this.newId();
          const result = await store.write(priceItems(prices), { batchId });
          this.committed(batchId, result.version, prices, []);
        }
        break;
      case 'settle': {
        const result = await store.compact({ retainVersions: Infinity });
        expect(result).toEqual({ foldedThrough: model.foldedThrough, removed: 0, written: 0 });
        break;
      }
      case 'abort': {
        const batchId = this.newId();
        const staged = await store.begin(batchId);
        await staged.add(priceItems(command.prices));
        expect(await staged.abort()).toBe(true);
        expect(await staged.abort()).toBe(false);
        expect(await rejection(staged.commit())).toBe('RATESTORE_UNKNOWN_BATCH');
        break;
      }
      case 'recommit': {
        const batch = model.batches[command.pick % model.batches.length]!;
        const again = await store.write(priceItems([{ origin: 0, destination: 1, day: 0, price: 1 }]), { batchId: batch.batchId });
        expect(again.version).toBe(batch.version);
        expect(again.counts).toEqual(batch.counts);
        expect((await store.commit(batch.batchId)).version).toBe(batch.version);
        break;
      }
      case 'revert': {
        const batch = model.batches[command.pick % model.batches.length]!;
        if (batch.revertedBy !== null) {
          const again = await store.revert(batch.batchId);
          expect(again).toMatchObject({ batchId: batch.batchId, revertedVersion: batch.version, version: batch.revertedBy });
        } else if (batch.version <= model.foldedThrough) {
          expect(await rejection(store.revert(batch.batchId))).toBe('RATESTORE_VERSION_NOT_RETAINED');
        } else {
          const result = await store.revert(batch.batchId);
          expect(result).toMatchObject({ batchId: batch.batchId, revertedVersion: batch.version, version: model.head + 1 });
          model.head = result.version;
          batch.revertedBy = result.version;
        }
        break;
      }
      case 'compact': {
        const horizon = model.head - command.retain;
        const result = await store.compact({ retainVersions: command.retain });
        if (horizon > model.foldedThrough) model.foldedThrough = horizon;
        expect(result.foldedThrough).toBe(model.foldedThrough);
        break;
      }
      case 'reopen':
        await this.reopen();
        break;
    }
  }

  /** Version, horizon, batch log, catalog and version rejections agree with the model. */
  checkState(): void {
    const { store, model } = this;
    expect(store.version).toBe(model.head);
    expect(store.retainedFrom).toBe(model.foldedThrough);
    expect(store.batches().map(({ committedAt: _, ...info }) => info)).toEqual(
      model.batches.map((b) => ({ ...b, revertible: b.revertedBy === null && b.version > model.foldedThrough }))
    );
    const regions = model.portRegions(model.head);
    expect(store.ports().map((p) => [p.code, p.region])).toEqual([...regions].sort(([a], [b]) => (a < b ? -1 : 1)));
    const parents = model.regionParents(model.head);
    expect(store.regions().map((r) => [r.slug, r.parent])).toEqual([...parents].sort(([a], [b]) => (a < b ? -1 : 1)));
  }

  async checkQuery(spec: QuerySpec): Promise<void> {
    const { store, model } = this;
    const origin = LOCATIONS[spec.origin]!;
    const destination = LOCATIONS[spec.destination]!;
    const [from, to] = [QUERY_DAYS[Math.min(spec.from, spec.to)]!, QUERY_DAYS[Math.max(spec.from, spec.to)]!];
    const query = { dateFrom: from, dateTo: to, origin, destination, minCount: spec.minCount, ...(spec.percentiles === undefined ? {} : { percentiles: spec.percentiles }) };
    if (spec.asOfMode === 'old' && model.foldedThrough > 0) {
      const asOf = spec.asOf % model.foldedThrough;
      expect(await rejection(store.rates({ ...query, asOf })), `rates asOf ${asOf} below the horizon ${model.foldedThrough}`).toBe('RATESTORE_VERSION_NOT_RETAINED');
      expect(await rejection(() => store.ports({ asOf }))).toBe('RATESTORE_VERSION_NOT_RETAINED');
      return;
    }
    if (spec.asOfMode === 'future') {
      const asOf = model.head + 1 + (spec.asOf % 3);
      expect(await rejection(store.rates({ ...query, asOf }))).toBe('RATESTORE_UNKNOWN_VERSION');
      return;
    }
    const asOf = spec.asOfMode === 'head' ? undefined : model.foldedThrough + (spec.asOf % (model.head - model.foldedThrough + 1));
    const version = asOf ?? model.head;
    if (version === 0) {
      expect(await rejection(store.rates({ ...query, asOf }))).toBe('RATESTORE_UNKNOWN_LOCATION');
      return;
    }
    if (spec.widen === true) {
      const result = await store.rates({ ...query, asOf, widen: true });
      const expected = model.widened(origin, destination, from, to, spec.minCount, version, spec.percentiles);
      expect(result.version).toBe(version);
      const used = { query: { ...query, asOf: version, widen: true }, originUsed: result.originUsed, destinationUsed: result.destinationUsed };
      expect(used).toEqual({ ...used, originUsed: expected.originUsed, destinationUsed: expected.destinationUsed });
      if (!sameRows(result.rows, expected.rows)) expect({ ...used, rows: result.rows }).toEqual({ ...used, rows: expected.rows });
      return;
    }
    const result = await store.rates({ ...query, asOf });
    const expected = model.rows(origin, destination, from, to, spec.minCount, version, spec.percentiles);
    expect(result.version).toBe(version);
    expect(result.originUsed, 'a query that does not widen names no locations used').toBeUndefined();
    if (!sameRows(result.rows, expected)) {
      // toEqual gives the readable diff (averages may differ in the last bit without failing above).
      expect({ query: { ...query, asOf: version }, rows: result.rows }).toEqual({ query: { ...query, asOf: version }, rows: expected });
    }
  }

  /** Pairs the bursts write to, and others, at every retained version. */
  async checkEveryVersion(): Promise<void> {
    const pairs = [['CNSHA', 'CNNGB'], ['china', 'china'], ['asia', 'asia'], ['east_asia', 'SGSIN'], ['CNNGB', 'asia'], ['asia', 'europe'], ['NLRTM', 'ITGOA'], ['europe', 'europe']];
    const { model } = this;
    for (let version = Math.max(1, model.foldedThrough); version <= model.head; version++) {
      for (const [origin, destination] of pairs) {
        await this.checkQuery({
          origin: LOCATIONS.indexOf(origin!), destination: LOCATIONS.indexOf(destination!), from: 0, to: QUERY_DAYS.length - 1, minCount: 1,
          asOf: version - model.foldedThrough, asOfMode: 'retained', percentiles: EVERY_RANK
        });
      }
    }
  }

  /** Every location pair over the whole range at one version, and widened over a few days. */
  async checkAllPairs(version: number): Promise<void> {
    for (let origin = 0; origin < LOCATIONS.length; origin++) {
      for (let destination = 0; destination < LOCATIONS.length; destination++) {
        await this.checkQuery({ origin, destination, from: 0, to: QUERY_DAYS.length - 1, minCount: 2, asOf: version - this.model.foldedThrough, asOfMode: 'retained', percentiles: EVERY_RANK });
        // A few thin days, which most pairs must widen for.
        await this.checkQuery({ origin, destination, from: 4, to: 6, minCount: 3, asOf: version - this.model.foldedThrough, asOfMode: 'retained', widen: true });
      }
    }
  }
}

/** Percentiles that between them reach most ranks of a day of a few dozen prices. */
const EVERY_RANK = [0.5, 10, 20, 33.3, 50, 66.7, 80, 90, 99.5];

async function runSequence(makeBackend: () => Backend, setup: PriceSpec[], steps: Step[], finalAsOf: number): Promise<void> {
  const runner = new Runner(makeBackend());
  try {
    await runner.open();
    await runner.setup(setup);
    runner.checkState();
    for (const step of steps) {
      await runner.run(step.command);
      runner.checkState();
      for (const query of step.queries) await runner.checkQuery(query);
    }
    const { model } = runner;
    await runner.checkAllPairs(model.head);
    await runner.checkAllPairs(Math.max(1, model.foldedThrough + (finalAsOf % (model.head - model.foldedThrough + 1))));
    await runner.checkEveryVersion();
    expect(await layoutProblems(runner.db)).toEqual([]);
  } finally {
    await runner.store.close().catch(() => undefined);
    runner.backend.cleanup();
  }
}

describe('property: random command sequences agree with an in-memory model', () => {
  for (const [makeBackend, numRuns] of [[memoryBackend, 250], [classicBackend, 35]] as const) {
    it(`on ${makeBackend().name}`, { timeout: 300_000 }, async () => {
      await fc.assert(
        fc.asyncProperty(setupArb, stepsArb, fc.nat(), (setup, steps, finalAsOf) => runSequence(makeBackend, setup, steps, finalAsOf)),
        // Shrinking a failure stops after 240 s with the smallest counterexample found by then. The
        // runs themselves take 35-50 s alone and about twice that beside the rest of the suite on 2
        // loaded cores (with percentiles in the model); fewer runs than asked is a failure.
        { seed: SEED, numRuns, verbose: 1, interruptAfterTimeLimit: 240_000, markInterruptAsFailure: true }
      );
    });
  }
});
