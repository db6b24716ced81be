import type { DayAggregate } from '../encoding/record-codec.js';
import { percentileRanks } from '../sketch/day-bins.js';
import { percentileKey } from '../contract/percentiles.js';

/**
 * The percentiles of a rates query, answered per day from the day's merged bins: the value at rank
 * ⌊q/100 · (n − 1)⌋ of the day's n sorted prices, within 1% (see sketch/mapping.ts), in USD.
 */
export class DayPercentiles {
  /** The row's keys, `p` + the percentile as given (`p25`, `p99.9`), in the order given. */
  readonly #names: readonly string[];
  /** A row of those keys, every value null. */
  readonly #empty: Record<string, number | null>;
  /** The rank of each percentile in ascending order of percentile, as a function of the day's count. */
  readonly #ranks: ReadonlyArray<(count: number) => number>;
  /** For each of those, its place among the percentiles as given. */
  readonly #places: readonly number[];
  readonly #minCount: number;
  /** A day's ranks and the values found, reused from day to day. */
  readonly #dayRanks: number[];
  readonly #values: number[] = [];

  constructor(percentiles: readonly number[], minCount: number) {
    this.#names = percentiles.map(percentileKey);
    this.#empty = Object.fromEntries(this.#names.map((name) => [name, null]));
    // Ranks grow with the percentile, so one walk over a day's bins in this order finds them all.
    this.#places = percentiles.map((_, at) => at).sort((x, y) => percentiles[x]! - percentiles[y]!);
    this.#ranks = this.#places.map((at) => percentileRanks(percentiles[at]!));
    this.#minCount = minCount;
    this.#dayRanks = this.#ranks.map(() => 0);
  }

  /**
   * One row's percentiles: null, like the average, below `minCount` prices, and null when some record
   * of the day was written before records had bins (its prices' places are unknown).
   */
  of(day: DayAggregate | undefined): Record<string, number | null> {
    // Keys in the order asked, whatever order the values are found in. Runs for every day of a
    // query's range: indexed loops, no iterators.
    const row = { ...this.#empty };
    if (day !== undefined && day.count >= this.#minCount && day.bins) {
      const ranks = this.#ranks;
      for (let i = 0; i < ranks.length; i++) this.#dayRanks[i] = ranks[i]!(day.count);
      const found = day.bins.valuesAt(this.#dayRanks, day.count, day.min, day.max, this.#values);
      const places = this.#places;
      for (let i = 0; i < places.length; i++) row[this.#names[places[i]!]!] = found[i]! / 100;
    }
    return row;
  }
}

/** Distinct (percentiles, minCount) kept at most; past that the cache starts again. */
const KEPT = 64;
const kept = new Map<string, DayPercentiles>();

/**
 * The DayPercentiles of a query's `percentiles` and `minCount`, made once and kept for the next
 * query that asks the same (a rates page asks the same every time; making one costs a few µs, a
 * twentieth of a region query). One serves every query at once: `of` is synchronous, and its
 * scratch arrays live only within one call.
 */
export function dayPercentiles(percentiles: readonly number[], minCount: number): DayPercentiles {
  const key = `${minCount}:${percentiles.join(',')}`;
  let made = kept.get(key);
  if (made === undefined) {
    if (kept.size >= KEPT) kept.clear();
    kept.set(key, (made = new DayPercentiles(percentiles, minCount)));
  }
  return made;
}
