/**
 * The engine's days: the contract's day parsing and formatting (contract/dates.ts) behind caches,
 * and the month arithmetic of aggregation.
 */
import { MIN_YEAR, formatDay as formatDayOnce, parseDay as parseDayOnce } from '../contract/dates.js';

const CACHE_LIMIT = 100_000;

/** Batches repeat the same few hundred days millions of times; parsing each once pays off. */
const parsed = new Map<string, number | undefined>();
const lastParsed: { value: string | undefined; day: number | undefined } = { value: undefined, day: undefined };

/** The day index of a strict `YYYY-MM-DD` calendar date between 1900 and 2999; undefined for anything else. */
export function parseDay(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  // Batches mostly come grouped by day: the last answer saves a hash lookup per price.
  if (value === lastParsed.value) return lastParsed.day;
  let day = parsed.get(value);
  if (day === undefined && !parsed.has(value)) {
    if (parsed.size >= CACHE_LIMIT) parsed.clear();
    day = parseDayOnce(value);
    parsed.set(value, day);
  }
  lastParsed.value = value;
  lastParsed.day = day;
  return day;
}

/** Every query formats each day of its range; a cache spares a Date per row. */
const formatted = new Map<number, string>();

export function formatDay(dayIndex: number): string {
  let day = formatted.get(dayIndex);
  if (day === undefined) {
    if (formatted.size >= CACHE_LIMIT) formatted.clear();
    day = formatDayOnce(dayIndex);
    formatted.set(dayIndex, day);
  }
  return day;
}

/** `YYYY-MM` of a day index. */
export function monthOf(dayIndex: number): string {
  return formatDay(dayIndex).slice(0, 7);
}

/**
 * The month and day of month of a day index, packed as months since 1900-01 times 32 plus the day
 * of month, by calendar arithmetic (H. Hinnant's days-to-civil): commits ask this of every price,
 * and no Date or cache is needed.
 */
export function monthAndDayOf(dayIndex: number): number {
  const z = dayIndex + DAYS_0000_03_01_TO_1900_01_01;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153); // 0 = March
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return ((year - MIN_YEAR) * 12 + month - 1) * 32 + day;
}

/** Days from 0000-03-01 (where the calendar arithmetic counts from) to 1900-01-01. */
const DAYS_0000_03_01_TO_1900_01_01 = 693_901;

/** `YYYY-MM` of a month counted from 1900-01 (as `monthAndDayOf` gives it). */
export function monthName(monthsSince1900: number): string {
  const year = MIN_YEAR + Math.floor(monthsSince1900 / 12);
  const month = (monthsSince1900 % 12) + 1;
  return `${year}-${month < 10 ? '0' : ''}${month}`;
}

/** Day index of the first day of the month `YYYY-MM`. */
export function firstDayOfMonth(month: string): number {
  return parseDay(`${month}-01`)!;
}
