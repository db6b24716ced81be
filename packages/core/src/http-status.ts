import type { RatestoreError, RatestoreErrorCode } from './errors.js';

const STATUS: Readonly<Record<RatestoreErrorCode, number>> = {
  RATESTORE_INVALID_ARGUMENT: 400,
  RATESTORE_INVALID_DATE: 400,
  RATESTORE_DATE_RANGE_REVERSED: 400,
  RATESTORE_RANGE_TOO_LONG: 400,
  RATESTORE_UNKNOWN_LOCATION: 400,
  RATESTORE_UNKNOWN_VERSION: 400,
  RATESTORE_VERSION_NOT_RETAINED: 409,
  RATESTORE_INVALID_BATCH: 422,
  RATESTORE_EMPTY_BATCH: 422,
  RATESTORE_UNKNOWN_BATCH: 404,
  RATESTORE_BATCH_COMMITTED: 409,
  RATESTORE_VERSION_CONFLICT: 409,
  RATESTORE_LOG_MISMATCH: 409,
  RATESTORE_NOT_OPEN: 503
};

/**
 * The HTTP status an error is answered with by the reference server. It lives here so that the
 * server and the embedded client (which answers as the server would) share one table.
 */
export function httpStatusOf(error: Pick<RatestoreError, 'code' | 'field'>): number {
  // Reading at a version that was folded away is a bad `asOf`, not a conflict.
  if (error.code === 'RATESTORE_VERSION_NOT_RETAINED' && error.field === 'asOf') return 400;
  return STATUS[error.code] ?? 400;
}
