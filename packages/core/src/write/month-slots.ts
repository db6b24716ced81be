import { sketchedRecordBytes, storesSketches, writeDaySketchLength, writeRecordDay, writeRecordHeader } from '../encoding/record-codec.js';
import { encodedBound, impliedBins } from '../sketch/bins-codec.js';
import { BINS, BinCounts } from '../sketch/bin-counts.js';
import { IMPLIED, SketchArena, UNKNOWN } from '../sketch/sketch-arena.js';

/** Day-of-month cells per slot: index 1-31 are used, 0 is not (so a day of month is its own index). */
export const DAYS_PER_SLOT = 32;
const EMPTY = -1;
const INITIAL_SLOTS = 256;
/** Where buildSketches counts a day's bins: one for all tables, as it runs to the end synchronously. */
const BIN_COUNTS = new BinCounts();
/** The bytes of each day's encoded bins of the slot being written (see #dayBinBytes). */
const DAY_BIN_BYTES = new Int32Array(DAYS_PER_SLOT);
/**
 * A cell's sketch at or below this is its bins encoded into `#bins`, the k-th encoded (k = ENCODED - value):
 * by buildSketches in a table that `encodes`, else by recordBytes.
 */
const ENCODED = -3;

/**
 * A hash table from a numeric key (an integer below 2^53, e.g. a route or a pair in one month) to a
 * slot holding that key's per-day aggregates (count, sum, min, max) for the 31 days of a month,
 * densely, plus a bit mask of the days that have any. All of it lives in typed arrays: a commit
 * aggregates millions of cells, and a Map of objects would cost several times the memory and block
 * the event loop with every rehash. Dense months make merging one slot into another a walk over
 * set bits, with no hashing per day.
 *
 * Slots are numbered in the order keys arrive, so visiting them needs no scan of empty buckets.
 *
 * Each day cell also has a sketch of its prices (for percentiles): IMPLIED while its count, min and
 * max say everything (one price, two, or all equal; most cells of port pairs), else a sketch in the
 * table's arena, or UNKNOWN once a record without sketches took part (rebuilds of old records).
 */
export class MonthSlots {
  #slots = 0;
  #slotCapacity = INITIAL_SLOTS;
  #buckets = new Int32Array(INITIAL_SLOTS * 2).fill(EMPTY);
  #keys = new Float64Array(INITIAL_SLOTS);
  #masks = new Uint32Array(INITIAL_SLOTS);
  #count = new Uint32Array(INITIAL_SLOTS * DAYS_PER_SLOT);
  #sum = new Float64Array(INITIAL_SLOTS * DAYS_PER_SLOT);
  #min = new Uint32Array(INITIAL_SLOTS * DAYS_PER_SLOT);
  #max = new Uint32Array(INITIAL_SLOTS * DAYS_PER_SLOT);
  #sketch = new Int32Array(INITIAL_SLOTS * DAYS_PER_SLOT);
  /** Encoded bins (see ENCODED), one after the other: the k-th ends at `#binEnds[k]`. Only tables that are encoded need them. */
  #bins = new Uint8Array(0);
  #binEnds = new Int32Array(0);
  #encoded = 0;
  readonly #arena = new SketchArena();
  /** What `add` gives prices: IMPLIED (their bins follow from their aggregates), or UNKNOWN in a table that keeps no sketches. */
  readonly #added: number;
  readonly #encodes: boolean;

  /**
   * `sketches: false`: prices added keep no bins (a store with `percentileSketches: false`), which
   * costs nothing to merge or write. `encodes: true`: a table whose records are written, not merged
   * on (a roll-up's last): buildSketches encodes each sketch at once instead of keeping it, which
   * spares the memory of every sketch of a part (fresh memory is slow to touch, measured).
   */
  constructor(options: { sketches?: boolean; encodes?: boolean } = {}) {
    this.#added = options.sketches === false ? UNKNOWN : IMPLIED;
    this.#encodes = options.encodes === true;
  }

  /** Slots in use. */
  get size(): number {
    return this.#slots;
  }

  key(slot: number): number {
    return this.#keys[slot]!;
  }

  /** Days of month (bit d for day d) that the slot has aggregates for. */
  mask(slot: number): number {
    return this.#masks[slot]!;
  }

  /** Makes room for `slots` slots at once: growing by doubling copies every cell several times. */
  reserve(slots: number): void {
    if (slots <= this.#slotCapacity) return;
    // Cells take exactly the room asked for; only the buckets need a power of two.
    this.#growSlots(slots);
    while (this.#buckets.length < slots * 2) this.#rehash();
  }

  /** The slot of `key`, created empty if the key is new. */
  slot(key: number): number {
    const mask = this.#buckets.length - 1;
    let bucket = hash(key) & mask;
    for (;;) {
      const slot = this.#buckets[bucket]!;
      if (slot === EMPTY) break;
      if (this.#keys[slot] === key) return slot;
      bucket = (bucket + 1) & mask;
    }
    if (this.#slots === this.#slotCapacity) this.#growSlots(this.#slotCapacity * 2);
    const slot = this.#slots++;
    this.#buckets[bucket] = slot;
    this.#keys[slot] = key;
    this.#masks[slot] = 0;
    // Keep the buckets at most half full so probe runs stay short.
    if (this.#slots * 2 > this.#buckets.length) this.#rehash();
    return slot;
  }

  /** Adds aggregates to one day of a slot: prices whose bins they imply (one price, or all at one price). */
  add(slot: number, dayOfMonth: number, count: number, sum: number, min: number, max: number): void {
    this.#add(slot, dayOfMonth, count, sum, min, max, this.#added);
  }

  /** Adds one day of a record to a slot, with the day's encoded bins (see record-codec; undefined for an old record). */
  addEncoded(slot: number, dayOfMonth: number, count: number, sum: number, min: number, max: number, bins: Uint8Array | undefined): void {
    // A table that keeps no sketches drops the record's bins.
    const known = this.#added !== UNKNOWN;
    const sketch = known && bins !== undefined && bins.length > 0 ? this.#arena.decode(bins, min) : known && impliedBins(count, min, max) ? IMPLIED : UNKNOWN;
    this.#add(slot, dayOfMonth, count, sum, min, max, sketch);
  }

  /**
   * Adds the aggregates of every day of slot `from` of `source` into slot `into` of this table, not
   * yet their bins: a roll-up merges each source slot into several new slots, then builds each new
   * slot's sketches once from all its sources (`buildSketches`). Merging bins source by source grew
   * each sketch step by step, moving it to ever larger space (most of a commit's time, measured).
   * Until `buildSketches`, a cell merged here holds IMPLIED, or UNKNOWN once a source cell whose
   * bins are unknown took part.
   */
  mergeAggregates(into: number, source: MonthSlots, from: number): void {
    let days = source.#masks[from]!;
    const base = from * DAYS_PER_SLOT;
    while (days !== 0) {
      const dayOfMonth = 31 - Math.clz32(days);
      days ^= 1 << dayOfMonth;
      const cell = base + dayOfMonth;
      this.#addAggregates(into, dayOfMonth, source.#count[cell]!, source.#sum[cell]!, source.#min[cell]!, source.#max[cell]!, source.#sketch[cell] === UNKNOWN ? UNKNOWN : IMPLIED);
    }
  }

  /**
   * Makes room at once for the sketches buildSketches keeps for slots `first` onwards: for each day
   * that will have one, as many bins as it has prices, up to every bin there is. Space reserved and
   * never used costs nothing, whereas an arena grown step by step copies itself each time into
   * fresh memory, which is slow to touch (measured: a tenth of a commit with sketches). A table that
   * `encodes` keeps no sketches.
   */
  reserveSketches(first: number): void {
    if (this.#encodes) return;
    let sketches = 0;
    let entries = 0;
    for (let slot = first; slot < this.#slots; slot++) {
      let days = this.#masks[slot]!;
      const base = slot * DAYS_PER_SLOT;
      while (days !== 0) {
        const dayOfMonth = 31 - Math.clz32(days);
        days ^= 1 << dayOfMonth;
        const cell = base + dayOfMonth;
        if (!this.#needsBins(cell)) continue;
        sketches++;
        entries += Math.min(this.#count[cell]!, BINS);
      }
    }
    this.#arena.makeRoom(sketches, 2 * entries);
  }

  /**
   * Gives each day of slot `slot` whose aggregates do not imply its bins the sketch of the bins of
   * slots `sources[from]` to `sources[to - 1]` of `source`, the slots mergeAggregates merged into it:
   * counted densely, then packed (see BinCounts), or encoded at once in a table that `encodes`.
   */
  buildSketches(slot: number, source: MonthSlots, sources: Int32Array, from: number, to: number): void {
    // Fields read once: a roll-up calls this for every new slot, and reads the source's arrays in its inner loop.
    const sketch = this.#sketch;
    const sourceSketch = source.#sketch;
    const sourceCount = source.#count;
    const sourceMin = source.#min;
    const sourceMax = source.#max;
    const sourceMasks = source.#masks;
    const sourceArena = source.#arena;
    let days = this.#masks[slot]!;
    const base = slot * DAYS_PER_SLOT;
    while (days !== 0) {
      const dayOfMonth = 31 - Math.clz32(days);
      const bit = 1 << dayOfMonth;
      days ^= bit;
      const cell = base + dayOfMonth;
      if (!this.#needsBins(cell)) continue;
      for (let i = from; i < to; i++) {
        const slotFrom = sources[i]!;
        if ((sourceMasks[slotFrom]! & bit) === 0) continue;
        const sourceCell = slotFrom * DAYS_PER_SLOT + dayOfMonth;
        const bins = sourceSketch[sourceCell]!;
        if (bins === IMPLIED) BIN_COUNTS.addImplied(sourceCount[sourceCell]!, sourceMin[sourceCell]!, sourceMax[sourceCell]!);
        else sourceArena.addTo(bins, BIN_COUNTS);
      }
      if (this.#encodes) this.#encodeBins(cell, BIN_COUNTS);
      else sketch[cell] = this.#arena.packed(BIN_COUNTS);
    }
  }

  /** Whether buildSketches counts a new cell's bins: not when a source had none (unknown), nor when its aggregates imply them (most port pairs' days). */
  #needsBins(cell: number): boolean {
    return this.#sketch[cell] === IMPLIED && !impliedBins(this.#count[cell]!, this.#min[cell]!, this.#max[cell]!);
  }


  /** Adds prices (their aggregates, and their sketch in this table's arena, or IMPLIED or UNKNOWN) to one day of a slot. */
  #add(slot: number, dayOfMonth: number, count: number, sum: number, min: number, max: number, sketch: number): void {
    const cell = slot * DAYS_PER_SLOT + dayOfMonth;
    const had = this.#sketch[cell]!;
    if ((this.#masks[slot]! & (1 << dayOfMonth)) !== 0 && had !== UNKNOWN) this.#sketch[cell] = this.#mergeSketch(cell, had, count, min, max, sketch);
    this.#addAggregates(slot, dayOfMonth, count, sum, min, max, sketch);
  }

  /** Adds aggregates to one day of a slot, whose sketch becomes `sketch` (new cells) or UNKNOWN if `sketch` is. */
  #addAggregates(slot: number, dayOfMonth: number, count: number, sum: number, min: number, max: number, sketch: number): void {
    const cell = slot * DAYS_PER_SLOT + dayOfMonth;
    const bit = 1 << dayOfMonth;
    if ((this.#masks[slot]! & bit) === 0) {
      this.#masks[slot]! |= bit;
      this.#count[cell] = count;
      this.#sum[cell] = sum;
      this.#min[cell] = min;
      this.#max[cell] = max;
      this.#sketch[cell] = sketch;
      return;
    }
    if (sketch === UNKNOWN) this.#sketch[cell] = UNKNOWN;
    this.#count[cell]! += count;
    this.#sum[cell]! += sum;
    if (min < this.#min[cell]!) this.#min[cell] = min;
    if (max > this.#max[cell]!) this.#max[cell] = max;
  }

  /** The cell's sketch once the prices (count, min, max, sketch) join it; the cell's aggregates are still the old ones. */
  #mergeSketch(cell: number, had: number, count: number, min: number, max: number, sketch: number): number {
    if (sketch === UNKNOWN) return UNKNOWN;
    const ownCount = this.#count[cell]!;
    const ownMin = this.#min[cell]!;
    const ownMax = this.#max[cell]!;
    let into = had;
    if (into === IMPLIED) {
      // Still implied together: nothing to store (the common case of a port pair's day).
      if (sketch === IMPLIED && impliedBins(ownCount + count, Math.min(ownMin, min), Math.max(ownMax, max))) return IMPLIED;
      into = this.#arena.implied(ownCount, ownMin, ownMax);
    }
    if (sketch === IMPLIED) this.#arena.addImplied(into, count, min, max);
    else this.#arena.merge(into, this.#arena, sketch);
    return into;
  }

  /**
   * Bytes of the slot encoded as a record. Its days' bins are encoded here, once, into `#bins`
   * (unless buildSketches did), where `encodeRecord` copies them from: encoding them twice, to
   * measure and to write, took a sixth of a commit's time with sketches (measured).
   */
  recordBytes(slot: number): number {
    this.#forEachCell(slot, (cell) => {
      if (this.#storesBins(cell)) this.#encodeBins(cell, this.#sketch[cell]!);
    });
    return sketchedRecordBytes(this.#dayBinBytes(slot));
  }

  /** The bytes of the encoded bins of each day of a slot, in the order of its record (in an array reused from slot to slot). */
  #dayBinBytes(slot: number): Int32Array {
    let day = 0;
    this.#forEachCell(slot, (cell) => {
      DAY_BIN_BYTES[day++] = this.#binBytes(cell);
    });
    return DAY_BIN_BYTES.subarray(0, day);
  }

  /** Encodes a cell's bins into `#bins`, those of a sketch of the arena or those BIN_COUNTS holds, and makes its sketch ENCODED. */
  #encodeBins(cell: number, bins: number | BinCounts): void {
    const start = this.#encoded === 0 ? 0 : this.#binEnds[this.#encoded - 1]!;
    const end = start + (typeof bins === 'number' ? this.#arena.encodedBound(bins) : encodedBound(bins.inUse));
    // Doubling: the bins of a part are a few MB, grown a handful of times, and kept for the next part.
    if (end > this.#bins.length) this.#bins = grown(this.#bins, new Uint8Array(Math.max(end, 2 * this.#bins.length, 4096)));
    if (this.#encoded === this.#binEnds.length) this.#binEnds = grown(this.#binEnds, new Int32Array(Math.max(1024, 2 * this.#encoded)));
    const min = this.#min[cell]!;
    this.#binEnds[this.#encoded] = typeof bins === 'number' ? this.#arena.encode(bins, this.#bins, start, min) : bins.encode(this.#bins, start, min);
    this.#sketch[cell] = ENCODED - this.#encoded++;
  }

  /** Bytes of a cell's encoded bins: none unless encoded. */
  #binBytes(cell: number): number {
    const k = ENCODED - this.#sketch[cell]!;
    if (k < 0) return 0;
    return this.#binEnds[k]! - (k === 0 ? 0 : this.#binEnds[k - 1]!);
  }

  /**
   * Encodes the slot as a record (see record-codec) into `view` at `at`, once `recordBytes` measured
   * it; returns where it ends. A record none of whose days stores bins (every day implied by its
   * aggregates, or unknown) is written without sketches, which reads the same and is smaller.
   */
  encodeRecord(slot: number, view: DataView, at: number): number {
    const withBins = storesSketches(this.#dayBinBytes(slot));
    at = writeRecordHeader(view, at, false, bitCount(this.#masks[slot]!), withBins);
    this.#forEachCell(slot, (cell, dayOfMonth) => {
      at = writeRecordDay(view, at, dayOfMonth, this.#count[cell]!, this.#sum[cell]!, this.#min[cell]!, this.#max[cell]!);
    });
    if (!withBins) return at;
    const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
    this.#forEachCell(slot, (cell) => {
      const binBytes = this.#binBytes(cell);
      at = writeDaySketchLength(bytes, at, binBytes);
      if (binBytes === 0) return;
      // A few bytes each: a loop costs less than a subarray and set().
      const end = this.#binEnds[ENCODED - this.#sketch[cell]!]!;
      for (let i = end - binBytes; i < end; i++) bytes[at++] = this.#bins[i]!;
    });
    return at;
  }

  /** Whether a cell's bins go into its record: not when its aggregates imply them, nor when unknown. */
  #storesBins(cell: number): boolean {
    return this.#sketch[cell]! >= 0 && !impliedBins(this.#count[cell]!, this.#min[cell]!, this.#max[cell]!);
  }

  /** Visits the day cells of a slot in the order its record lists them (see encodeRecord). */
  #forEachCell(slot: number, visit: (cell: number, dayOfMonth: number) => void): void {
    let days = this.#masks[slot]!;
    const base = slot * DAYS_PER_SLOT;
    while (days !== 0) {
      const dayOfMonth = 31 - Math.clz32(days);
      days ^= 1 << dayOfMonth;
      visit(base + dayOfMonth, dayOfMonth);
    }
  }

  /** A copy of the keys of the slots in use, in slot order. */
  keys(): Float64Array {
    return this.#keys.slice(0, this.#slots);
  }

  /** Empties the table, keeping its capacity for the next round. */
  clear(): void {
    this.#buckets.fill(EMPTY);
    this.#slots = 0;
    this.#encoded = 0;
    this.#arena.clear();
  }

  #growSlots(capacity: number): void {
    this.#keys = grown(this.#keys, new Float64Array(capacity));
    this.#masks = grown(this.#masks, new Uint32Array(capacity));
    this.#count = grown(this.#count, new Uint32Array(capacity * DAYS_PER_SLOT));
    this.#sum = grown(this.#sum, new Float64Array(capacity * DAYS_PER_SLOT));
    this.#min = grown(this.#min, new Uint32Array(capacity * DAYS_PER_SLOT));
    this.#max = grown(this.#max, new Uint32Array(capacity * DAYS_PER_SLOT));
    this.#sketch = grown(this.#sketch, new Int32Array(capacity * DAYS_PER_SLOT));
    this.#slotCapacity = capacity;
  }

  #rehash(): void {
    const buckets = new Int32Array(this.#buckets.length * 2).fill(EMPTY);
    const mask = buckets.length - 1;
    for (let slot = 0; slot < this.#slots; slot++) {
      let bucket = hash(this.#keys[slot]!) & mask;
      while (buckets[bucket] !== EMPTY) bucket = (bucket + 1) & mask;
      buckets[bucket] = slot;
    }
    this.#buckets = buckets;
  }
}

function bitCount(mask: number): number {
  let bits = mask - ((mask >>> 1) & 0x55555555);
  bits = (bits & 0x33333333) + ((bits >>> 2) & 0x33333333);
  return Math.imul((bits + (bits >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

function grown<T extends Float64Array | Uint32Array | Int32Array | Uint8Array>(from: T, into: T): T {
  into.set(from);
  return into;
}

/**
 * Keys are numbers built as (a * n + b) * span + c, so their low bits say little: both 32-bit halves
 * are mixed (murmur3's finalizer) so that every bit of the key reaches the bucket's bits.
 */
export function hash(key: number): number {
  let h = (key >>> 0) ^ Math.imul(Math.floor(key / 4294967296), 0x9e3779b1);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
