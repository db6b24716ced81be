import type { Engine } from '../engine.js';
import { RatestoreError } from '../errors.js';
import { VIEW_VALUE } from '../db.js';
import { groupPrefix, pairMonthsRange } from '../encoding/keys.js';
import { mergeRecord, type MonthAggregates } from '../encoding/record-codec.js';
import { formatDay, monthOf } from '../validate/dates.js';
import type { RateRow, RatesResult } from '../types.js';
import { VisibilityFilter } from './visible-records.js';
import { MonthCache } from './month-cache.js';

export interface RatesRequest {
  from: number;
  to: number;
  origin: string;
  destination: string;
  minCount: number;
  version: number;
}

/** One row per day of the range, from the pair's month aggregates at `version` (cached or scanned). */
export async function readRates(engine: Engine, request: RatesRequest): Promise<RatesResult> {
  const wanted = monthsOf(request);
  const group = groupPrefix(request.origin, request.destination);
  const months = cachedMonths(engine, request.version, group, wanted) ?? (await scanMonths(engine, request, group, wanted));
  const rows: RateRow[] = [];
  for (let day = request.from; day <= request.to; day++) {
    const date = formatDay(day);
    const aggregate = months.get(date.slice(0, 7))?.get(Number(date.slice(8)));
    if (aggregate === undefined || aggregate.count === 0) {
      rows.push({ day: date, average: null, count: 0, min: null, max: null });
    } else {
      rows.push({
        day: date,
        // One division of two exact integers gives the double nearest the true mean.
        average: aggregate.count >= request.minCount ? aggregate.sum / (aggregate.count * 100) : null,
        count: aggregate.count,
        min: aggregate.min / 100,
        max: aggregate.max / 100
      });
    }
  }
  return { version: request.version, rows };
}

/** Every month of the range from the cache, or undefined when any is missing. */
function cachedMonths(engine: Engine, version: number, group: string, wanted: string[]): Map<string, MonthAggregates> | undefined {
  const months = new Map<string, MonthAggregates>();
  for (const month of wanted) {
    const cached = engine.months.get(MonthCache.key(version, group + month));
    if (cached === undefined) return undefined;
    months.set(month, cached);
  }
  return months;
}

/**
 * One range scan over the pair's month records (the pair's rollup, whatever the locations are),
 * merged at `version`. The iterator's implicit snapshot pins the data; the log index decides which
 * of it belongs to `version`, so the answer is one consistent version from start to end.
 */
async function scanMonths(engine: Engine, request: RatesRequest, group: string, wanted: string[]): Promise<Map<string, MonthAggregates>> {
  const { db, index } = engine;
  const iterator = db.iterator({
    ...pairMonthsRange(request.origin, request.destination, monthOf(request.from), monthOf(request.to)),
    ...VIEW_VALUE,
    highWaterMarkBytes: 1 << 20
  } as Parameters<typeof db.iterator>[0]);
  // A fold raises the horizon before it writes, so a horizon still at or below our version now
  // means the snapshot taken with the iterator holds no group folded past it.
  if (request.version < index.foldedThrough) {
    await iterator.close();
    throw notRetained(request.version, index.foldedThrough);
  }
  const entries = (await iterator.all()) as Array<[string, Uint8Array]>;

  const filter = new VisibilityFilter(index, request.version);
  const months = new Map<string, MonthAggregates>();
  for (const month of wanted) months.set(month, new Map());
  for (const [key, value] of entries) {
    const record = filter.accept(key, value);
    if (record !== undefined) mergeRecord(value, months.get(record.month)!);
  }
  for (const [month, days] of months) engine.months.set(MonthCache.key(request.version, group + month), days);
  return months;
}

/** `YYYY-MM` of every month the range touches. */
function monthsOf(request: RatesRequest): string[] {
  const months: string[] = [];
  for (let day = request.from; day <= request.to; day++) {
    const month = monthOf(day);
    if (months[months.length - 1] !== month) months.push(month);
  }
  return months;
}

export function notRetained(version: number, foldedThrough: number): RatestoreError {
  return new RatestoreError('RATESTORE_VERSION_NOT_RETAINED', `version ${version} is older than the retention horizon (${foldedThrough})`, { field: 'asOf' });
}
