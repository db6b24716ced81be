import { setImmediate } from 'node:timers/promises';

/**
 * Lets timers and I/O run. Long synchronous stretches of a commit (aggregating a million prices)
 * call this every few thousand steps, so that queries are never stuck behind an upload.
 */
export function yieldToEventLoop(): Promise<void> {
  return setImmediate();
}

/** Steps between yields: small enough to keep stalls to a few milliseconds. */
export const YIELD_EVERY = 16_384;
