import type { Engine } from '../engine.js';
import { RatestoreError } from '../errors.js';
import { VIEW_VALUE } from '../db.js';
import { groupPrefix } from '../encoding/keys.js';
import type { MonthAggregates } from '../encoding/record-codec.js';
import { formatDay, monthOf } from '../validate/dates.js';
import type { RateRow, RatesResult } from '../types.js';
import { MonthCache } from './month-cache.js';
import { readGroups } from './read-groups.js';
import { dayPercentiles } from './day-percentiles.js';

/** A pair's heads hold a few records a month: one round trip reads the whole range. */
const READ_ALL = 1000;

export interface RatesRequest {
  from: number;
  to: number;
  origin: string;
  destination: string;
  minCount: number;
  version: number;
  widen: boolean;
  /** Percentiles to answer per day (each in (0, 100), no duplicates), or undefined for none. */
  percentiles?: readonly number[];
}

/** One row per day of the range, from the pair's month aggregates at `version` (cached or scanned). */
export async function readRates(engine: Engine, request: RatesRequest): Promise<RatesResult> {
  const wanted = monthsOf(request);
  const group = groupPrefix(request.origin, request.destination);
  const sketches = request.percentiles !== undefined;
  const months = cachedMonths(engine, request.version, group, wanted, sketches) ?? (await scanMonths(engine, request, group, wanted));
  const percentiles = request.percentiles === undefined ? undefined : dayPercentiles(request.percentiles, request.minCount);
  const rows: RateRow[] = [];
  for (let day = request.from; day <= request.to; day++) {
    const date = formatDay(day);
    const aggregate = months.get(date.slice(0, 7))?.get(Number(date.slice(8)));
    let row: RateRow;
    if (aggregate === undefined || aggregate.count === 0) {
      row = { day: date, average: null, count: 0, min: null, max: null };
    } else {
      row = {
        day: date,
        // One division of two exact integers gives the double nearest the true mean.
        average: aggregate.count >= request.minCount ? aggregate.sum / (aggregate.count * 100) : null,
        count: aggregate.count,
        min: aggregate.min / 100,
        max: aggregate.max / 100
      };
    }
    if (percentiles !== undefined) row.percentiles = percentiles.of(aggregate);
    rows.push(row);
  }
  return { version: request.version, rows };
}

/** Every month of the range from the cache, or undefined when any is missing. */
function cachedMonths(engine: Engine, version: number, group: string, wanted: string[], sketches: boolean): Map<string, MonthAggregates> | undefined {
  const months = new Map<string, MonthAggregates>();
  for (const month of wanted) {
    const cached = engine.months.get(MonthCache.key(version, group + month, sketches));
    if (cached === undefined) return undefined;
    months.set(month, cached);
  }
  return months;
}

/**
 * One range scan over the pair's month heads (the pair's rollup, whatever the locations are), and,
 * for months whose checkpoint does not hold at `version`, their history (see readGroups). The
 * snapshot pins the data; the log index decides which of it belongs to `version`, so the answer is
 * one consistent version from start to end. A month at the latest version that took more records
 * than a checkpoint would leave is handed to the checkpoint planner.
 */
async function scanMonths(engine: Engine, request: RatesRequest, group: string, wanted: string[]): Promise<Map<string, MonthAggregates>> {
  const { db, index, checkpoints } = engine;
  const { version } = request;
  const groups = wanted.map((month) => group + month);
  const snapshot = db.supports.explicitSnapshots ? db.snapshot() : undefined;
  const heads = db.iterator({
    gte: groups[0]! + '\0',
    lt: groups[groups.length - 1]! + '\x01',
    ...VIEW_VALUE,
    highWaterMarkBytes: 1 << 20,
    ...(snapshot === undefined ? {} : { snapshot })
  } as Parameters<typeof db.iterator>[0]);
  try {
    // A fold raises the horizon before it writes, so a horizon still at or below our version now
    // means the snapshot taken with the iterator holds no group folded past it.
    if (version < index.foldedThrough) throw notRetained(version, index.foldedThrough);
    const reads = await readGroups(engine, {
      groups,
      version,
      heads: heads as Parameters<typeof readGroups>[1]['heads'],
      contiguous: true,
      firstRead: READ_ALL,
      sketches: request.percentiles !== undefined,
      ...(snapshot === undefined ? {} : { snapshot })
    });
    const months = new Map<string, MonthAggregates>();
    for (const [at, month] of wanted.entries()) {
      const { days, records } = reads[at]!;
      months.set(month, days);
      engine.months.set(MonthCache.key(version, groups[at]!, request.percentiles !== undefined), days);
      if (version === index.head) checkpoints.read(groups[at]!, records);
    }
    return months;
  } finally {
    await heads.close();
    await snapshot?.close();
  }
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

/** A revert of a batch committed before the retention horizon: its history is folded away. */
export function revertNotRetained(batchId: string, version: number, foldedThrough: number): RatestoreError {
  return new RatestoreError('RATESTORE_VERSION_NOT_RETAINED', `batch ${batchId} was committed at version ${version}, at or before the retention horizon (version ${foldedThrough}): it can no longer be reverted`, { field: 'batchId' });
}
