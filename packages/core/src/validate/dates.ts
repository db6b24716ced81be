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

/** Parses a strict `YYYY-MM-DD` calendar date; returns undefined for anything else. */
export function parseDay(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  let day = parsed.get(value);
  if (day === undefined && !parsed.has(value)) {
    if (parsed.size >= PARSED_LIMIT) parsed.clear();
    day = parseDayUncached(value);
    parsed.set(value, day);
  }
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

/** Day index of the first day of the month `YYYY-MM`. */
export function firstDayOfMonth(month: string): number {
  return parseDay(`${month}-01`)!;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}
