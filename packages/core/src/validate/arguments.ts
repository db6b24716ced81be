import { RatestoreError } from '../errors.js';
import { BATCH_ID_RULE, isBatchId } from '../contract/batch-id.js';
import { DAY_RULE } from '../contract/dates.js';
import { checkPercentiles as readPercentileList } from '../contract/percentiles.js';
import { parseDay } from './dates.js';
import { yieldToEventLoop } from '../util/yield.js';
import { slicesOf } from './item-slices.js';

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

export function checkString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') throw invalid(field, `must be a non-empty string, got ${JSON.stringify(value) ?? 'nothing'}`);
  return value;
}

export function checkBoolean(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw invalid(field, `must be true or false, got ${JSON.stringify(value) ?? 'nothing'}`);
  return value;
}

/** A rates query's `percentiles`, by the contract's rule; a copy. */
export function checkPercentiles(value: unknown): number[] {
  const reading = readPercentileList(value);
  if (!reading.ok) throw invalid('percentiles', reading.reason);
  return [...reading.values];
}

export function checkObject(value: unknown, field: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object') throw invalid(field, 'must be an object');
  return value as Record<string, unknown>;
}

/** Items handed over per slice: a microtask per slice, not per item, and I/O let in between slices. */
const SLICE = 4096;

/** An array as slices of at most SLICE items (itself when it is no longer), yielding to the event loop between them. */
async function* cut(items: readonly unknown[]): AsyncGenerator<unknown[]> {
  if (items.length <= SLICE) {
    if (items.length > 0) yield items as unknown[];
    return;
  }
  for (let at = 0; at < items.length; at += SLICE) {
    if (at > 0) await yieldToEventLoop();
    yield items.slice(at, at + SLICE);
  }
}

/**
 * Iterates arrays and sync iterables without a microtask per item, the slices of `itemSlices` as
 * they come, and other async iterables item by item.
 */
export async function* itemsOf(items: unknown, field = 'items'): AsyncGenerator<unknown[]> {
  const slices = slicesOf(items);
  if (slices !== undefined) {
    for await (const slice of slices) {
      if (!Array.isArray(slice)) throw invalid(field, 'must yield arrays of items (itemSlices)');
      yield* cut(slice);
    }
  } else if (Array.isArray(items)) {
    yield* cut(items);
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
