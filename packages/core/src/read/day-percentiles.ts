import type { DayAggregate } from '../encoding/record-codec.js';
import { percentileRank } from '../sketch/day-bins.js';
import { percentileKey } from '../contract/percentiles.js';

/**
 * The percentiles of a rates query, answered per day from the day's merged bins: the value at rank
 * ⌊q/100 · (n − 1)⌋ of the day's n sorted prices, within 1% (see sketch/mapping.ts), in USD.
 */
export class DayPercentiles {
  readonly #percentiles: readonly number[];
  /** The row's keys, `p` + the percentile as given (`p25`, `p99.9`), in the order given. */
  readonly #names: readonly string[];
  readonly #minCount: number;

  constructor(percentiles: readonly number[], minCount: number) {
    this.#percentiles = percentiles;
    this.#names = percentiles.map(percentileKey);
    this.#minCount = minCount;
  }

  /**
   * One row's percentiles: null, like the average, below `minCount` prices, and null when some record
   * of the day was written before records had bins (its prices' places are unknown).
   */
  of(day: DayAggregate | undefined): Record<string, number | null> {
    const row: Record<string, number | null> = {};
    if (day === undefined || day.count < this.#minCount || !day.bins) {
      for (const name of this.#names) row[name] = null;
      return row;
    }
    // One walk over the day's bins for every rank, in ascending order.
    const ranks = this.#percentiles.map((q) => percentileRank(q, day.count));
    const order = ranks.map((_, at) => at).sort((x, y) => ranks[x]! - ranks[y]!);
    const values = day.bins.valuesAt(order.map((at) => ranks[at]!), day.count, day.min, day.max);
    for (const name of this.#names) row[name] = null;
    for (const [i, at] of order.entries()) row[this.#names[at]!] = values[i]! / 100;
    return row;
  }
}
