import { RatestoreError } from '../errors.js';
import { BATCH_ID_RULE, isBatchId } from '../contract/batch-id.js';
import { DAY_RULE } from '../contract/dates.js';
import { parseDay } from './dates.js';
import { yieldToEventLoop } from '../util/yield.js';

export function invalid(field: string, reason: string): RatestoreError {
  return new RatestoreError('RATESTORE_INVALID_ARGUMENT', `${field} ${reason}`, { field });
}

export function checkBatchId(batchId: unknown, field = 'batchId'): string {
  if (!isBatchId(batchId)) throw invalid(field, `must be ${BATCH_ID_RULE}`);
  return batchId;
}

export function checkDay(value: unknown, field: string): number {
  const day = parseDay(value);
  if (day === undefined) {
    throw new RatestoreError('RATESTORE_INVALID_DATE', `${field} must be ${DAY_RULE}, got ${JSON.stringify(value) ?? 'nothing'}`, { field });
  }
  return day;
}

export function checkInteger(value: unknown, field: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw invalid(field, `must be an integer from ${min}${max === Number.MAX_SAFE_INTEGER ? '' : ` to ${max}`}, got ${JSON.stringify(value) ?? 'nothing'}`);
  }
  return value;
}

/** Most percentiles one rates query may ask for. */
export const MAX_PERCENTILES = 9;

/** A rates query's `percentiles`: 1 to MAX_PERCENTILES distinct finite numbers, each above 0 and below 100; a copy. */
export function checkPercentiles(value: unknown): number[] {
  const rule = `must be a list of 1 to ${MAX_PERCENTILES} distinct numbers, each above 0 and below 100`;
  if (!Array.isArray(value) || value.length < 1 || value.length > MAX_PERCENTILES) throw invalid('percentiles', `${rule}, got ${describe(value)}`);
  for (const q of value as unknown[]) {
    if (typeof q !== 'number' || !Number.isFinite(q) || q <= 0 || q >= 100) throw invalid('percentiles', `${rule}; ${describe(q)} is not`);
  }
  if (new Set(value).size !== value.length) throw invalid('percentiles', `${rule}; ${describe(value)} repeats one`);
  return [...(value as number[])];
}

function describe(value: unknown): string {
  return JSON.stringify(value) ?? 'nothing';
}

export function checkObject(value: unknown, field: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object') throw invalid(field, 'must be an object');
  return value as Record<string, unknown>;
}

/** Iterates arrays and sync iterables without a microtask per item, async iterables as they come. */
export async function* itemsOf(items: unknown, field = 'items'): AsyncGenerator<unknown[]> {
  const SLICE = 4096;
  if (Array.isArray(items)) {
    for (let at = 0; at < items.length; at += SLICE) {
      if (at > 0) await yieldToEventLoop();
      yield items.slice(at, at + SLICE);
    }
  } else if (items !== null && typeof items === 'object' && Symbol.iterator in items) {
    let slice: unknown[] = [];
    for (const item of items as Iterable<unknown>) {
      slice.push(item);
      if (slice.length === SLICE) {
        yield slice;
        slice = [];
        // Microtasks alone would let a large array run to the end without any I/O in between.
        await yieldToEventLoop();
      }
    }
    if (slice.length > 0) yield slice;
  } else if (items !== null && typeof items === 'object' && Symbol.asyncIterator in items) {
    let slice: unknown[] = [];
    for await (const item of items as AsyncIterable<unknown>) {
      slice.push(item);
      if (slice.length === SLICE) {
        yield slice;
        slice = [];
      }
    }
    if (slice.length > 0) yield slice;
  } else {
    throw invalid(field, 'must be an array, an iterable or an async iterable of items');
  }
}
