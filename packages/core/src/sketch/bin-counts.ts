import { binOf } from './mapping.js';
import { BinsWriter, encodedBound } from './bins-codec.js';

/** Bins of prices from 1 cent to 1e9 cents (10M USD), the largest a price may be, plus one. */
export const BINS = binOf(1e9) + 1;

/**
 * One day's bins counted densely while a roll-up gathers them from many sketches: adding a bin is
 * one addition, and `drain` or `encode` hands over exactly the bins in use, in order, leaving the
 * counts zero for the next day. One array serves every day of a commit, so a day's sketch costs no
 * window of its own to allocate, zero and move (see SketchArena.packed).
 */
export class BinCounts {
  readonly #counts = new Uint32Array(BINS);
  /** The bins in use, in the order they were first added (see #ascending). */
  readonly #bins = new Int32Array(BINS);
  readonly #writer = new BinsWriter();
  #first = BINS;
  #last = -1;
  #inUse = 0;

  /** Bins with a count. */
  get inUse(): number {
    return this.#inUse;
  }

  add(bin: number, count: number): void {
    if (this.#counts[bin] === 0) {
      this.#bins[this.#inUse++] = bin;
      if (bin < this.#first) this.#first = bin;
      if (bin > this.#last) this.#last = bin;
    }
    this.#counts[bin]! += count;
  }

  /** Adds the bins a day's count, min and max imply (see `impliedBins`): one price, two, or all at one price. */
  addImplied(count: number, min: number, max: number): void {
    if (min === max) {
      this.add(binOf(min), count);
    } else {
      this.add(binOf(min), 1);
      this.add(binOf(max), 1);
    }
  }

  /** Writes the bins in use as (bin, count) pairs into `into` at `at`, in bin order, and zeroes them. */
  drain(into: Uint32Array, at: number): void {
    const counts = this.#counts;
    const bins = this.#bins;
    for (let i = 0, n = this.#ascending(); i < n; i++) {
      const bin = bins[i]!;
      into[at++] = bin;
      into[at++] = counts[bin]!;
      counts[bin] = 0;
    }
  }

  /**
   * Writes the bins in use as a record's encoding of a day whose min price is `min` cents (see
   * bins-codec) into `bytes` at `at`, which has room for `encodedBound(inUse)` bytes, and zeroes
   * them; returns where the encoding ends.
   */
  encode(bytes: Uint8Array, at: number, min: number): number {
    const writer = this.#writer;
    writer.start(bytes, at, min);
    const counts = this.#counts;
    const bins = this.#bins;
    for (let i = 0, n = this.#ascending(); i < n; i++) {
      const bin = bins[i]!;
      writer.bin(bin, counts[bin]!);
      counts[bin] = 0;
    }
    return writer.end();
  }

  /**
   * Puts the bins in use in ascending order at the start of `#bins` and starts the next day; returns
   * how many there are. A few bins far apart (most days) are sorted where they are; many are found
   * again by a walk over the counts from the first to the last.
   */
  #ascending(): number {
    const n = this.#inUse;
    const bins = this.#bins;
    if (n * n < 4 * (this.#last - this.#first + 1)) {
      for (let i = 1; i < n; i++) {
        const bin = bins[i]!;
        let at = i;
        for (; at > 0 && bins[at - 1]! > bin; at--) bins[at] = bins[at - 1]!;
        bins[at] = bin;
      }
    } else {
      const counts = this.#counts;
      for (let bin = this.#first, last = this.#last, at = 0; bin <= last; bin++) if (counts[bin] !== 0) bins[at++] = bin;
    }
    this.#first = BINS;
    this.#last = -1;
    this.#inUse = 0;
    return n;
  }
}
