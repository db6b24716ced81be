import { binOf, binValue } from './mapping.js';
import { binsBytes, forEachBin, impliedBins, writeBins } from './bins-codec.js';

/**
 * One day's bins as a read merges them: a few records a month, so a plain array of counts from the
 * lowest bin in use does.
 */
export class DayBins {
  #low = 0;
  readonly #counts: number[] = [];

  /** The bins of one record's day: its encoding, or, when that is empty, what its count, min and max imply; null when unknown. */
  static of(body: Uint8Array | undefined, count: number, min: number, max: number): DayBins | null {
    const bins = new DayBins();
    return bins.addDay(body, count, min, max) ? bins : null;
  }

  /** Adds one record's day (see `of`); false when its bins are unknown. */
  addDay(body: Uint8Array | undefined, count: number, min: number, max: number): boolean {
    if (body !== undefined && body.length > 0) {
      forEachBin(body, (bin, binCount) => this.add(bin, binCount));
    } else if (!impliedBins(count, min, max)) {
      return false;
    } else if (min === max) {
      this.add(binOf(min), count);
    } else {
      this.add(binOf(min), 1);
      this.add(binOf(max), 1);
    }
    return true;
  }

  add(bin: number, count: number): void {
    const counts = this.#counts;
    if (counts.length === 0) this.#low = bin;
    if (bin < this.#low) {
      counts.unshift(...new Array<number>(this.#low - bin).fill(0));
      this.#low = bin;
    }
    const at = bin - this.#low;
    while (counts.length <= at) counts.push(0);
    counts[at]! += count;
  }

  /** Bytes of the encoding (see bins-codec). */
  encodedBytes(): number {
    return binsBytes(this.#counts, 0, this.#counts.length, this.#low);
  }

  /** Writes the encoding into `bytes` at `at`; returns where it ends. */
  encode(bytes: Uint8Array, at: number): number {
    return writeBins(bytes, at, this.#counts, 0, this.#counts.length, this.#low);
  }

  /**
   * The price in cents at 0-based rank `rank` of the day's `count` sorted prices, within the
   * mapping's relative accuracy: the value of the bin that holds that rank, clamped to the day's
   * exact min and max (so rank 0 is min and rank count - 1 is max, exactly).
   */
  valueAt(rank: number, count: number, min: number, max: number): number {
    if (rank <= 0) return min;
    if (rank >= count - 1) return max;
    let seen = 0;
    for (let at = 0; at < this.#counts.length; at++) {
      seen += this.#counts[at]!;
      if (seen > rank) return Math.min(max, Math.max(min, binValue(this.#low + at)));
    }
    return max;
  }
}

/** The 0-based rank that percentile `q` (0 < q < 100) stands for among `count` sorted prices: ⌊q/100 · (count − 1)⌋. */
export function percentileRank(q: number, count: number): number {
  return Math.floor((q / 100) * (count - 1));
}
