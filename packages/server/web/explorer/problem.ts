import { isRatestoreClientError } from './vendor/client/index.js';

/** What the page shows of a refused request: the server's stable code and its words. */
export interface Problem {
  code: string;
  /** The problem document's detail (the client adds the request and status in parentheses). */
  detail: string;
  /** HTTP status; 0 when no answer came. */
  status: number;
}

/**
 * A failure of a client call as a Problem: a RatestoreClientError carries the server's problem
 * (code, detail), the client's own code (RATESTORE_CONNECTION_FAILED, RATESTORE_TIMEOUT...), or
 * RATESTORE_INVALID_ARGUMENT for an option the client refused (a key it cannot send).
 */
export function problemOf(error: unknown): Problem {
  if (isRatestoreClientError(error)) return { code: error.code, detail: error.message, status: error.status ?? 0 };
  throw error;
}
