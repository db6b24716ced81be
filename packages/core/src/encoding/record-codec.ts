import { impliedBins, readVarint, varintBytes, writeVarint } from '../sketch/bins-codec.js';
import { DayBins } from '../sketch/day-bins.js';

/**
 * An aggregate record holds, for one location pair and one month, the per-day aggregates that one
 * writer contributed on behalf of one source batch:
 *   flags u8 (bit 0: reset, bit 1: sketches) | day count u8
 *   | per day: day of month u8, count u32, sum f64, min u32, max u32
 *   | with bit 1, per day in the same order: byte length varint, the day's bins (sketch/bins-codec.ts)
 * Money is in integer cents (max 10,000,000 USD = 1e9 cents fits u32; sums stay exact in f64).
 * A reset record supersedes every record of the same group with an older epoch.
 *
 * The bins come after the fixed-width days so that reads without percentiles never look at them,
 * and records written before they existed (no bit 1) read as days whose bins are unknown unless
 * implied (see bins-codec).
 */

const HEADER_BYTES = 2;
const DAY_BYTES = 21;
export const RESET_FLAG = 1;
export const SKETCH_FLAG = 2;

/** Aggregates of one day, in cents. */
export interface DayAggregate {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** When read with sketches: the day's bins, or null when some record of the day had none. */
  bins?: DayBins | null;
}

/** Per-day aggregates of one month, indexed by day of month (1-31). */
export type MonthAggregates = Map<number, DayAggregate>;

/** Visits one day of a record: day of month, then its aggregates in cents. */
export type DayVisitor = (dayOfMonth: number, count: number, sum: number, min: number, max: number) => void;

/** Bytes of a record with `dayCount` days, without their bins. */
export function recordBytes(dayCount: number): number {
  return HEADER_BYTES + dayCount * DAY_BYTES;
}

/** Bytes of one day's bins in a record: its length, then the encoding of `binBytes` bytes. */
export function daySketchBytes(binBytes: number): number {
  return varintBytes(binBytes) + binBytes;
}

/**
 * Whether a record whose days' encoded bins take `binBytes` bytes each (0: none stored) is written
 * with sketches: only if some day stores bins (see writeRecordHeader).
 */
export function storesSketches(binBytes: ArrayLike<number>): boolean {
  for (let i = 0; i < binBytes.length; i++) if (binBytes[i]! > 0) return true;
  return false;
}

/** Bytes of a record whose days' encoded bins take `binBytes` bytes each (see storesSketches). */
export function sketchedRecordBytes(binBytes: ArrayLike<number>): number {
  let bytes = recordBytes(binBytes.length);
  if (storesSketches(binBytes)) for (let i = 0; i < binBytes.length; i++) bytes += daySketchBytes(binBytes[i]!);
  return bytes;
}

/** Writes the length of one day's bins into `bytes` at `at`; returns where the bins go. */
export function writeDaySketchLength(bytes: Uint8Array, at: number, binBytes: number): number {
  return writeVarint(bytes, at, binBytes);
}

/**
 * Writes a record's header into `view` at `at`; returns where its first day goes. `sketches`: the
 * days' bins follow them. A record none of whose days stores bins is written without, in the format
 * of records written before bins existed: both read alike (a day without bins has those its count,
 * min and max imply, or none known), and it saves a byte a day.
 */
export function writeRecordHeader(view: DataView, at: number, reset: boolean, dayCount: number, sketches: boolean): number {
  view.setUint8(at, (reset ? RESET_FLAG : 0) | (sketches ? SKETCH_FLAG : 0));
  view.setUint8(at + 1, dayCount);
  return at + HEADER_BYTES;
}

/** Writes one day of a record into `view` at `at`; returns where the next day goes. */
export function writeRecordDay(view: DataView, at: number, dayOfMonth: number, count: number, sum: number, min: number, max: number): number {
  view.setUint8(at, dayOfMonth);
  view.setUint32(at + 1, count, true);
  view.setFloat64(at + 5, sum, true);
  view.setUint32(at + 13, min, true);
  view.setUint32(at + 17, max, true);
  return at + DAY_BYTES;
}

/** Encodes a record from merged aggregates, with the bins of the days that have them (others are written as unknown). */
export function encodeMonth(reset: boolean, days: MonthAggregates): Uint8Array {
  // Bins that a day's count, min and max imply are not stored (reads imply them again).
  const encoded = [...days.values()].map(({ bins, count, min, max }) => (bins && !impliedBins(count, min, max) ? bins.encoded(min) : undefined));
  const binBytes = encoded.map((bins) => bins?.length ?? 0);
  const sketches = storesSketches(binBytes);
  const bytes = new Uint8Array(sketchedRecordBytes(binBytes));
  const view = new DataView(bytes.buffer);
  let at = writeRecordHeader(view, 0, reset, days.size, sketches);
  for (const [dayOfMonth, { count, sum, min, max }] of days) at = writeRecordDay(view, at, dayOfMonth, count, sum, min, max);
  if (!sketches) return bytes;
  for (const bins of encoded) {
    at = writeDaySketchLength(bytes, at, bins?.length ?? 0);
    if (bins !== undefined && bins.length > 0) {
      bytes.set(bins, at);
      at += bins.length;
    }
  }
  return bytes;
}

export function isReset(bytes: Uint8Array): boolean {
  return (bytes[0]! & RESET_FLAG) !== 0;
}

/** Visits each day of a record: day of month, then its aggregates in cents. */
export function forEachDay(bytes: Uint8Array, visit: DayVisitor): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const days = bytes[1]!;
  for (let i = 0, at = HEADER_BYTES; i < days; i++, at += DAY_BYTES) {
    visit(bytes[at]!, view.getUint32(at + 1, true), view.getFloat64(at + 5, true), view.getUint32(at + 13, true), view.getUint32(at + 17, true));
  }
}

/**
 * The encoded bins of each day of a record, in the order of its days (see bins-codec), or undefined
 * for a record written before bins existed.
 */
export function daySketches(bytes: Uint8Array): Uint8Array[] | undefined {
  if ((bytes[0]! & SKETCH_FLAG) === 0) return undefined;
  const days = bytes[1]!;
  const sketches: Uint8Array[] = [];
  const cursor = { at: HEADER_BYTES + days * DAY_BYTES };
  for (let i = 0; i < days; i++) {
    const length = readVarint(bytes, cursor);
    sketches.push(bytes.subarray(cursor.at, cursor.at + length));
    cursor.at += length;
  }
  return sketches;
}

/**
 * Adds the record's days to `into`; with `sketches`, their bins too (see DayAggregate.bins). Reads
 * without percentiles leave the bins alone, which costs them nothing.
 */
export function mergeRecord(bytes: Uint8Array, into: MonthAggregates, sketches = false): void {
  // The days' bins are read in step with the days: no list of them is made.
  const cursor = sketches && (bytes[0]! & SKETCH_FLAG) !== 0 ? { at: HEADER_BYTES + bytes[1]! * DAY_BYTES } : undefined;
  forEachDay(bytes, (dayOfMonth, count, sum, min, max) => {
    const current = into.get(dayOfMonth);
    // The day's bins are at [start, end) of the record (none without them).
    let start = 0;
    let end = 0;
    if (cursor !== undefined) {
      const length = readVarint(bytes, cursor);
      start = cursor.at;
      end = cursor.at += length;
    }
    if (current === undefined) {
      into.set(dayOfMonth, sketches ? { count, sum, min, max, bins: DayBins.of(bytes, count, min, max, start, end) } : { count, sum, min, max });
    } else {
      if (sketches && current.bins && !current.bins.addDay(bytes, count, min, max, start, end)) current.bins = null;
      current.count += count;
      current.sum += sum;
      if (min < current.min) current.min = min;
      if (max > current.max) current.max = max;
    }
  });
}
