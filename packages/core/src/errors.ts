/**
 * Every error the store raises on purpose is a `RatestoreError` with a stable `code`.
 * Messages may change between releases; codes do not (see the README's error table).
 */

export type RatestoreErrorCode =
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
  | 'RATESTORE_LOG_MISMATCH'
  | 'RATESTORE_NOT_OPEN';

/** Codes of the problems found in one item of a batch. */
export type ItemIssueCode =
  | 'RATESTORE_INVALID_ITEM'
  | 'RATESTORE_INVALID_FIELD'
  | 'RATESTORE_INVALID_DATE'
  | 'RATESTORE_INVALID_PRICE'
  | 'RATESTORE_UNKNOWN_PORT'
  | 'RATESTORE_UNKNOWN_REGION'
  | 'RATESTORE_DUPLICATE_CODE'
  | 'RATESTORE_REGION_CYCLE';

/** One problem of a bad item of a rejected batch (an item with several problems has an entry for each). */
export interface ItemIssue {
  /** Position of the item in its chunk (in the whole batch for a one-call write). */
  index: number;
  /** Chunk number, for staged batches. */
  chunk?: number;
  /** The offending field, or `''` when the item as a whole is wrong. */
  field: string;
  code: ItemIssueCode;
  reason: string;
}

export interface RatestoreErrorOptions {
  /** The argument or option at fault. */
  field?: string;
  /** For `RATESTORE_INVALID_BATCH`: the first problems of the bad items, one entry each (capped in all and per item). */
  issues?: ItemIssue[];
  /** For `RATESTORE_INVALID_BATCH`: how many problems there were in all, listed or not. */
  issueCount?: number;
  cause?: unknown;
}

export class RatestoreError extends Error {
  readonly code: RatestoreErrorCode;
  readonly field: string | undefined;
  readonly issues: ItemIssue[] | undefined;
  readonly issueCount: number | undefined;

  constructor(code: RatestoreErrorCode, message: string, options: RatestoreErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RatestoreError';
    this.code = code;
    this.field = options.field;
    this.issues = options.issues;
    this.issueCount = options.issueCount;
  }
}

/** How many problems a rejected batch lists: in all, and of any one item. */
export interface IssueCaps {
  maxIssues: number;
  maxIssuesPerItem: number;
}

/**
 * Collects the problems of a batch's items, one entry per problem, up to the caps (in all and per
 * item) while counting every one of them.
 */
export class IssueList {
  readonly #caps: IssueCaps;
  readonly #issues: ItemIssue[] = [];
  #count = 0;

  constructor(caps: IssueCaps) {
    this.#caps = caps;
  }

  /** Every problem of one item, given together so that the per-item cap can apply. */
  addItem(index: number, chunk: number | undefined, problems: ReadonlyArray<Omit<ItemIssue, 'index' | 'chunk'>>): void {
    this.#count += problems.length;
    const room = Math.min(problems.length, this.#caps.maxIssuesPerItem, this.#caps.maxIssues - this.#issues.length);
    for (let i = 0; i < room; i++) this.#issues.push({ index, chunk, ...problems[i]! });
  }

  get count(): number {
    return this.#count;
  }

  /** Throws `RATESTORE_INVALID_BATCH` when anything was collected. */
  throwIfAny(what: string): void {
    if (this.#count === 0) return;
    const first = this.#issues[0]!;
    throw new RatestoreError(
      'RATESTORE_INVALID_BATCH',
      `${what} has ${this.#count} problem(s) in its items; first: item ${first.index}${first.chunk === undefined ? '' : ` of chunk ${first.chunk}`} ${first.field}: ${first.reason}`,
      { issues: this.#issues.slice(), issueCount: this.#count }
    );
  }
}
