/**
 * An aggregate record holds, for one location pair and one month, the per-day aggregates that one
 * writer contributed on behalf of one source batch:
 *   flags u8 (bit 0: reset) | day count u8 | per day: day of month u8, count u32, sum f64, min u32, max u32
 * Money is in integer cents (max 10,000,000 USD = 1e9 cents fits u32; sums stay exact in f64).
 * A reset record supersedes every record of the same group with an older epoch.
 */

const HEADER_BYTES = 2;
const DAY_BYTES = 21;
export const RESET_FLAG = 1;

/** Aggregates of one day, in cents. */
export interface DayAggregate {
  count: number;
  sum: number;
  min: number;
  max: number;
}

/** Per-day aggregates of one month, indexed by day of month (1-31). */
export type MonthAggregates = Map<number, DayAggregate>;

/** Visits one day of a record: day of month, then its aggregates in cents. */
export type DayVisitor = (dayOfMonth: number, count: number, sum: number, min: number, max: number) => void;

/** Bytes of a record with `dayCount` days. */
export function recordBytes(dayCount: number): number {
  return HEADER_BYTES + dayCount * DAY_BYTES;
}

/** Writes a record's header into `view` at `at`; returns where its first day goes. */
export function writeRecordHeader(view: DataView, at: number, reset: boolean, dayCount: number): number {
  view.setUint8(at, reset ? RESET_FLAG : 0);
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

/** Encodes a record from flat day aggregates: day of month, count, sum, min, max; repeated. */
export function encodeRecord(reset: boolean, days: readonly number[]): Uint8Array {
  const dayCount = days.length / 5;
  const bytes = new Uint8Array(recordBytes(dayCount));
  const view = new DataView(bytes.buffer);
  let at = writeRecordHeader(view, 0, reset, dayCount);
  for (let i = 0; i < days.length; i += 5) at = writeRecordDay(view, at, days[i]!, days[i + 1]!, days[i + 2]!, days[i + 3]!, days[i + 4]!);
  return bytes;
}

/** The flat form `encodeRecord` takes, from merged aggregates. */
export function flatDays(days: MonthAggregates): number[] {
  const flat: number[] = [];
  for (const [dayOfMonth, aggregate] of days) flat.push(dayOfMonth, aggregate.count, aggregate.sum, aggregate.min, aggregate.max);
  return flat;
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

/** Adds the record's days to `into`. */
export function mergeRecord(bytes: Uint8Array, into: MonthAggregates): void {
  forEachDay(bytes, (dayOfMonth, count, sum, min, max) => {
    const current = into.get(dayOfMonth);
    if (current === undefined) {
      into.set(dayOfMonth, { count, sum, min, max });
    } else {
      current.count += count;
      current.sum += sum;
      if (min < current.min) current.min = min;
      if (max > current.max) current.max = max;
    }
  });
}
