import { binOf } from './mapping.js';
import { BinsWriter, encodedBound, forEachBin } from './bins-codec.js';
import type { BinCounts } from './bin-counts.js';

/** A cell whose bins follow from its count, min and max (see `impliedBins`): nothing is stored. */
export const IMPLIED = -1;
/** A cell whose bins are unknown (an old record without them took part): its percentiles are null. */
export const UNKNOWN = -2;

const INITIAL_SKETCHES = 16;
const INITIAL_WORDS = 256;
/** Bins a sketch keeps as a sorted list; beyond, a dense window (see SketchArena). */
const SPARSE_MAX = 16;
const FIRST_CAPACITY = 4;
/** `#size` of a sketch held as a dense window. */
const DENSE = -1;

/**
 * The bins of many day sketches during a commit, in one shared typed array: a commit makes hundreds
 * of thousands of sketches, and one array each would cost the garbage collector more than the
 * merging itself. A sketch moves to a larger space at the end of the array when it outgrows its
 * own (the old one is left as garbage until `clear()`).
 *
 * Sketches that prices are added to one by one (a route's day) are sorted lists of (bin, count)
 * while they hold a few bins, up to SPARSE_MAX, and dense windows of counts beyond, where adding
 * costs one addition. A dense window for every sketch took several times the memory and most of the
 * commit's time in allocating and zeroing windows (measured). Sketches a roll-up makes are counted
 * densely in one shared BinCounts and kept as packed lists of exactly their bins in use (`packed`),
 * which are only read after.
 */
export class SketchArena {
  #sketches = 0;
  /** Sparse: entries held, and room for (in entries). Dense: DENSE, and the window's length. */
  #size = new Int32Array(INITIAL_SKETCHES);
  #capacity = new Int32Array(INITIAL_SKETCHES);
  /** Where the sketch's space starts in `#words`; dense: the bin of the window's first count. */
  #start = new Int32Array(INITIAL_SKETCHES);
  #low = new Int32Array(INITIAL_SKETCHES);
  /** Dense: the lowest and highest bin in use. */
  #first = new Int32Array(INITIAL_SKETCHES);
  #last = new Int32Array(INITIAL_SKETCHES);
  /** Sparse entries (bin, count) in bin order, and dense windows of counts. */
  #words = new Uint32Array(INITIAL_WORDS);
  #used = 0;
  readonly #writer = new BinsWriter();
  /** Words from here on have not been written since `#words` was allocated: they are zero. */
  #dirty = 0;

  /** A new empty sketch. */
  create(): number {
    if (this.#sketches === this.#size.length) this.#growSketches(this.#size.length * 2);
    const sketch = this.#sketches++;
    this.#size[sketch] = 0;
    this.#capacity[sketch] = 0;
    return sketch;
  }

  /** Makes room for `sketches` more sketches of `words` words in all at once, rather than growing the arena step by step as they are made. */
  makeRoom(sketches: number, words: number): void {
    if (this.#sketches + sketches > this.#size.length) this.#growSketches(this.#sketches + sketches);
    if (this.#used + words > this.#words.length) this.#grow(this.#used + words);
  }

  /**
   * A new sketch of exactly the bins `counts` holds, which it drains: a sorted list, however many
   * bins (a roll-up's sketches are made whole this way and only read after).
   */
  packed(counts: BinCounts): number {
    const sketch = this.create();
    const entries = counts.inUse;
    const start = this.#allocate(2 * entries, false);
    counts.drain(this.#words, start);
    this.#start[sketch] = start;
    this.#size[sketch] = entries;
    this.#capacity[sketch] = entries;
    return sketch;
  }

  /** Adds the bins of a sketch to `counts`. */
  addTo(sketch: number, counts: BinCounts): void {
    const size = this.#size[sketch]!;
    const words = this.#words;
    const start = this.#start[sketch]!;
    if (size !== DENSE) {
      for (let i = 0; i < size; i++) counts.add(words[start + 2 * i]!, words[start + 2 * i + 1]!);
      return;
    }
    const base = start - this.#low[sketch]!;
    for (let bin = this.#first[sketch]!, last = this.#last[sketch]!; bin <= last; bin++) {
      const count = words[base + bin]!;
      if (count > 0) counts.add(bin, count);
    }
  }

  /** A new sketch holding the bins a cell's count, min and max imply (see `impliedBins`). */
  implied(count: number, min: number, max: number): number {
    const sketch = this.create();
    this.addImplied(sketch, count, min, max);
    return sketch;
  }

  /** A new sketch from a record's encoding of a day (see bins-codec) whose min price is `min` cents. */
  decode(body: Uint8Array, min: number): number {
    const sketch = this.create();
    forEachBin(body, min, (bin, count) => this.add(sketch, bin, count));
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
    const size = this.#size[sketch]!;
    if (size === DENSE) {
      this.#cover(sketch, bin, bin);
      this.#words[this.#start[sketch]! + bin - this.#low[sketch]!]! += count;
      return;
    }
    const words = this.#words;
    const start = this.#start[sketch]!;
    // Few entries: a linear search from the top, where a day's ascending merges mostly land.
    let at = size;
    while (at > 0 && words[start + 2 * (at - 1)]! > bin) at--;
    if (at > 0 && words[start + 2 * (at - 1)] === bin) {
      words[start + 2 * (at - 1) + 1]! += count;
      return;
    }
    // A packed list may hold more: it too becomes a window.
    if (size >= SPARSE_MAX) {
      this.#densify(sketch, bin);
      this.add(sketch, bin, count);
      return;
    }
    if (size === this.#capacity[sketch]) this.#growSparse(sketch);
    const into = this.#start[sketch]!;
    const list = this.#words;
    for (let i = size; i > at; i--) {
      list[into + 2 * i] = list[into + 2 * i - 2]!;
      list[into + 2 * i + 1] = list[into + 2 * i - 1]!;
    }
    list[into + 2 * at] = bin;
    list[into + 2 * at + 1] = count;
    this.#size[sketch] = size + 1;
  }

  /** Adds every bin of sketch `from` of `source` into `sketch`. */
  merge(sketch: number, source: SketchArena, from: number): void {
    const size = source.#size[from]!;
    if (size !== DENSE) {
      const start = source.#start[from]!;
      if (size === 0) return;
      const entries = source.#words;
      if (this.#size[sketch] !== DENSE) {
        for (let i = 0; i < size; i++) this.add(sketch, entries[start + 2 * i]!, entries[start + 2 * i + 1]!);
        return;
      }
      // Into a dense window: one cover for all, then a count added per entry.
      this.#cover(sketch, entries[start]!, entries[start + 2 * (size - 1)]!);
      const into = this.#start[sketch]! - this.#low[sketch]!;
      const words = this.#words;
      for (let i = 0; i < size; i++) words[into + entries[start + 2 * i]!]! += entries[start + 2 * i + 1]!;
      return;
    }
    const first = source.#first[from]!;
    const last = source.#last[from]!;
    const counts = source.#words;
    const base = source.#start[from]! - source.#low[from]!;
    if (this.#size[sketch] !== DENSE) {
      // Into a sorted list: its bins in use one by one (the list becomes a window if they are many).
      for (let bin = first; bin <= last; bin++) if (counts[base + bin]! > 0) this.add(sketch, bin, counts[base + bin]!);
      return;
    }
    this.#cover(sketch, first, last);
    const into = this.#start[sketch]! - this.#low[sketch]!;
    const words = this.#words;
    for (let bin = first; bin <= last; bin++) words[into + bin]! += counts[base + bin]!;
  }

  /** At least the bytes of the sketch's encoding, found without encoding it. */
  encodedBound(sketch: number): number {
    const size = this.#size[sketch]!;
    return encodedBound(size === DENSE ? this.#last[sketch]! - this.#first[sketch]! + 1 : size);
  }

  /**
   * Writes the sketch's encoding (see bins-codec), for a day whose min price is `min` cents, into
   * `bytes` at `at`, which has room for `encodedBound` bytes; returns where it ends.
   */
  encode(sketch: number, bytes: Uint8Array, at: number, min: number): number {
    const writer = this.#writer;
    writer.start(bytes, at, min);
    const size = this.#size[sketch]!;
    const words = this.#words;
    const start = this.#start[sketch]!;
    if (size === DENSE) {
      const base = start - this.#low[sketch]!;
      for (let bin = this.#first[sketch]!, last = this.#last[sketch]!; bin <= last; bin++) {
        const count = words[base + bin]!;
        if (count > 0) writer.bin(bin, count);
      }
    } else {
      for (let i = 0; i < size; i++) writer.bin(words[start + 2 * i]!, words[start + 2 * i + 1]!);
    }
    return writer.end();
  }

  /** Forgets every sketch, keeping the arrays for the next round. */
  clear(): void {
    this.#sketches = 0;
    this.#used = 0;
  }

  #growSparse(sketch: number): void {
    const capacity = Math.min(SPARSE_MAX, Math.max(FIRST_CAPACITY, this.#capacity[sketch]! * 2));
    const start = this.#allocate(2 * capacity);
    const words = this.#words;
    const from = this.#start[sketch]!;
    for (let i = 0; i < 2 * this.#size[sketch]!; i++) words[start + i] = words[from + i]!;
    this.#start[sketch] = start;
    this.#capacity[sketch] = capacity;
  }

  /** Turns a sparse sketch into a dense window holding its bins and bin `bin`. */
  #densify(sketch: number, bin: number): void {
    const size = this.#size[sketch]!;
    const start = this.#start[sketch]!;
    const words = this.#words;
    const first = size > 0 ? Math.min(bin, words[start]!) : bin;
    const last = size > 0 ? Math.max(bin, words[start + 2 * (size - 1)]!) : bin;
    const window = this.#window(first, last, true, true);
    const into = window - this.#windowLow;
    // Read the entries from their old place: `#window` may have replaced the array, not moved them.
    for (let i = 0; i < size; i++) this.#words[into + this.#words[start + 2 * i]!] = this.#words[start + 2 * i + 1]!;
    this.#size[sketch] = DENSE;
    this.#start[sketch] = window;
    this.#low[sketch] = this.#windowLow;
    this.#capacity[sketch] = this.#windowLength;
    this.#first[sketch] = first;
    this.#last[sketch] = last;
  }

  /** Makes bins `from` to `to` part of a dense sketch's range in use, moving it to a larger window when they fall outside its own. */
  #cover(sketch: number, from: number, to: number): void {
    const first = this.#first[sketch]!;
    const last = this.#last[sketch]!;
    const low = this.#low[sketch]!;
    if (from >= low && to < low + this.#capacity[sketch]!) {
      if (from < first) this.#first[sketch] = from;
      if (to > last) this.#last[sketch] = to;
      return;
    }
    const newFirst = Math.min(first, from);
    const newLast = Math.max(last, to);
    const window = this.#window(newFirst, newLast, from < first, to > last);
    const words = this.#words;
    const old = this.#start[sketch]! + first - low;
    const into = window + first - this.#windowLow;
    for (let i = 0; i <= last - first; i++) words[into + i] = words[old + i]!;
    this.#start[sketch] = window;
    this.#low[sketch] = this.#windowLow;
    this.#capacity[sketch] = this.#windowLength;
    this.#first[sketch] = newFirst;
    this.#last[sketch] = newLast;
  }

  /** The bin of the first count and the length of the window `#window` made last. */
  #windowLow = 0;
  #windowLength = 0;

  /**
   * A zeroed window for bins `first` to `last`, plus half as many again (at least 4) on each
   * side it is to grow towards, so a day's window moves a few times at most; returns where it starts.
   */
  #window(first: number, last: number, below: boolean, above: boolean): number {
    const slack = Math.max(4, (last - first + 1) >> 1);
    this.#windowLow = first - (below ? slack : 0);
    this.#windowLength = last - first + 1 + (below ? slack : 0) + (above ? slack : 0);
    return this.#allocate(this.#windowLength);
  }

  /** `length` words at the end of the arena, zeroed unless the caller writes them all (`zeroed: false`). */
  #allocate(length: number, zeroed = true): number {
    const start = this.#used;
    const end = start + length;
    // By half as much again: doubling would overshoot by up to twice what a commit holds.
    if (end > this.#words.length) this.#grow(Math.max(Math.ceil(this.#words.length * 1.5), end));
    // Space reused after clear() holds the words of the round before; beyond `#dirty` all are zero.
    // A loop, not fill(): most spaces are short, and the builtin's call costs more than the zeroing.
    const words = this.#words;
    if (zeroed) for (let i = start, dirty = Math.min(end, this.#dirty); i < dirty; i++) words[i] = 0;
    this.#used = end;
    if (end > this.#dirty) this.#dirty = end;
    return start;
  }

  /** Moves the words in use to a zeroed array of `length` words. */
  #grow(length: number): void {
    const words = new Uint32Array(length);
    words.set(this.#words.subarray(0, this.#used));
    this.#words = words;
    this.#dirty = this.#used;
  }

  #growSketches(capacity: number): void {
    this.#size = grown(this.#size, capacity);
    this.#capacity = grown(this.#capacity, capacity);
    this.#start = grown(this.#start, capacity);
    this.#low = grown(this.#low, capacity);
    this.#first = grown(this.#first, capacity);
    this.#last = grown(this.#last, capacity);
  }
}

function grown(from: Int32Array, capacity: number): Int32Array<ArrayBuffer> {
  const into = new Int32Array(capacity);
  into.set(from);
  return into;
}
