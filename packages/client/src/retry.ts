/**
 * Retry policy of the remote client: exponential backoff with full jitter, bounded by a count and by
 * the time since the first attempt, honouring `Retry-After`.
 *
 * @module
 */

import { invalidArgument, type RatestoreClientError } from './errors.js';

/** How the remote client retries a request that got no answer, a 408 or 429, or a 502/503/504. */
export interface RetryOptions {
  /** Most retries of one request (not counting the first attempt). Default: unlimited within `maxElapsedMs`. */
  retries?: number;
  /**
   * Retry until this many milliseconds have passed since the first attempt; the last retry is
   * timed to happen at the end of the window. Default 60,000, so a request rides out at least 30 s
   * (in fact about a minute) of a server being down or restarting.
   */
  maxElapsedMs?: number;
  /** Base of the exponential backoff: the n-th retry waits a random time up to `minDelayMs * 2^n`. Default 250. */
  minDelayMs?: number;
  /** Cap of one backoff delay. Default 5,000. */
  maxDelayMs?: number;
}

/** What the remote client's `onRetry` option is told before each retry. */
export interface RetryEvent {
  /** The request's method, `GET`, `POST`... */
  method: string;
  /** The request's URL, query included. */
  url: string;
  /** The attempt that failed: 1 for the first. */
  attempt: number;
  /** Why it failed (a connection failure, a timeout, or the server's 408, 429, 502, 503 or 504). */
  error: RatestoreClientError;
  /** How long the client waits before the next attempt, in milliseconds. */
  delayMs: number;
  /** Milliseconds since the first attempt. */
  elapsedMs: number;
}

/** @internal The policy with every default filled in. */
export type RetryPolicy = Required<RetryOptions>;

/** The default policy: unlimited retries within 60 s, backoff from 250 ms up to 5 s, full jitter. */
export const DEFAULT_RETRY: Readonly<Required<RetryOptions>> = Object.freeze({ retries: Infinity, maxElapsedMs: 60_000, minDelayMs: 250, maxDelayMs: 5_000 });

/** @internal `retries: false` or `0` turns retrying off; a number limits the count; an object sets the policy. */
export function retryPolicy(option: number | false | RetryOptions | undefined): RetryPolicy {
  if (option === undefined) return { ...DEFAULT_RETRY };
  if (option === false) return { ...DEFAULT_RETRY, retries: 0 };
  if (typeof option === 'number') {
    if (!(option >= 0)) throw invalidArgument('retries', `must be a number of at least 0, got ${option}`);
    return { ...DEFAULT_RETRY, retries: option };
  }
  if (option === null || typeof option !== 'object') throw invalidArgument('retries', `must be false, a number or an object, got ${String(option)}`);
  const policy = { ...DEFAULT_RETRY, ...Object.fromEntries(Object.entries(option).filter(([, v]) => v !== undefined)) } as RetryPolicy;
  for (const [name, value] of Object.entries(policy)) {
    if (typeof value !== 'number' || !(value >= 0)) throw invalidArgument(`retries.${name}`, `must be a number of at least 0, got ${String(value)}`);
  }
  return policy;
}

/**
 * @internal The delay before retry number `retry` (0-based): full jitter over the exponential
 * ceiling; with `Retry-After`, at least that long (plus a little jitter so clients spread out).
 */
export function backoffDelay(policy: RetryPolicy, retry: number, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.minDelayMs * 2 ** Math.min(retry, 30));
  const jittered = random() * ceiling;
  if (retryAfterMs === undefined) return jittered;
  return retryAfterMs + random() * Math.min(policy.minDelayMs, ceiling);
}

/** @internal `Retry-After` as milliseconds: delta-seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** @internal Waits `ms`, or rejects with the signal's reason when it fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted === true) {
      reject(signal.reason);
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
