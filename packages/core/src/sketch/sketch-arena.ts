import { binOf } from './mapping.js';
import { binsBytes, forEachBin, writeBins } from './bins-codec.js';

/** A cell whose bins follow from its count, min and max (see `impliedBins`): nothing is stored. */
export const IMPLIED = -1;
/** A cell whose bins are unknown (an old record without them took part): its percentiles are null. */
export const UNKNOWN = -2;

const INITIAL_SKETCHES = 256;
const INITIAL_BINS = 4096;
const FIRST_WINDOW = 8;

/**
 * The bins of many day sketches during a commit, in typed arrays: each sketch is a window of bin
 * counts in one shared array, moved to a larger window at the end when a bin falls outside it (the
 * old one is left as garbage until `clear()`). A commit makes hundreds of thousands of sketches; one
 * typed array each would cost the garbage collector more than the merging itself.
 */
export class SketchArena {
  #sketches = 0;
  /** Bin of each window's first count, the window's length and where it starts in `#counts`. */
  #low = new Int32Array(INITIAL_SKETCHES);
  #length = new Int32Array(INITIAL_SKETCHES);
  #start = new Int32Array(INITIAL_SKETCHES);
  /** The lowest and highest bin in use of each sketch (low > high: none yet). */
  #first = new Int32Array(INITIAL_SKETCHES);
  #last = new Int32Array(INITIAL_SKETCHES);
  #counts = new Uint32Array(INITIAL_BINS);
  #used = 0;

  /** Bin counts allocated, garbage included: what the arena costs in memory, in 4-byte units. */
  get bins(): number {
    return this.#used;
  }

  /** A new empty sketch. */
  create(): number {
    if (this.#sketches === this.#low.length) this.#growSketches();
    const sketch = this.#sketches++;
    this.#length[sketch] = 0;
    this.#first[sketch] = 1;
    this.#last[sketch] = 0;
    return sketch;
  }

  /** A new sketch holding the bins a cell's count, min and max imply (see `impliedBins`). */
  implied(count: number, min: number, max: number): number {
    const sketch = this.create();
    this.addImplied(sketch, count, min, max);
    return sketch;
  }

  /** A new sketch from a record's encoding of a day (see bins-codec). */
  decode(body: Uint8Array): number {
    const sketch = this.create();
    forEachBin(body, (bin, count) => this.add(sketch, bin, count));
    return sketch;
  }

  /** Adds the bins a cell's count, min and max imply. */
  addImplied(sketch: number, count: number, min: number, max: number): void {
    if (min === max) {
      this.add(sketch, binOf(min), count);
    } else {
      this.add(sketch, binOf(min), 1);
      this.add(sketch, binOf(max), 1);
    }
  }

  add(sketch: number, bin: number, count: number): void {
    let offset = bin - this.#low[sketch]!;
    if (offset < 0 || offset >= this.#length[sketch]!) offset = this.#widen(sketch, bin);
    this.#counts[this.#start[sketch]! + offset]! += count;
    if (this.#first[sketch]! > this.#last[sketch]!) {
      this.#first[sketch] = bin;
      this.#last[sketch] = bin;
    } else if (bin < this.#first[sketch]!) {
      this.#first[sketch] = bin;
    } else if (bin > this.#last[sketch]!) {
      this.#last[sketch] = bin;
    }
  }

  /** Adds every bin of sketch `from` of `source` into `sketch`. */
  merge(sketch: number, source: SketchArena, from: number): void {
    const first = source.#first[from]!;
    const last = source.#last[from]!;
    if (first > last) return;
    // Widening once for both ends saves a copy per end.
    this.add(sketch, first, 0);
    this.add(sketch, last, 0);
    const counts = source.#counts;
    const base = source.#start[from]! - source.#low[from]!;
    const into = this.#start[sketch]! - this.#low[sketch]!;
    for (let bin = first; bin <= last; bin++) this.#counts[into + bin]! += counts[base + bin]!;
  }

  /** Bytes of the sketch's encoding (see bins-codec). */
  encodedBytes(sketch: number): number {
    const [start, end, first] = this.#inUse(sketch);
    return binsBytes(this.#counts, start, end, first);
  }

  /** Writes the sketch's encoding (see bins-codec) into `bytes` at `at`; returns where it ends. */
  encode(sketch: number, bytes: Uint8Array, at: number): number {
    const [start, end, first] = this.#inUse(sketch);
    return writeBins(bytes, at, this.#counts, start, end, first);
  }

  /** Forgets every sketch, keeping the arrays for the next round. */
  clear(): void {
    this.#sketches = 0;
    this.#used = 0;
  }

  /** Where in `#counts` the bins in use of a sketch lie, and the first of them. */
  #inUse(sketch: number): [start: number, end: number, first: number] {
    const first = this.#first[sketch]!;
    const last = this.#last[sketch]!;
    if (first > last) return [0, 0, 0];
    const base = this.#start[sketch]! - this.#low[sketch]!;
    return [base + first, base + last + 1, first];
  }

  /** Moves the sketch to a window that holds `bin` as well; returns the bin's offset in it. */
  #widen(sketch: number, bin: number): number {
    const length = this.#length[sketch]!;
    const low = this.#low[sketch]!;
    let newLow: number;
    let newLength: number;
    if (length === 0) {
      // Centred on the first bin: a day's prices spread both ways from its first.
      newLength = FIRST_WINDOW;
      newLow = bin - FIRST_WINDOW / 2;
    } else {
      const from = Math.min(low, bin);
      const to = Math.max(low + length, bin + 1);
      newLength = Math.max(length * 2, to - from);
      // Grow towards the side that overflowed, as the next bins are likely further that way.
      newLow = bin < low ? to - newLength : from;
    }
    const start = this.#allocate(newLength);
    if (length > 0) this.#counts.copyWithin(start + (low - newLow), this.#start[sketch]!, this.#start[sketch]! + length);
    this.#low[sketch] = newLow;
    this.#length[sketch] = newLength;
    this.#start[sketch] = start;
    return bin - newLow;
  }

  /** `length` zeroed counts at the end of the arena. */
  #allocate(length: number): number {
    const start = this.#used;
    if (start + length > this.#counts.length) {
      const counts = new Uint32Array(Math.max(this.#counts.length * 2, start + length));
      counts.set(this.#counts.subarray(0, start));
      this.#counts = counts;
    } else {
      // Space reused after clear() holds the counts of the round before.
      this.#counts.fill(0, start, start + length);
    }
    this.#used = start + length;
    return start;
  }

  #growSketches(): void {
    const capacity = this.#low.length * 2;
    this.#low = grown(this.#low, capacity);
    this.#length = grown(this.#length, capacity);
    this.#start = grown(this.#start, capacity);
    this.#first = grown(this.#first, capacity);
    this.#last = grown(this.#last, capacity);
  }
}

function grown(from: Int32Array, capacity: number): Int32Array<ArrayBuffer> {
  const into = new Int32Array(capacity);
  into.set(from);
  return into;
}
