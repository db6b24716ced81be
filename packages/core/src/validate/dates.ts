/**
 * Days are carried inside the engine as integers: days since 1900-01-01 (UTC). Integers make keys,
 * ranges and arithmetic cheap; ISO `YYYY-MM-DD` strings are used only at the edges.
 */

const DAY_MS = 86_400_000;
const EPOCH_1900_MS = Date.UTC(1900, 0, 1);
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The first and last years a price day may have. */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 2999;

/** Batches repeat the same few hundred days millions of times; parsing each once pays off. */
const parsed = new Map<string, number | undefined>();
const PARSED_LIMIT = 100_000;
const lastParsed: { value: string | undefined; day: number | undefined } = { value: undefined, day: undefined };

/** Parses a strict `YYYY-MM-DD` calendar date; returns undefined for anything else. */
export function parseDay(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  // Batches mostly come grouped by day: the last answer saves a hash lookup per price.
  if (value === lastParsed.value) return lastParsed.day;
  let day = parsed.get(value);
  if (day === undefined && !parsed.has(value)) {
    if (parsed.size >= PARSED_LIMIT) parsed.clear();
    day = parseDayUncached(value);
    parsed.set(value, day);
  }
  lastParsed.value = value;
  lastParsed.day = day;
  return day;
}

function parseDayUncached(value: string): number | undefined {
  const match = ISO_DAY.exec(value);
  if (match === null) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < MIN_YEAR || year > MAX_YEAR || month < 1 || month > 12 || day < 1) return undefined;
  if (day > daysInMonth(year, month)) return undefined;
  return (Date.UTC(year, month - 1, day) - EPOCH_1900_MS) / DAY_MS;
}

/** Every query formats each day of its range; a cache spares a Date per row. */
const formatted = new Map<number, string>();

export function formatDay(dayIndex: number): string {
  let day = formatted.get(dayIndex);
  if (day === undefined) {
    if (formatted.size >= PARSED_LIMIT) formatted.clear();
    day = new Date(EPOCH_1900_MS + dayIndex * DAY_MS).toISOString().slice(0, 10);
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

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
