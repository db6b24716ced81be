/**
 * Errors answered as RFC 9457 `application/problem+json`. Every problem carries a stable `code`
 * (the contract's: the engine's codes, the server's own, item codes; see
 * @ratestore/core/contract) and, when one request parameter is at fault, its name in `parameter`.
 */
import type { NextFunction, Request, Response } from 'express';
import statuses from 'statuses';
import { RatestoreError } from '@ratestore/core';
import {
  PARAMETER_NAMES, codesWith, httpStatusOf, issueMembers, problemType, type HttpErrorCode, type ProblemCode, type ProblemWire
} from '@ratestore/core/contract';
import { inUserWords, type UserNames } from '../user-words.js';
import { LogPrunedError, isLogUnavailable } from '../cluster/errors.js';

export type { ProblemCode };

/** The server's own codes, for HTTP concerns: the contract's codes with a status that the engine does not raise. */
export type ServerErrorCode = HttpErrorCode;
export const SERVER_ERROR_CODES: readonly ServerErrorCode[] = codesWith('status').filter((code) => !codesWith('engine').includes(code)) as ServerErrorCode[];

export interface ProblemOptions {
  parameter?: string;
  /** Seconds, sent as `Retry-After`. */
  retryAfter?: number;
  /** Extra members of the problem document. */
  extra?: Record<string, unknown>;
}

/** An error the HTTP layer answers as a problem document. */
export class HttpProblem extends Error {
  readonly status: number;
  readonly code: ProblemCode;
  readonly parameter: string | undefined;
  readonly retryAfter: number | undefined;
  readonly extra: Record<string, unknown> | undefined;

  constructor(status: number, code: ProblemCode, detail: string, options: ProblemOptions = {}) {
    super(detail);
    this.name = 'HttpProblem';
    this.status = status;
    this.code = code;
    this.parameter = options.parameter;
    this.retryAfter = options.retryAfter;
    this.extra = options.extra;
  }
}

/** Engine argument names and the request parameters a route takes them from, where they differ from the usual wire names. */
export type ParameterNames = UserNames;

/** Turns an engine error into the problem it is answered with. */
export function fromEngineError(error: RatestoreError, parameters: ParameterNames = {}): HttpProblem {
  const names: ParameterNames = { ...PARAMETER_NAMES, ...parameters };
  const parameter = error.field === undefined ? undefined : (names[error.field] ?? error.field);
  // The detail speaks of the parameters the client sent, not of the engine's arguments.
  return new HttpProblem(httpStatusOf(error), error.code, inUserWords(error.message, names), {
    ...(parameter === undefined ? {} : { parameter }),
    ...(error.code === 'RATESTORE_NOT_OPEN' ? { retryAfter: 1 } : {}),
    extra: error.issues === undefined ? {} : issueMembers(error.issues, error.issueCount)
  });
}

/**
 * Runs `work`, answering an engine error with the route's parameter names (or with `answer`'s
 * problem, when it has one for the error); anything else goes on as it is, stack and all, to the
 * shared handler.
 */
export async function engineCall<T>(work: () => T | Promise<T>, parameters?: ParameterNames, answer?: (error: RatestoreError) => HttpProblem | undefined): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof RatestoreError)) throw error;
    throw answer?.(error) ?? fromEngineError(error, parameters);
  }
}

export function toProblem(error: unknown, parameters?: ParameterNames): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error instanceof RatestoreError) return fromEngineError(error, parameters);
  const bodyError = error as { type?: string; status?: number; expose?: boolean; message?: string; limit?: number };
  if (bodyError?.type === 'entity.too.large') {
    return new HttpProblem(413, 'RATESTORE_BODY_TOO_LARGE', `the request body is larger than ${typeof bodyError.limit === 'number' ? `${bodyError.limit} bytes` : 'allowed'}`);
  }
  if (bodyError?.type === 'entity.parse.failed') return new HttpProblem(400, 'RATESTORE_MALFORMED_BODY', `the request body is not valid JSON: ${bodyError.message ?? ''}`);
  if (bodyError?.type === 'encoding.unsupported' || bodyError?.type === 'charset.unsupported') {
    return new HttpProblem(415, 'RATESTORE_UNSUPPORTED_MEDIA_TYPE', bodyError.message ?? 'unsupported encoding');
  }
  if (bodyError?.type === 'request.aborted') return new HttpProblem(400, 'RATESTORE_MALFORMED_BODY', 'the request was aborted');
  if (bodyError?.type === 'request.size.invalid') return new HttpProblem(400, 'RATESTORE_MALFORMED_BODY', 'the body is not as long as its Content-Length');
  // The router decodes path parameters before any route runs: `/v1/ports/%E0` fails there.
  if (error instanceof URIError) return new HttpProblem(400, 'RATESTORE_INVALID_PARAMETER', `a path segment is not valid percent-encoded UTF-8: ${error.message}`);
  // Cluster mode: PostgreSQL is down or failing over. The write may or may not have landed; its
  // batch id makes a retry land it exactly once.
  if (isLogUnavailable(error)) {
    return new HttpProblem(503, 'RATESTORE_LOG_UNAVAILABLE', 'the cluster\'s commit log (PostgreSQL) cannot be reached now: retry with the same batch id (Idempotency-Key), which lands the batch once', { retryAfter: 2 });
  }
  if (error instanceof LogPrunedError) return new HttpProblem(503, 'RATESTORE_LOG_PRUNED', `this node cannot catch up with the cluster: ${error.message}`, { retryAfter: 5 });
  return new HttpProblem(500, 'RATESTORE_INTERNAL', 'internal error');
}

/** Writes a problem document. */
export function sendProblem(res: Response, problem: HttpProblem): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body: ProblemWire & Record<string, unknown> = {
    type: problemType(problem.code),
    title: statuses.message[problem.status] ?? 'Error',
    status: problem.status,
    detail: problem.message,
    code: problem.code
  };
  if (problem.parameter !== undefined) body.parameter = problem.parameter;
  const requestId = res.getHeader('x-request-id');
  if (typeof requestId === 'string') body.request_id = requestId;
  Object.assign(body, problem.extra);
  if (problem.retryAfter !== undefined) res.setHeader('Retry-After', String(Math.max(1, Math.ceil(problem.retryAfter))));
  if (problem.status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="ratestore"');
  res.removeHeader('ETag');
  res.removeHeader('Cache-Control');
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(body));
}

/** The last error handler: everything becomes a problem document; unexpected errors are logged. */
export function problemHandler() {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const problem = toProblem(error);
    if (problem.status >= 500 && problem.code === 'RATESTORE_INTERNAL') req.log?.error({ err: error }, 'request failed');
    sendProblem(res, problem);
  };
}
