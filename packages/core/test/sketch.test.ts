/**
 * The percentile sketches on their own: the bin mapping's accuracy, the encoding of a day's bins
 * (round trip, merge = the sketch of the union), ranks and bounds, and records with and without
 * bins. The store-level guarantee is tested by the property test against exact percentiles.
 */
import { describe, expect, it } from 'vitest';
import { RELATIVE_ACCURACY, binOf, binValue } from '../src/sketch/mapping.js';
import { forEachBin, readVarint, varintBytes, writeVarint } from '../src/sketch/bins-codec.js';
import { SketchArena } from '../src/sketch/sketch-arena.js';
import { BinCounts } from '../src/sketch/bin-counts.js';
import { DayBins, percentileRanks } from '../src/sketch/day-bins.js';
import { MonthSlots } from '../src/write/month-slots.js';
import { encodeMonth, mergeRecord, type MonthAggregates } from '../src/encoding/record-codec.js';
import { dayPercentiles } from '../src/read/day-percentiles.js';
import { random } from './helpers.js';

/** Cents from 1 to 1e9, spread over every order of magnitude. */
function randomCents(next: () => number, n: number): number[] {
  return Array.from({ length: n }, () => Math.max(1, Math.round(10 ** (next() * 9))));
}

/** A day's merged bins as (bin, count) pairs, through their encoding; `min`: the day's min price. */
function mergedBins(bins: DayBins | null | undefined, min: number): Array<[number, number]> | null {
  if (!bins) return null;
  return binsOf(bins.encoded(min), min);
}

function binsOf(body: Uint8Array, min: number): Array<[number, number]> {
  const bins: Array<[number, number]> = [];
  forEachBin(body, min, (bin, count) => bins.push([bin, count]));
  return bins;
}

/** The encoding of a sketch made in an arena, for a day whose min price is `min`. */
function arenaBody(arena: SketchArena, sketch: number, min: number): Uint8Array {
  const bytes = new Uint8Array(arena.encodedBound(sketch));
  return bytes.slice(0, arena.encode(sketch, bytes, 0, min));
}

/** A day's bins from its prices, as reads see them. */
function dayBinsOf(cents: readonly number[]): DayBins {
  const bins = new DayBins();
  for (const c of cents) bins.addDay(undefined, 1, c, c);
  return bins;
}

function sketchOf(arena: SketchArena, cents: readonly number[]): number {
  const sketch = arena.create();
  for (const c of cents) arena.add(sketch, binOf(c), 1);
  return sketch;
}

describe('sketch: the bin mapping', () => {
  it('gives every price a bin whose value is within the relative accuracy, bins in price order', () => {
    const next = random(7);
    const cents = [1, 2, 3, 99, 100, 101, 1_000_000_000, 999_999_999, ...randomCents(next, 20_000)];
    for (const c of cents) {
      const value = binValue(binOf(c));
      expect(Math.abs(value - c), `${c} cents in bin ${binOf(c)} stands for ${value}`).toBeLessThanOrEqual(RELATIVE_ACCURACY * c * (1 + 1e-9));
    }
    const sorted = [...cents].sort((a, b) => a - b);
    for (let i = 1; i < sorted.length; i++) expect(binOf(sorted[i]!)).toBeGreaterThanOrEqual(binOf(sorted[i - 1]!));
    expect(binOf(1)).toBe(0);
    expect(RELATIVE_ACCURACY).toBeLessThan(0.01);
  });
});

describe('sketch: the encoding of a day', () => {
  it('writes and reads varints up to 2^53', () => {
    for (const value of [0, 1, 127, 128, 16_383, 16_384, 2 ** 31, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER]) {
      const bytes = new Uint8Array(varintBytes(value));
      expect(writeVarint(bytes, 0, value)).toBe(bytes.length);
      const cursor = { at: 0 };
      expect(readVarint(bytes, cursor)).toBe(value);
      expect(cursor.at).toBe(bytes.length);
    }
    expect(() => readVarint(Uint8Array.of(0x80), { at: 0 })).toThrow(RangeError);
  });

  it('round-trips the bins of a sketch, gaps and large counts included', () => {
    const arena = new SketchArena();
    const next = random(11);
    for (let round = 0; round < 200; round++) {
      const cents = randomCents(next, 1 + Math.floor(next() * 300));
      const sketch = sketchOf(arena, cents);
      // Counts whose codes take 63 bits, and 25 (a distance and a count no longer fit in 32 bits together).
      const large = round % 10 === 0 ? 3_000_000_000 : round % 10 === 5 ? 5_000 : 0;
      if (large > 0) arena.add(sketch, binOf(cents[0]!), large);
      const expected = new Map<number, number>();
      for (const c of cents) expected.set(binOf(c), (expected.get(binOf(c)) ?? 0) + 1);
      if (large > 0) expected.set(binOf(cents[0]!), expected.get(binOf(cents[0]!))! + large);
      const [min, max] = [Math.min(...cents), Math.max(...cents)];
      const body = arenaBody(arena, sketch, min);
      expect(binsOf(body, min)).toEqual([...expected].sort(([a], [b]) => a - b));
      // Read in place within a record's bytes, whatever bits come before and after the day's.
      const record = new Uint8Array(body.length + 10).fill(255);
      record.set(body, 3);
      const inPlace: Array<[number, number]> = [];
      forEachBin(record, min, (bin, count) => inPlace.push([bin, count]), 3, 3 + body.length);
      expect(inPlace).toEqual(binsOf(body, min));
      // Read back and written again, the same bytes.
      const bins = DayBins.of(body, cents.length, min, max)!;
      expect(bins.encoded(min)).toEqual(body);
      // The first bin is written against the min's bin: one bit when they agree, and any other min still reads back.
      const elsewhere = arenaBody(arena, sketch, min * 3 + 7);
      expect(binsOf(elsewhere, min * 3 + 7)).toEqual(binsOf(body, min));
    }
  });

  it('merges sketches into the sketch of the union, across arenas and window moves', () => {
    const next = random(13);
    for (let round = 0; round < 100; round++) {
      const left = new SketchArena();
      const right = new SketchArena();
      const xs = randomCents(next, 1 + Math.floor(next() * 100));
      const ys = randomCents(next, 1 + Math.floor(next() * 100));
      const a = sketchOf(left, xs);
      const b = sketchOf(right, ys);
      // Interleaved sketches of the same arena move each other's windows about.
      const c = sketchOf(left, [...ys].reverse());
      left.merge(a, right, b);
      left.merge(c, left, sketchOf(left, xs));
      const whole = new SketchArena();
      const min = Math.min(...xs, ...ys);
      const union = arenaBody(whole, sketchOf(whole, [...xs, ...ys]), min);
      expect(arenaBody(left, a, min)).toEqual(union);
      expect(arenaBody(left, c, min)).toEqual(union);
    }
  });

  it('packs the bins counted from many sketches, sparse, dense or packed, into the sketch of their union', () => {
    const next = random(17);
    const counts = new BinCounts();
    for (let round = 0; round < 100; round++) {
      const parts = Array.from({ length: 1 + Math.floor(next() * 6) }, () => randomCents(next, 1 + Math.floor(next() * (round % 2 === 0 ? 8 : 200))));
      const all = parts.flat();
      const source = new SketchArena();
      const sketches = parts.map((cents) => sketchOf(source, cents));
      const into = new SketchArena();
      for (const sketch of sketches.reverse()) source.addTo(sketch, counts);
      const packed = into.packed(counts);
      expect(counts.inUse).toBe(0);
      const whole = new SketchArena();
      const min = Math.min(...all);
      const union = arenaBody(whole, sketchOf(whole, all), min);
      expect(arenaBody(into, packed, min)).toEqual(union);
      // A packed sketch merges, and takes more bins, like any other.
      into.addTo(packed, counts);
      const again = into.packed(counts);
      expect(arenaBody(into, again, min)).toEqual(union);
      const extra = randomCents(next, 40);
      into.merge(again, whole, sketchOf(whole, extra));
      const bigger = new SketchArena();
      const lowest = Math.min(min, ...extra);
      expect(arenaBody(into, again, lowest)).toEqual(arenaBody(bigger, sketchOf(bigger, [...all, ...extra]), lowest));
    }
  });

  it('keeps nothing for days whose count, min and max imply their bins, and merges them into exact bins', () => {
    // Route cells of one price each, rolled into one cell: the merged bins are those of every price.
    const routes = new MonthSlots();
    const pairs = new MonthSlots();
    const prices = [5000, 120, 120, 99_999, 5000, 7];
    for (const [i, c] of prices.entries()) routes.add(routes.slot(i % 3), 4, 1, c, c, c);
    const pair = pairs.slot(1);
    for (let slot = 0; slot < routes.size; slot++) pairs.mergeAggregates(pair, routes, slot);
    pairs.buildSketches(pair, routes, Int32Array.from({ length: routes.size }, (_, slot) => slot), 0, routes.size);
    const view = new DataView(new ArrayBuffer(pairs.recordBytes(pair)));
    expect(pairs.encodeRecord(pair, view, 0)).toBe(view.byteLength);
    const month: MonthAggregates = new Map();
    mergeRecord(new Uint8Array(view.buffer), month, true);
    const expected = dayBinsOf(prices);
    expect(month.get(4)).toMatchObject({ count: 6, min: 7, max: 99_999 });
    expect(mergedBins(month.get(4)!.bins, 7)).toEqual(mergedBins(expected, 7));
    expect(mergedBins(expected, 7)).toHaveLength(new Set(prices.map(binOf)).size);
    // One route of two prices: its record holds no bins (nor their lengths: it is written without
    // sketches), and reads them back from min and max.
    const two = new MonthSlots();
    two.add(two.slot(9), 1, 1, 300, 300, 300);
    two.add(two.slot(9), 1, 1, 100, 100, 100);
    const small = new DataView(new ArrayBuffer(two.recordBytes(0)));
    two.encodeRecord(0, small, 0);
    expect(small.byteLength).toBe(2 + 21);
    const read: MonthAggregates = new Map();
    mergeRecord(new Uint8Array(small.buffer), read, true);
    expect(read.get(1)!.bins!.valuesAt([0, 1], 2, 100, 300)).toEqual([100, 300]);
  });

  it('rolls sparse, dense and packed sketches of one source or more up through a middle table into records', () => {
    // Three tables as a roll-up has them: routes (prices added one by one), a middle table that
    // keeps packed sketches, and a last one that encodes.
    // Day 3 of each slot has one source at each step, day 5 two.
    const next = random(29);
    for (const prices of [4, 12, 40, 300]) {
      const routes = new MonthSlots();
      const halfway = new MonthSlots();
      const pairs = new MonthSlots({ encodes: true });
      const lone = randomCents(next, prices);
      const shared = [randomCents(next, prices), randomCents(next, 3)];
      for (const c of lone) routes.add(routes.slot(1), 3, 1, c, c, c);
      for (const [key, cents] of shared.entries()) for (const c of cents) routes.add(routes.slot(key + 1), 5, 1, c, c, c);
      const middle = halfway.slot(7);
      for (let slot = 0; slot < routes.size; slot++) halfway.mergeAggregates(middle, routes, slot);
      halfway.reserveSketches(0);
      halfway.buildSketches(middle, routes, Int32Array.from({ length: routes.size }, (_, slot) => slot), 0, routes.size);
      const pair = pairs.slot(11);
      pairs.mergeAggregates(pair, halfway, middle);
      pairs.buildSketches(pair, halfway, Int32Array.of(middle), 0, 1);
      for (const table of [halfway, pairs]) {
        const view = new DataView(new ArrayBuffer(table.recordBytes(0)));
        table.encodeRecord(0, view, 0);
        const month: MonthAggregates = new Map();
        mergeRecord(new Uint8Array(view.buffer), month, true);
        for (const [day, cents] of [[3, lone], [5, shared.flat()]] as const) {
          const min = Math.min(...cents);
          expect(mergedBins(month.get(day)!.bins, min), `day ${day} of ${prices} prices`).toEqual(mergedBins(dayBinsOf(cents), min));
        }
      }
    }
  });
});

describe('sketch: ranks and bounds', () => {
  it('finds the bin of each rank, within 1% of the exact price, never outside min and max', () => {
    const next = random(17);
    for (let round = 0; round < 200; round++) {
      const cents = randomCents(next, 3 + Math.floor(next() * 200)).sort((a, b) => a - b);
      const bins = dayBinsOf(cents);
      const [min, max] = [cents[0]!, cents[cents.length - 1]!];
      const ranks = cents.map((_, rank) => rank);
      // Each rank alone, and all in one walk.
      const all = bins.valuesAt(ranks, cents.length, min, max);
      for (const rank of ranks) {
        const value = bins.valuesAt([rank], cents.length, min, max)[0]!;
        expect(all[rank]).toBe(value);
        expect(Math.abs(value - cents[rank]!)).toBeLessThanOrEqual(0.01 * cents[rank]!);
        expect(value).toBeGreaterThanOrEqual(min);
        expect(value).toBeLessThanOrEqual(max);
      }
      expect(bins.valuesAt([0, cents.length - 1], cents.length, min, max)).toEqual([min, max]);
      // One encoded body is walked without merging; two merge: the same answers.
      const body = bins.encoded(min);
      const one = DayBins.of(body, cents.length, min, max)!;
      expect(one.valuesAt(ranks, cents.length, min, max)).toEqual(all);
      one.addDay(undefined, 1, min, min);
      // With the min once more, rank 1 is the min too: its bin's value, clamped, within 1% of it.
      const [first, second] = one.valuesAt([0, 1], cents.length + 1, min, max);
      expect(first).toBe(min);
      expect(Math.abs(second! - min)).toBeLessThanOrEqual(0.01 * min);
    }
  });

  it('takes rank ⌊q/100 · (n − 1)⌋', () => {
    const percentileRank = (q: number, count: number): number => percentileRanks(q)(count);
    expect(percentileRank(50, 101)).toBe(50);
    expect(percentileRank(50, 4)).toBe(1);
    expect(percentileRank(99.9, 1000)).toBe(998);
    expect(percentileRank(0.001, 1000)).toBe(0);
    // Exact where floating point is not: 29/100 · 100 is 28.999999999999996 in doubles.
    expect(percentileRank(29, 101)).toBe(29);
    expect(percentileRank(57, 101)).toBe(57);
    expect(percentileRank(0.5, 201)).toBe(1);
    expect(percentileRank(1.5e-7, 1e9)).toBe(1);
    expect(percentileRank(99.99, 10_001)).toBe(9_999);
  });

  it('takes the same ranks as exact decimal arithmetic, counts up to 2^53 and percentiles of many digits', () => {
    const next = random(23);
    const percentiles = [25, 50, 75, 29, 57, 99.9, 0.001, 1.5e-7, 33.333333333333336, 99.99999999999999, 12.345678901234];
    for (let i = 0; i < 200; i++) percentiles.push(Number((next() * 100).toFixed(1 + Math.floor(next() * 12))) || 1);
    for (const q of percentiles) {
      const rank = percentileRanks(q);
      const [mantissa = '', exponent = '0'] = String(q).split('e');
      const [whole = '', fraction = ''] = mantissa.split('.');
      const scale = fraction.length - Number(exponent);
      const exact = (count: number): number =>
        Number(scale >= 0 ? (BigInt(whole + fraction) * BigInt(count - 1)) / (100n * 10n ** BigInt(scale)) : (BigInt(whole + fraction) * 10n ** BigInt(-scale) * BigInt(count - 1)) / 100n);
      for (const count of [1, 2, 3, 100, 101, 1001, 10_001, 2 ** 31, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER, Math.floor(next() * 1e6) + 1]) {
        expect(rank(count), `q ${q}, count ${count}`).toBe(exact(count));
      }
    }
  });

  it('answers each query with the percentiles and min count it asked for, in its order, whatever queries came before', () => {
    // A day of 100, 200, 300 cents: p10 is rank 0 (the min, exactly), p50 rank 1.
    const day = { count: 3, sum: 600, min: 100, max: 300, bins: DayBins.of(undefined, 1, 100, 100)! };
    day.bins.addDay(undefined, 1, 200, 200);
    day.bins.addDay(undefined, 1, 300, 300);
    const strict = dayPercentiles([50, 10], 4).of(day);
    expect(strict).toEqual({ p50: null, p10: null });
    const loose = dayPercentiles([50, 10], 3).of(day);
    expect(Object.keys(loose)).toEqual(['p50', 'p10']);
    expect(Math.abs(loose.p50! - 2) / 2).toBeLessThanOrEqual(RELATIVE_ACCURACY);
    expect(loose.p10).toBe(1);
    // Asked again, the same answers, from the percentiles kept.
    expect(dayPercentiles([50, 10], 4).of(day)).toEqual(strict);
    const reordered = dayPercentiles([10, 50], 3).of(day);
    expect(Object.keys(reordered)).toEqual(['p10', 'p50']);
    expect(dayPercentiles([50, 10], 3)).toBe(dayPercentiles([50, 10], 3));
  });
});

describe('sketch: records', () => {
  it('round-trips merged months, and reads days of records without bins as unknown unless implied', () => {
    const month: MonthAggregates = new Map();
    const wide = dayBinsOf([100, 200, 300, 400]);
    month.set(3, { count: 4, sum: 1000, min: 100, max: 400, bins: wide });
    month.set(5, { count: 2, sum: 300, min: 100, max: 200, bins: DayBins.of(undefined, 2, 100, 200) });
    const bytes = encodeMonth(false, month);
    const read: MonthAggregates = new Map();
    mergeRecord(bytes, read, true);
    expect(read).toEqual(month);
    for (const day of [3, 5]) expect(mergedBins(read.get(day)!.bins, 100)).toEqual(mergedBins(month.get(day)!.bins, 100));
    expect(mergedBins(read.get(3)!.bins, 100)).toEqual([100, 200, 300, 400].map((c) => [binOf(c), 1]));
    // Without sketches a read leaves the bins alone.
    const plain: MonthAggregates = new Map();
    mergeRecord(bytes, plain);
    expect(plain.get(3)).toEqual({ count: 4, sum: 1000, min: 100, max: 400 });
    // The same days as an old record (no bins): day 3 is unknown, and so is any merge with it; day 5 is implied.
    const old = bytes.slice(0, 2 + 2 * 21);
    old[0] = 0;
    const fromOld: MonthAggregates = new Map();
    mergeRecord(old, fromOld, true);
    expect(fromOld.get(3)!.bins).toBeNull();
    expect(mergedBins(fromOld.get(5)!.bins, 100)).toEqual(mergedBins(month.get(5)!.bins, 100));
    mergeRecord(bytes, fromOld, true);
    expect(fromOld.get(3)).toMatchObject({ count: 8, bins: null });
    // And an old record's unknown day stays unknown through a rebuild's aggregation.
    const slots = new MonthSlots();
    slots.addEncoded(slots.slot(1), 3, 4, 1000, 100, 400, undefined);
    slots.addEncoded(slots.slot(1), 3, 1, 250, 250, 250, undefined);
    const view = new DataView(new ArrayBuffer(slots.recordBytes(0)));
    slots.encodeRecord(0, view, 0);
    const rebuilt: MonthAggregates = new Map();
    mergeRecord(new Uint8Array(view.buffer), rebuilt, true);
    expect(rebuilt.get(3)).toMatchObject({ count: 5, bins: null });
  });
});
