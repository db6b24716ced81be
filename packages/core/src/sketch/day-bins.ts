import { binOf, binValue } from './mapping.js';
import { BinReader, BinsWriter, forEachBin, impliedBins } from './bins-codec.js';

/** Bins of a price up to MAX_PRICE (1e9 cents) are below this. */
const BIN_LIMIT = binOf(1e9) + 2;
/** Counts of one day's merged bins at read time, zeroed after each use: reads run one at a time per day. */
const scratch = new Float64Array(BIN_LIMIT);
const writer = new BinsWriter();
const reader = new BinReader();

/**
 * One day's bins as a read merges them. Reads merge a few records a month and want only the days of
 * their range, so the records' encoded bins are kept as they are and merged only when a day's
 * percentiles (or a checkpoint or fold of it) are asked for: a month of which a read wants half the
 * days decodes half of them, and a day of one record (a month read at its checkpoint) is answered
 * from its encoding without merging at all.
 */
export class DayBins {
  /**
   * The first record's day (most days of a read have one): the record's bytes, where in them the
   * day's encoded bins are (see bins-codec), and the day's min price, from whose bin they start.
   * Kept in place, not as a view: a view per day would cost a read more than its bins.
   */
  #bytes: Uint8Array | undefined;
  #start = 0;
  #end = 0;
  #min = 0;
  /** Further records' days: their bytes, and start, end and min of each, repeated. */
  #more: Uint8Array[] | undefined;
  #spans: number[] | undefined;
  /** Days whose count, min and max imply their bins: count, min, max, repeated. */
  #implied: number[] | undefined;

  /** The bins of one record's day (see `addDay`); null when unknown. */
  static of(bytes: Uint8Array | undefined, count: number, min: number, max: number, start = 0, end = bytes?.length ?? 0): DayBins | null {
    const bins = new DayBins();
    return bins.addDay(bytes, count, min, max, start, end) ? bins : null;
  }

  /**
   * Adds one record's day: its encoded bins at [start, end) of `bytes` (all of them by default), or,
   * when there are none, those its count, min and max imply; false when its bins are unknown.
   */
  addDay(bytes: Uint8Array | undefined, count: number, min: number, max: number, start = 0, end = bytes?.length ?? 0): boolean {
    if (bytes !== undefined && end > start) {
      if (this.#bytes === undefined) {
        this.#bytes = bytes;
        this.#start = start;
        this.#end = end;
        this.#min = min;
      } else {
        (this.#more ??= []).push(bytes);
        (this.#spans ??= []).push(start, end, min);
      }
    } else if (impliedBins(count, min, max)) {
      (this.#implied ??= []).push(count, min, max);
    } else {
      return false;
    }
    return true;
  }

  /**
   * The encoding of the merged bins (see bins-codec) of a day whose min price is `min` cents. The
   * parts are merged once; the merged bins are walked twice, to measure and to write.
   */
  encoded(min: number): Uint8Array {
    const [low, high] = this.#merge();
    const bytes = new Uint8Array(writeMerged(undefined, low, high, min));
    writeMerged(bytes, low, high, min);
    scratch.fill(0, low, high + 1);
    return bytes;
  }

  /**
   * The prices in cents at the 0-based ranks `ranks` (ascending) of the day's `count` sorted
   * prices, within the mapping's relative accuracy: the value of the bin that holds each rank,
   * clamped to the day's exact min and max (so rank 0 is min and rank count - 1 is max, exactly).
   * Written into `into` (returned). The walk over the bins stops at the last rank asked for.
   */
  valuesAt(ranks: ArrayLike<number>, count: number, min: number, max: number, into: number[] = []): number[] {
    let next = 0;
    let seen = 0;
    if (this.#bytes !== undefined && this.#more === undefined && this.#implied === undefined) {
      // One record's day (most reads): its encoding is walked as it is, not merged.
      reader.start(this.#bytes, this.#min, this.#start, this.#end);
      while (next < ranks.length && reader.next()) {
        seen += reader.count;
        for (; next < ranks.length && ranks[next]! < seen; next++) into[next] = clamp(ranks[next]!, reader.bin, count, min, max);
      }
    } else {
      const [low, high] = this.#merge();
      for (let bin = low; bin <= high && next < ranks.length; bin++) {
        seen += scratch[bin]!;
        for (; next < ranks.length && ranks[next]! < seen; next++) into[next] = clamp(ranks[next]!, bin, count, min, max);
      }
      scratch.fill(0, low, high + 1);
    }
    for (; next < ranks.length; next++) into[next] = clamp(ranks[next]!, -1, count, min, max);
    into.length = ranks.length;
    return into;
  }

  /** Merges every part into `scratch`; returns the lowest and highest bin in use (low > high: none). */
  #merge(): [low: number, high: number] {
    let low = BIN_LIMIT;
    let high = -1;
    const add = (bin: number, count: number): void => {
      scratch[bin]! += count;
      if (bin < low) low = bin;
      if (bin > high) high = bin;
    };
    if (this.#bytes !== undefined) forEachBin(this.#bytes, this.#min, add, this.#start, this.#end);
    const spans = this.#spans ?? [];
    for (const [i, bytes] of (this.#more ?? []).entries()) forEachBin(bytes, spans[3 * i + 2]!, add, spans[3 * i]!, spans[3 * i + 1]!);
    const implied = this.#implied ?? [];
    for (let i = 0; i < implied.length; i += 3) {
      const [count, min, max] = [implied[i]!, implied[i + 1]!, implied[i + 2]!];
      if (min === max) {
        add(binOf(min), count);
      } else {
        add(binOf(min), 1);
        add(binOf(max), 1);
      }
    }
    return low > high ? [0, -1] : [low, high];
  }
}

/** Writes the bins low to high of `scratch` as a day's encoding into `bytes` (or, undefined, measures it); returns its bytes. */
function writeMerged(bytes: Uint8Array | undefined, low: number, high: number, min: number): number {
  writer.start(bytes, 0, min);
  for (let bin = low; bin <= high; bin++) if (scratch[bin]! > 0) writer.bin(bin, scratch[bin]!);
  return writer.end();
}

function clamp(rank: number, bin: number, count: number, min: number, max: number): number {
  if (rank <= 0) return min;
  if (rank >= count - 1 || bin < 0) return max;
  return Math.min(max, Math.max(min, binValue(bin)));
}

/**
 * The 0-based rank that percentile `q` (0 < q < 100) stands for among `count` sorted prices:
 * ⌊q/100 · (count − 1)⌋, exactly, with q the decimal JavaScript writes it as. In floating point,
 * 29/100 · 100 is 28.999999999999996, which would floor to the rank below. `q` is read once (a query
 * asks for the ranks of every day of its range); the rank of each count is then integer arithmetic.
 */
export function percentileRanks(q: number): (count: number) => number {
  const [digits, scale] = decimalOf(q);
  let big: ((count: number) => number) | undefined;
  // In BigInt only when a product leaves the safe integers: counts near 2^53, percentiles of many digits.
  const exact = (count: number): number => (big ??= bigRanks(digits, scale))(count);
  if (digits.length > 15 || scale > 13) return exact;
  // Now digits < 10^15 and the divisor ≤ 10^15: safe integers.
  const numerator = Number(digits);
  const denominator = 100 * 10 ** scale;
  return (count) => {
    const product = numerator * (count - 1);
    // With n and d whole and n + d < 2^53, n / d rounded to a double floors to ⌊n / d⌋: the rounding
    // error is below (⌊n / d⌋ + 1) · 2^-53 ≤ (n + d) · 2^-53 / d < 1 / d, the distance from a
    // fraction n / d that is not whole to the next integer.
    return product + denominator <= Number.MAX_SAFE_INTEGER ? Math.floor(product / denominator) : exact(count);
  };
}

/** ⌊digits / (100 · 10^scale) · (count − 1)⌋ in exact integer arithmetic. */
function bigRanks(digits: string, scale: number): (count: number) => number {
  const numerator = BigInt(digits);
  const divisor = 100n * 10n ** BigInt(scale);
  return (count) => Number((numerator * BigInt(count - 1)) / divisor);
}

/** `q` as decimal digits and a power of ten, `digits / 10^scale`, from its shortest decimal form (`99.9`, `1.5e-7`). */
function decimalOf(q: number): [digits: string, scale: number] {
  const [mantissa, exponent = '0'] = String(q).split('e');
  const [whole, fraction = ''] = mantissa!.split('.');
  const scale = fraction.length - Number(exponent);
  const digits = whole! + fraction;
  return scale >= 0 ? [digits, scale] : [digits + '0'.repeat(-scale), 0];
}
