/**
 * Batch ids: the idempotency key of every write, in the engine's API, in URLs and headers of the
 * HTTP API, and in both clients, which refuse a malformed one before sending it.
 */

/** 1-128 characters of `A-Z a-z 0-9 . _ : -`: safe in a URL path segment, a header and a LevelDB key. */
export const BATCH_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** The rule in words, for messages (`batchId must be 1-128 characters of ...`). */
export const BATCH_ID_RULE = '1-128 characters of A-Z a-z 0-9 . _ : -';

export function isBatchId(value: unknown): value is string {
  return typeof value === 'string' && BATCH_ID_PATTERN.test(value);
}
