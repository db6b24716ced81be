import type { RequestHandler } from 'express';
import type { RatestoreReader } from '@ratestore/core';
import { optionalInteger } from './params.js';
import { HttpProblem } from './problem.js';

/**
 * `min_version=N` on a read: the answer waits until this node has applied version N (a client reading
 * its own write through another node of a cluster), up to `waitMs`; then 503
 * RATESTORE_NOT_CAUGHT_UP with Retry-After, and the client may retry here or elsewhere.
 */
export function minVersion(store: RatestoreReader, waitMs: number): RequestHandler {
  return async (req, _res, next) => {
    const wanted = optionalInteger(req, 'min_version', 0);
    if (wanted !== undefined && !(await store.waitForVersion(wanted, { timeoutMs: waitMs }))) {
      throw new HttpProblem(503, 'RATESTORE_NOT_CAUGHT_UP', `this node has applied version ${store.version}, not yet ${wanted}: retry, here or through another node`, { parameter: 'min_version', retryAfter: 1 });
    }
    next();
  };
}
