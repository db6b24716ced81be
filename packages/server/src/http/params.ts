import type { Request } from 'express';
import { readPercentiles } from '@ratestore/core/contract';
import { HttpProblem } from './problem.js';

/** A query parameter that must be present once. */
export function required(req: Request, name: string): string {
  const value = optional(req, name);
  if (value === undefined || value === '') throw new HttpProblem(400, 'RATESTORE_MISSING_PARAMETER', `the query parameter ${name} is required`, { parameter: name });
  return value;
}

export function optional(req: Request, name: string): string | undefined {
  const value = (req.query as Record<string, unknown>)[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new HttpProblem(400, 'RATESTORE_INVALID_PARAMETER', `the query parameter ${name} must be given once`, { parameter: name });
  return value;
}

/** An optional non-negative integer query parameter, of at most 15 digits (exact as a number). */
export function optionalInteger(req: Request, name: string, min: number): number | undefined {
  const value = optional(req, name);
  if (value === undefined) return undefined;
  if (!/^\d{1,15}$/.test(value) || Number(value) < min) {
    throw new HttpProblem(400, 'RATESTORE_INVALID_PARAMETER', `the query parameter ${name} must be an integer from ${min} to 999999999999999, got ${JSON.stringify(value)}`, { parameter: name });
  }
  return Number(value);
}

/** A query parameter that is `true` or `false` when given. */
export function optionalBoolean(req: Request, name: string): boolean | undefined {
  const value = optional(req, name);
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') {
    throw new HttpProblem(400, 'RATESTORE_INVALID_PARAMETER', `the query parameter ${name} must be true or false, got ${JSON.stringify(value)}`, { parameter: name });
  }
  return value === 'true';
}

/** `percentiles=25,50,75` when given: the list as numbers, read by the rule the clients and the CLI share. */
export function optionalPercentiles(req: Request): number[] | undefined {
  const value = optional(req, 'percentiles');
  if (value === undefined) return undefined;
  const reading = readPercentiles(value);
  if (!reading.ok) throw new HttpProblem(400, 'RATESTORE_INVALID_PARAMETER', `the query parameter percentiles ${reading.reason}`, { parameter: 'percentiles' });
  return reading.values;
}

/** The version a read answers at: `as_of` when given (and not beyond the latest), else the latest. */
export interface ReadVersion {
  asOf: number | undefined;
  /** The version read, which names the answer (its ETag and cache entry). */
  version: number;
  /** An `as_of` read: its answer never changes. */
  pinned: boolean;
}

/**
 * The `as_of` query parameter of a read, against the latest version. An `as_of` beyond it is not
 * pinned: the engine refuses it with RATESTORE_UNKNOWN_VERSION, and nothing is cached under it.
 */
export function readVersion(req: Request, latest: number): ReadVersion {
  const asOf = optionalInteger(req, 'as_of', 0);
  const pinned = asOf !== undefined && asOf <= latest;
  return { asOf, version: pinned ? asOf : latest, pinned };
}

/** The batch id of a write: `Idempotency-Key`, or `batch_id` in the query; they must agree. */
export function batchIdOf(req: Request, fromBody?: unknown): string | undefined {
  const header = req.headers['idempotency-key'];
  const query = optional(req, 'batch_id');
  const ids = [typeof header === 'string' ? header : undefined, query, typeof fromBody === 'string' ? fromBody : undefined].filter((v): v is string => v !== undefined);
  if (fromBody !== undefined && typeof fromBody !== 'string') throw new HttpProblem(400, 'RATESTORE_INVALID_PARAMETER', 'batch_id must be a string', { parameter: 'batch_id' });
  if (new Set(ids).size > 1) throw new HttpProblem(400, 'RATESTORE_INVALID_PARAMETER', 'Idempotency-Key and batch_id name different batches', { parameter: 'batch_id' });
  return ids[0];
}

/**
 * A JSON object body (parsed by express.json) with none but the `members` named: a misspelled or
 * unsupported member is refused (400 RATESTORE_INVALID_PARAMETER naming it) rather than ignored,
 * which would store something else than was meant (`"Currency": "EUR"` stored dollars).
 */
export function objectBody(req: Request, members: readonly string[]): Record<string, unknown> {
  const body = req.body as unknown;
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    const type = req.headers['content-type'];
    if (type === undefined || !/^application\/json\b/i.test(type)) throw new HttpProblem(415, 'RATESTORE_UNSUPPORTED_MEDIA_TYPE', 'send a JSON object with Content-Type: application/json');
    throw new HttpProblem(400, 'RATESTORE_MALFORMED_BODY', 'the body must be a JSON object');
  }
  const unknown = Object.keys(body).find((key) => !members.includes(key));
  if (unknown !== undefined) throw new HttpProblem(400, 'RATESTORE_INVALID_PARAMETER', `unknown member ${JSON.stringify(unknown.slice(0, 64))}: the body has ${members.join(', ')}`, { parameter: unknown.slice(0, 64) });
  return body as Record<string, unknown>;
}
