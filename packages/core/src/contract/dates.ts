/**
 * Days as every part speaks them: a calendar date `YYYY-MM-DD` between 1900 and 2999 at the edges,
 * a day index (days since 1900-01-01, UTC) inside, where integers make keys, ranges and arithmetic
 * cheap. The engine parses every price's day with this (through a cache), and the server the
 * ranges it makes up itself (`POST /rates`).
 */

const DAY_MS = 86_400_000;
const EPOCH_1900_MS = Date.UTC(1900, 0, 1);
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The first and last years a day may have. */
export const MIN_YEAR = 1900;
export const MAX_YEAR = 2999;

/** The rule in words, for messages (`dateFrom must be a calendar date ...`). */
export const DAY_RULE = `a calendar date YYYY-MM-DD between ${MIN_YEAR} and ${MAX_YEAR}`;

/** The day index of a strict `YYYY-MM-DD` calendar date between 1900 and 2999; undefined for anything else (`2016-02-30`, `2016-1-1`). */
export function parseDay(value: unknown): number | undefined {
  const match = typeof value === 'string' ? ISO_DAY.exec(value) : null;
  if (match === null) return undefined;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  if (year < MIN_YEAR || year > MAX_YEAR || month < 1 || month > 12 || day < 1) return undefined;
  if (day > new Date(Date.UTC(year, month, 0)).getUTCDate()) return undefined;
  return (Date.UTC(year, month - 1, day) - EPOCH_1900_MS) / DAY_MS;
}

/** `YYYY-MM-DD` of a day index. */
export function formatDay(dayIndex: number): string {
  return new Date(EPOCH_1900_MS + dayIndex * DAY_MS).toISOString().slice(0, 10);
}
