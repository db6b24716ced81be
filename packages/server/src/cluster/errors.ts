import type { ErrorCode } from '@ratestore/core/contract';

/**
 * Whether an error means PostgreSQL cannot be reached or went away: the log is unavailable for now,
 * and a retry may succeed (answered 503 RATESTORE_LOG_UNAVAILABLE with Retry-After). Class 08 is
 * connection exceptions; 57P01-57P03 are shutdowns and "cannot connect now" (a starting or failing
 * over server); the rest are the driver's and the socket's own ways of saying the same.
 */
export function isLogUnavailable(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') {
    if (code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code)) return true;
    if (['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) return true;
  }
  return typeof message === 'string' && /Connection terminated|connection timeout|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(message);
}

/** A connection string with its password replaced, fit for logs and error messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/:\/\/([^:/@]+):[^@]*@/, '://$1:***@');
  }
}

/**
 * A node is behind the data the log still holds: batches up to `prunedThrough` were pruned after a
 * snapshot. It cannot catch up from the log; started on an empty data directory, it restores the
 * snapshot instead.
 */
export class LogPrunedError extends Error {
  readonly code: ErrorCode = 'RATESTORE_LOG_PRUNED';

  constructor(version: number, prunedThrough: number) {
    super(`this node is at version ${version}, but the log's data through version ${prunedThrough} was pruned after a snapshot: start it on an empty data directory to restore the newest snapshot`);
    this.name = 'LogPrunedError';
  }
}
