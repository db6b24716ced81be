/**
 * The one error type both clients throw. Its `code` is the server's stable problem code (which is
 * the engine's code where the engine raised it), or one of the client's own codes for failures that
 * never reached a server answer.
 *
 * @module
 */

/** Codes the engine and the server answer with (see the guide's error table). */
export type ServerErrorCode =
  | 'RATESTORE_INVALID_ARGUMENT'
  | 'RATESTORE_INVALID_DATE'
  | 'RATESTORE_DATE_RANGE_REVERSED'
  | 'RATESTORE_RANGE_TOO_LONG'
  | 'RATESTORE_UNKNOWN_LOCATION'
  | 'RATESTORE_INVALID_BATCH'
  | 'RATESTORE_EMPTY_BATCH'
  | 'RATESTORE_UNKNOWN_BATCH'
  | 'RATESTORE_BATCH_COMMITTED'
  | 'RATESTORE_UNKNOWN_VERSION'
  | 'RATESTORE_VERSION_NOT_RETAINED'
  | 'RATESTORE_VERSION_CONFLICT'
  | 'RATESTORE_NOT_OPEN'
  | 'RATESTORE_MISSING_PARAMETER'
  | 'RATESTORE_INVALID_PARAMETER'
  | 'RATESTORE_UNKNOWN_CURRENCY'
  | 'RATESTORE_CURRENCY_UNAVAILABLE'
  | 'RATESTORE_MALFORMED_BODY'
  | 'RATESTORE_UNSUPPORTED_MEDIA_TYPE'
  | 'RATESTORE_BODY_TOO_LARGE'
  | 'RATESTORE_TOO_MANY_ITEMS'
  | 'RATESTORE_NOT_FOUND'
  | 'RATESTORE_UNAUTHORIZED'
  | 'RATESTORE_FORBIDDEN'
  | 'RATESTORE_RATE_LIMITED'
  | 'RATESTORE_OVERLOADED'
  | 'RATESTORE_INTERNAL';

/**
 * Codes of the client's own failures:
 * - `RATESTORE_CONNECTION_FAILED`: no answer (refused, reset, DNS...) and the retries are spent,
 *   or at once when no retry can help (the host name does not exist, TLS failed);
 * - `RATESTORE_TIMEOUT`: an attempt took longer than `timeoutMs` and the retries are spent;
 * - `RATESTORE_ABORTED`: the caller's AbortSignal fired;
 * - `RATESTORE_UNEXPECTED_RESPONSE`: an answer that is not the server's JSON (e.g. a proxy's error page).
 */
export type ClientErrorCode = 'RATESTORE_CONNECTION_FAILED' | 'RATESTORE_TIMEOUT' | 'RATESTORE_ABORTED' | 'RATESTORE_UNEXPECTED_RESPONSE';

/** Codes of the problems found in one item of a rejected batch. */
export type ItemIssueCode =
  | 'RATESTORE_INVALID_ITEM'
  | 'RATESTORE_INVALID_FIELD'
  | 'RATESTORE_INVALID_DATE'
  | 'RATESTORE_INVALID_PRICE'
  | 'RATESTORE_UNKNOWN_PORT'
  | 'RATESTORE_UNKNOWN_REGION'
  | 'RATESTORE_DUPLICATE_CODE'
  | 'RATESTORE_REGION_CYCLE';

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

// ---- internal: names of parameters on the wire and in the client ------------------------------

const WIRE_TO_FIELD: Record<string, string> = {
  date_from: 'dateFrom',
  date_to: 'dateTo',
  min_count: 'minCount',
  as_of: 'asOf',
  batch_id: 'batchId',
  id: 'batchId'
};

const FIELD_TO_WIRE: Record<string, string> = {
  dateFrom: 'date_from',
  dateTo: 'date_to',
  minCount: 'min_count',
  asOf: 'as_of',
  batchId: 'batch_id'
};

/** @internal The client's name of a wire parameter. */
export function fieldOf(parameter: string | undefined): string | undefined {
  return parameter === undefined ? undefined : (WIRE_TO_FIELD[parameter] ?? parameter);
}

/** @internal The wire name of a client field. */
export function parameterOf(field: string | undefined): string | undefined {
  return field === undefined ? undefined : (FIELD_TO_WIRE[field] ?? field);
}

/** @internal */
export function abortedError(signal: AbortSignal): RatestoreClientError {
  return new RatestoreClientError('RATESTORE_ABORTED', 'the call was aborted', { cause: signal.reason });
}

/** @internal Throws `RATESTORE_ABORTED` when the signal has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true) throw abortedError(signal);
}

/** @internal A client-side argument check failure, with the same code the engine uses. */
export function invalidArgument(field: string, reason: string): RatestoreClientError {
  return new RatestoreClientError('RATESTORE_INVALID_ARGUMENT', `${field} ${reason}`, { field, ...(parameterOf(field) === undefined ? {} : { parameter: parameterOf(field)! }) });
}
