/**
 * Day arithmetic for the ranges the server makes up itself (POST /rates, the start-up example).
 * @ratestore/core keeps its own day parser to itself, so this is the server's one copy; which days
 * a store accepts (years 1900 to 2999) stays the engine's call, made on every item it is given.
 */

const DAY_MS = 86_400_000;
const ISO_DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since 1970-01-01 of a calendar date `YYYY-MM-DD`; undefined for anything else (`2016-02-30`). */
export function epochDay(text: unknown): number | undefined {
  const match = typeof text === 'string' ? ISO_DAY.exec(text) : null;
  if (match === null) return undefined;
  const day = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) / DAY_MS;
  // Date.UTC rolls 2016-02-30 over to March 1st: only a date that comes back as written is one.
  return dayText(day) === text ? day : undefined;
}

/** `YYYY-MM-DD` of days since 1970-01-01. */
export function dayText(epoch: number): string {
  return new Date(epoch * DAY_MS).toISOString().slice(0, 10);
}
