/**
 * Every stable error code of Ratestore, stated once: who raises it, the HTTP status it is answered
 * with, and what it means. The TypeScript unions of codes are derived from this table; the error
 * tables of the README (the engine's errors, the item codes) and of docs/guide.md (HTTP answers,
 * the client's and the command line's own codes) are rendered from it, and a test holds them to it
 * (packages/core/test/contract-docs.test.ts).
 *
 * The meanings are written as the tables show them (Markdown). Messages of errors may change
 * between releases; codes do not.
 */

/** One code of the table: what it is to each part that raises or answers it. */
export interface CodeEntry {
  /** The HTTP status the server answers an error with this code with (the engine's and the server's codes). */
  readonly status?: number;
  /** The engine raises it (a `RatestoreError`): when, for the README's table. */
  readonly engine?: string;
  /** A problem of one item of a rejected batch (an issue's `code`): what is wrong with the item. */
  readonly item?: string;
  /**
   * The server answers it: when, for the guide's table. A code answered with more than one status
   * has a text per status.
   */
  readonly http?: string | { readonly [status: number]: string };
  /** A failure of the client itself, without an answer of the server: when. */
  readonly client?: string;
  /** The command line's own (or a start-up failure of `serve`/`dev`): when. */
  readonly cli?: string;
}

/**
 * The table, in the order of the documentation's tables (each lists the codes it has in this order;
 * the guide's HTTP table sorts them by status): about the order in which a request meets them.
 */
export const ERROR_CODES = {
  RATESTORE_MISSING_PARAMETER: { status: 400, http: 'a required query parameter or body member is missing' },
  RATESTORE_INVALID_PARAMETER: {
    status: 400,
    http: 'a parameter is malformed (`min_count`, `widen`, `percentiles`, `as_of`, `min_version`, chunk number, a parameter given twice, conflicting batch ids, a path segment that is not valid percent-encoded UTF-8 such as `/v1/ports/%E0`), or a JSON body has a member it does not take (`"Currency"`; `parameter` names it)'
  },
  RATESTORE_INVALID_ARGUMENT: {
    status: 400,
    engine: 'an argument or option has the wrong type or range (`field` names it); also `write()` with the id of a batch that is staged',
    http: 'a value the engine refuses, e.g. a malformed batch id, port code or slug',
    cli: '`dev --cluster N` with an N that is not a whole number from 1 to 16'
  },
  RATESTORE_INVALID_ITEM: { item: 'is not an object' },
  RATESTORE_INVALID_FIELD: { item: 'has a field of the wrong form (`field` names it)' },
  RATESTORE_INVALID_DATE: {
    status: 400,
    engine: '`dateFrom` or `dateTo` is not a real calendar date `YYYY-MM-DD` (e.g. `2016-02-30`, `2016-1-1`, `yesterday`)',
    item: 'has a `day` that is not a calendar date',
    http: 'not a real calendar date `YYYY-MM-DD` (`2016-02-30`, `2016-1-1`, `yesterday`)'
  },
  RATESTORE_INVALID_PRICE: {
    item: 'has a price that is not money: below 0.01, more than 2 decimals (beyond float noise), above the maximum, or not a number',
    http: { 400: '`POST /rates` with a `price` that is not money (see Prices), before or after conversion to USD' }
  },
  RATESTORE_DATE_RANGE_REVERSED: {
    status: 400,
    engine: '`dateFrom` is after `dateTo`',
    http: '`date_from` is after `date_to`'
  },
  RATESTORE_RANGE_TOO_LONG: {
    status: 400,
    engine: 'the range spans more than `maxRangeDays` days',
    http: 'the range is longer than `maxRangeDays` (366) or, for `POST /rates`, `limits.postRangeDays`'
  },
  RATESTORE_UNKNOWN_LOCATION: {
    status: 400,
    engine: '`origin` or `destination` is neither a port nor a region (at the version read)',
    http: 'origin or destination is neither a port code nor a region slug'
  },
  RATESTORE_UNKNOWN_PORT: { item: 'names a port that neither the store nor the batch has' },
  RATESTORE_UNKNOWN_REGION: { item: 'names a region that neither the store nor the batch has' },
  RATESTORE_DUPLICATE_CODE: { item: 'repeats a port code or region slug already in the batch' },
  RATESTORE_REGION_CYCLE: { item: 'would make a region its own ancestor' },
  RATESTORE_REGION_TOO_DEEP: { item: 'would put a region (itself or one beneath it) more than 64 levels deep, a root being level 1' },
  RATESTORE_UNKNOWN_CURRENCY: { status: 400, http: '`POST /rates` with a currency the rate source does not know' },
  RATESTORE_MALFORMED_BODY: { status: 400, http: 'the body is not valid JSON / NDJSON / CSV, not UTF-8, or not the expected shape' },
  RATESTORE_MALFORMED_REQUEST: { status: 400, http: 'Node\'s HTTP parser refused the request (a malformed request line or header); the connection is closed' },
  RATESTORE_INVALID_BATCH: {
    status: 422,
    engine: 'a batch or chunk has bad items: `issues` lists their problems, one entry each (capped at `maxIssues`, and at `maxIssuesPerItem` per item), `issueCount` counts every problem; nothing was written',
    http: 'a batch or chunk with invalid items: nothing was written; see `issues`'
  },
  RATESTORE_EMPTY_BATCH: {
    status: 422,
    engine: '`write()`, `applyCommitted()` or `commit()` of a batch without a single item: nothing was written (HTTP 422)',
    http: 'a batch without a single item (`POST /v1/batches`, an upload\'s commit): nothing was written'
  },
  RATESTORE_UNKNOWN_BATCH: {
    status: 404,
    engine: 'no such batch: never committed (revert), or never begun or aborted (addChunk, commit)',
    http: {
      404: 'unknown batch or upload',
      409: 'an upload that a `DELETE` aborted while `POST /v1/uploads` was creating it'
    }
  },
  RATESTORE_BATCH_COMMITTED: {
    status: 409,
    engine: 'adding to or aborting a batch that is already committed',
    http: 'adding a chunk to, or aborting, a committed upload'
  },
  RATESTORE_UNKNOWN_VERSION: {
    status: 400,
    engine: '`asOf` is beyond the latest version',
    http: '`as_of` is beyond the latest version'
  },
  RATESTORE_VERSION_NOT_RETAINED: {
    // 400 when the version read (`asOf`) was folded away: see httpStatusOf.
    status: 409,
    engine: '`asOf` is older than the retention horizon, or the batch to revert was committed before it',
    http: {
      400: '`as_of` is older than the retained history (folded away)',
      409: 'reverting a batch older than the retained history; a replayed `POST /rates` whose history was folded'
    }
  },
  RATESTORE_VERSION_CONFLICT: {
    status: 409,
    engine: '`applyCommitted`/`applyRevert` with a version other than the next one'
  },
  RATESTORE_NOT_OPEN: {
    status: 503,
    engine: 'the store is not open',
    http: 'the store is not open (starting or closed)'
  },
  RATESTORE_UNAUTHORIZED: { status: 401, http: 'no API key where one is needed, or an unknown key' },
  RATESTORE_FORBIDDEN: { status: 403, http: 'the key lacks the needed scope' },
  RATESTORE_CROSS_ORIGIN: { status: 403, http: 'a write (POST, PUT, DELETE) whose `Origin` is neither the server\'s own nor in `cors.origins`: a page of another site; nothing is read or written' },
  RATESTORE_HOST_NOT_ALLOWED: { status: 403, http: 'a server without API keys was asked for a host name that is neither a loopback name nor in `allowedHosts` (a page of another site reaching it through DNS rebinding); nothing is read or written' },
  RATESTORE_NOT_FOUND: { status: 404, http: 'unknown port, region or route' },
  RATESTORE_REQUEST_TIMEOUT: { status: 408, http: 'the request did not arrive within Node\'s request timeout; the connection is closed' },
  RATESTORE_IDEMPOTENCY_MISMATCH: {
    status: 409,
    http: 'an idempotency key (`Idempotency-Key`, `batch_id`, an upload id) that names a batch committed by another request; see [Idempotency keys](#idempotency-keys)'
  },
  RATESTORE_BODY_TOO_LARGE: { status: 413, http: 'the body is over `limits.batchBodyBytes` or `limits.jsonBodyBytes`' },
  RATESTORE_ITEM_TOO_LARGE: { status: 413, http: 'one item of a batch body is longer than `limits.itemChars` (`line` names it)' },
  RATESTORE_TOO_MANY_ITEMS: {
    status: 413,
    engine: '`commit(batchId, { maxItems })` of a staged batch that holds more items (counted under the commit\'s lock, after the chunks still being added)',
    http: 'more items than `limits.batchItems` in one body, or in a staged upload at commit'
  },
  RATESTORE_UNSUPPORTED_MEDIA_TYPE: { status: 415, http: 'a batch body that is not JSON, NDJSON or CSV; any body with a `Content-Encoding` (compressed), or whose `Content-Type` declares a `charset` other than `utf-8` (or `us-ascii`)' },
  RATESTORE_RATE_LIMITED: { status: 429, http: 'the key\'s rate limit is exhausted; see `Retry-After`' },
  RATESTORE_HEADERS_TOO_LARGE: {
    status: 431,
    http: 'the request line and headers (a long URL) are over Node\'s limit (`--max-http-header-size`, 16 KiB by default); the connection is closed'
  },
  RATESTORE_INTERNAL: { status: 500, http: 'a bug; the log has the details under the request id' },
  RATESTORE_CURRENCY_UNAVAILABLE: { status: 502, http: 'the exchange-rate endpoint failed and nothing is cached' },
  RATESTORE_OVERLOADED: { status: 503, http: 'the upload queue is full; see `Retry-After`' },
  RATESTORE_NOT_CAUGHT_UP: {
    status: 503,
    http: 'a read with `min_version` that this node has not applied within `cluster.waitMs`; see `Retry-After` (retry here or through another node)'
  },
  RATESTORE_CONNECTION_FAILED: {
    client: 'no answer (refused, reset, DNS, ...) and the retries are spent, or at once when no retry can help (a host name that does not resolve, TLS failed)'
  },
  RATESTORE_TIMEOUT: { client: 'an attempt took longer than `timeoutMs` and the retries are spent' },
  RATESTORE_ABORTED: { client: 'the call\'s `signal` fired' },
  RATESTORE_UNEXPECTED_RESPONSE: { client: 'an answer that is not the server\'s JSON (a proxy\'s error page, say)' },
  RATESTORE_USAGE: { cli: 'bad command line' },
  RATESTORE_DATA_NOT_FOUND: { cli: '`rates`/`batches`/`compact` on a directory without a store (they never create one)' },
  RATESTORE_DATA_LOCKED: { cli: 'another process (a running server) has the data directory open' },
  RATESTORE_START_FAILED: { cli: '`serve`/`dev` could not open the store for another reason (the cause follows the message); `dev --cluster`: PostgreSQL could not be started (initdb\'s or pg_ctl\'s output follows)' },
  RATESTORE_LOG_UNAVAILABLE: {
    status: 503,
    http: 'cluster mode: a write while the cluster\'s PostgreSQL cannot be reached (down, failing over); the write may or may not have landed: retry it with the same batch id, which lands it once; see `Retry-After`',
    cli: '`serve --cluster`, `snapshot`, `prune`: the cluster\'s PostgreSQL cannot be reached, or its tables cannot be made (the URL is shown without its password)'
  },
  RATESTORE_LOG_MISMATCH: {
    status: 409,
    engine: '`open()` on a shared log (field `log`) with a database that is not its replica: it follows another log, was written without this one, is ahead of it, or its last version is not the log\'s',
    cli: '`serve --cluster`: the data directory is no replica of this cluster (another cluster\'s, written without it, ahead of its log)'
  },
  RATESTORE_LOG_PRUNED: {
    status: 503,
    http: 'cluster mode: this node is behind the log\'s pruned data and cannot catch up (restart it on an empty data directory)',
    cli: '`serve --cluster`: the node is behind the log\'s pruned data; start it on an empty data directory'
  },
  RATESTORE_NO_SNAPSHOT: { cli: '`prune`: the cluster has no snapshot yet' },
  RATESTORE_POSTGRES_NOT_INSTALLED: {
    cli: '`dev --cluster`: PostgreSQL\'s server binaries are not installed (no `/usr/lib/postgresql/*/bin/pg_ctl`): install Debian\'s `postgresql` package (`apt-get install postgresql`)'
  },
  RATESTORE_NODE_FAILED: {
    cli: '`dev --cluster`: a node exited (it could not start, or died) or was not ready within 120 s, or PostgreSQL went away; the rest were stopped and the temporary folders removed (the node\'s own error is printed above, prefixed with its id)'
  },
  RATESTORE_CONFIG: {
    cli: '`serve`/`dev`: the configuration is wrong (an unknown setting in the file, a bad value, an unreadable file, API keys or CORS origins that do not parse, a non-loopback address without API keys, a port in use); names the setting'
  },
  RATESTORE_IMPORT_UNKNOWN_FORMAT: { cli: 'the extension does not tell the format and no `--format` was given' },
  RATESTORE_IMPORT_UNREADABLE: { cli: 'a file is missing or cannot be read; a database cannot be connected to or read from' },
  RATESTORE_IMPORT_MISSING_TABLE: { cli: 'a database lacks a table (`ports`, `regions`, `prices`) or a required column of the ratestask schema' },
  RATESTORE_IMPORT_INVALID_FILE: { cli: 'a file cannot be parsed (names the line)' },
  RATESTORE_IMPORT_UNSUPPORTED_STATEMENT: { cli: 'a dump statement the importer cannot apply (names the line)' }
} as const satisfies Readonly<Record<`RATESTORE_${string}`, CodeEntry>>;

/**
 * How the server answers any item code: when the few body members of a request make one item
 * (`POST /rates`, `PUT /v1/ports/...`), the first problem of the item is the answer, under its own
 * code. `label` is what the guide's table shows in the code column.
 */
export const ITEM_CODE_ANSWERS: ReadonlyArray<{ readonly status: number; readonly label: string; readonly when: string }> = [
  { status: 400, label: '`RATESTORE_UNKNOWN_PORT`, ...', when: '`POST /rates`: the item code of the bad member (see the item codes below)' },
  { status: 422, label: 'an item code', when: '`PUT /v1/ports/...` or `/v1/regions/...` with a bad member (`RATESTORE_UNKNOWN_REGION`, `RATESTORE_REGION_CYCLE`, ...)' }
];

/** Every code of the table. */
export type ErrorCode = keyof typeof ERROR_CODES;
/** The codes whose entry has `Key` (`'engine'`, `'item'`, `'status'`...). */
export type CodesWith<Key extends keyof CodeEntry> = { [Code in ErrorCode]: (typeof ERROR_CODES)[Code] extends { readonly [K in Key]: unknown } ? Code : never }[ErrorCode];
/** Codes of the errors the engine raises (`RatestoreError.code`). */
export type EngineErrorCode = CodesWith<'engine'>;
/** Codes of the problems of one item of a rejected batch (`ItemIssue.code`). */
export type ItemIssueCode = CodesWith<'item'>;
/** Codes the server raises itself, for HTTP concerns. */
export type HttpErrorCode = Exclude<CodesWith<'status'>, EngineErrorCode>;
/** Every code a problem document of the server may carry: the engine's, the server's own, and item codes. */
export type ProblemCode = EngineErrorCode | HttpErrorCode | ItemIssueCode;
/** Codes of the client's own failures, for which no answer of the server came. */
export type ClientErrorCode = CodesWith<'client'>;
/** Codes of the command line's own failures. */
export type CliErrorCode = CodesWith<'cli'>;

const ENTRIES = ERROR_CODES as Readonly<Record<string, CodeEntry>>;

/** Whether `code` is a code of the table. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ENTRIES, code);
}

/**
 * The HTTP status the reference server answers an error with (an engine error, or one of its own),
 * from the table; 400 for a code it does not have. The server and the embedded client (which
 * answers as the server would) both take it from here.
 */
export function httpStatusOf(error: { readonly code: string; readonly field?: string | undefined }): number {
  // Reading at a version that was folded away is a bad `asOf`, not a conflict.
  if (error.code === 'RATESTORE_VERSION_NOT_RETAINED' && error.field === 'asOf') return 400;
  return (Object.hasOwn(ENTRIES, error.code) ? ENTRIES[error.code]!.status : undefined) ?? 400;
}

/** One row of the guide's table of HTTP answers. */
export interface HttpAnswer {
  readonly status: number;
  /** The codes the row stands for: one code, or (for `label` rows) every item code. */
  readonly codes: readonly ProblemCode[];
  /** What the code column shows when it is not one code. */
  readonly label?: string;
  readonly when: string;
}

/**
 * Every answer the server may give with a problem document, as the guide's table lists them: by
 * status, each code in table order, then how item codes are answered at that status.
 */
export function httpAnswers(): HttpAnswer[] {
  const answers: HttpAnswer[] = [];
  for (const [code, entry] of Object.entries(ENTRIES)) {
    if (entry.http === undefined) continue;
    const texts = typeof entry.http === 'string' ? { [entry.status!]: entry.http } : entry.http;
    for (const [status, when] of Object.entries(texts)) answers.push({ status: Number(status), codes: [code as ProblemCode], when });
  }
  const items = codesWith('item') as ItemIssueCode[];
  for (const { status, label, when } of ITEM_CODE_ANSWERS) answers.push({ status, codes: items, label, when });
  // Sorting is stable: within a status, table order, and the item-code rows last.
  return answers.sort((a, b) => a.status - b.status);
}

/** The codes that have `key` (`'engine'`, `'item'`, `'client'`, `'cli'`...), in table order. */
export function codesWith(key: keyof CodeEntry): ErrorCode[] {
  return Object.keys(ENTRIES).filter((code) => ENTRIES[code]![key] !== undefined) as ErrorCode[];
}
