import { invalidArgument, serverRefusal } from './errors.js';
import { checkPercentiles } from '@ratestore/core/contract';
import type { DetailedRatesQuery, RequestOptions } from './types.js';

/** The `minVersion` a read asks for, checked: an integer of at least 0, or undefined. */
export function minVersionOf(options: RequestOptions | undefined): number | undefined {
  const asked = options?.minVersion;
  if (asked === undefined) return undefined;
  if (typeof asked !== 'number' || !Number.isSafeInteger(asked) || asked < 0) {
    throw invalidArgument('minVersion', `must be an integer of at least 0, got ${JSON.stringify(asked)}`);
  }
  return asked;
}

/**
 * The `percentiles` a detailed rates query asks for, checked by the rule the server reads
 * `percentiles=` with, and refused as it refuses them (400 `RATESTORE_INVALID_PARAMETER`), so that
 * both clients fail alike without asking; undefined when not asked for.
 */
export function percentilesOf(query: DetailedRatesQuery): number[] | undefined {
  if (query.percentiles === undefined) return undefined;
  const reading = checkPercentiles(query.percentiles);
  if (!reading.ok) throw serverRefusal('RATESTORE_INVALID_PARAMETER', `the query parameter percentiles ${reading.reason}`, 'percentiles');
  return reading.values;
}
