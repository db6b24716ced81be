/**
 * The one error type both clients throw. Its `code` is the server's stable problem code (which is
 * the engine's code where the engine raised it), or one of the client's own codes for failures that
 * never reached a server answer. Every code is stated in `@ratestore/core/contract`.
 *
 * @module
 */
import { httpStatusOf, parameterOf } from '@ratestore/core/contract';
import type { ClientErrorCode, EngineErrorCode, HttpErrorCode, ItemIssueCode } from '@ratestore/core/contract';

/** Codes the engine and the server answer with (the guide's error table; `@ratestore/core/contract` states them). */
export type ServerErrorCode = EngineErrorCode | HttpErrorCode;

// The client's own codes (no answer of the server came: RATESTORE_CONNECTION_FAILED, RATESTORE_TIMEOUT,
// RATESTORE_ABORTED, RATESTORE_UNEXPECTED_RESPONSE; the guide's table says when each is thrown) and
// item codes, as the contract states them.
export type { ClientErrorCode, ItemIssueCode };

/**
 * Every code a {@link RatestoreClientError} may carry. The `string & {}` member keeps codes of newer
 * servers usable while the known ones still autocomplete.
 */
export type RatestoreClientErrorCode = ServerErrorCode | ClientErrorCode | ItemIssueCode | (string & {});

/** One bad item of a rejected batch. */
export interface ItemIssue {
  /** Position of the item in the items given to `uploadBatch` (0-based, across all chunks). */
  index: number;
  /** The chunk that held the item, when the batch went through a staged upload. */
  chunk?: number;
  /** The offending field, or `''` when the item as a whole is wrong. */
  field: string;
  /** What is wrong, as a stable code. */
  code: ItemIssueCode | (string & {});
  /** What is wrong, in words. */
  reason: string;
  /** The item itself, when the client still held it (it holds the chunks in flight). */
  item?: unknown;
}

/** The options of a {@link RatestoreClientError}. */
export interface RatestoreClientErrorOptions {
  /** HTTP status of the answer (for the embedded client: the status the server would answer). */
  status?: number;
  /** The request parameter at fault, as the HTTP API names it (`date_from`). */
  parameter?: string;
  /** The call's argument or option at fault, as the client names it (`dateFrom`). */
  field?: string;
  /** For `RATESTORE_INVALID_BATCH`: the first bad items (capped by the server). */
  issues?: ItemIssue[];
  /** For `RATESTORE_INVALID_BATCH`: how many bad items there were in all. */
  issueCount?: number;
  /** Milliseconds the server asked to wait (`Retry-After`), for 429 and 503. */
  retryAfterMs?: number;
  /** The server's request id, for finding the request in its log. */
  requestId?: string;
  /** How many attempts were made before giving up. */
  attempts?: number;
  /** Whether a later attempt could succeed; default: from the code and status (see {@link RatestoreClientError.retryable}). */
  retryable?: boolean;
  /** The underlying error (a network error, the engine's error...). */
  cause?: unknown;
}

/** The error both clients throw, for server problems and for their own failures alike. */
export class RatestoreClientError extends Error {
  /** A stable code: the server's (see {@link ServerErrorCode}) or the client's own ({@link ClientErrorCode}). */
  readonly code: RatestoreClientErrorCode;
  /** HTTP status; undefined when no answer came (connection failures, timeouts, aborts). */
  readonly status: number | undefined;
  /** The request parameter at fault, as the HTTP API names it (`date_from`, `min_count`, `id`). */
  readonly parameter: string | undefined;
  /** The call's argument or option at fault, as the client names it (`dateFrom`, `minCount`, `batchId`). */
  readonly field: string | undefined;
  /** For a rejected batch: its first bad items (capped), with their positions in the uploaded items. */
  readonly issues: ItemIssue[] | undefined;
  /** For a rejected batch: how many bad items it had in all. */
  readonly issueCount: number | undefined;
  /** Milliseconds the server asked to wait before retrying, when it said so. */
  readonly retryAfterMs: number | undefined;
  /** The server's request id, when it sent one. */
  readonly requestId: string | undefined;
  /** Attempts made (1 when the first answer was final). */
  readonly attempts: number | undefined;
  readonly #retryable: boolean | undefined;

  /**
   * @param code - a stable error code
   * @param message - a human-readable description; it may change between releases
   * @param options - status, parameter, issues and the like
   */
  constructor(code: RatestoreClientErrorCode, message: string, options: RatestoreClientErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RatestoreClientError';
    this.code = code;
    this.status = options.status;
    this.parameter = options.parameter;
    this.field = options.field;
    this.issues = options.issues;
    this.issueCount = options.issueCount;
    this.retryAfterMs = options.retryAfterMs;
    this.requestId = options.requestId;
    this.attempts = options.attempts;
    this.#retryable = options.retryable;
  }

  /**
   * Whether the call may succeed when made again later: no connection (unless the host name does
   * not exist or TLS failed), a timeout, 408, 429, 502, 503, 504. Any other answer, a 4xx above
   * all, would only be given again.
   */
  get retryable(): boolean {
    if (this.#retryable !== undefined) return this.#retryable;
    return this.code === 'RATESTORE_CONNECTION_FAILED' || this.code === 'RATESTORE_TIMEOUT' || (this.status !== undefined && RETRYABLE_STATUS.has(this.status));
  }
}

/** Request timeout, too many requests, and the gateway and overload answers of a server or proxy. */
const RETRYABLE_STATUS = new Set([408, 429, 502, 503, 504]);

/** Type guard: whether `error` is a {@link RatestoreClientError}, optionally with the given code. */
export function isRatestoreClientError(error: unknown, code?: RatestoreClientErrorCode): error is RatestoreClientError {
  return error instanceof RatestoreClientError && (code === undefined || error.code === code);
}

/** @internal */
export function abortedError(signal: AbortSignal): RatestoreClientError {
  return new RatestoreClientError('RATESTORE_ABORTED', 'the call was aborted', { cause: signal.reason });
}

/** @internal Throws `RATESTORE_ABORTED` when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw abortedError(signal);
}

/**
 * @internal A client-side check of an argument or option that failed: the same code as the engine's
 * (`RATESTORE_INVALID_ARGUMENT`), with the field, and its wire name when the value goes on the wire
 * under another name (`batchId` is `batch_id`).
 */
export function invalidArgument(field: string, reason: string): RatestoreClientError {
  const parameter = parameterOf(field);
  return new RatestoreClientError('RATESTORE_INVALID_ARGUMENT', `${field} ${reason}`, { field, ...(parameter === field ? {} : { parameter }) });
}

/**
 * @internal A refusal the server makes itself (a parameter it will not take), made by a client that
 * can tell without asking: the server's code and status, the field and its wire name.
 */
export function serverRefusal(code: HttpErrorCode, message: string, field: string): RatestoreClientError {
  return new RatestoreClientError(code, message, { status: httpStatusOf({ code }), field, parameter: parameterOf(field) });
}
