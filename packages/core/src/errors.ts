/**
 * Every error the store raises on purpose is a `RatestoreError` with a stable `code`, one of the
 * contract's engine codes. Messages may change between releases; codes do not (see the README's
 * error table, rendered from the contract).
 */

import type { EngineErrorCode, ItemIssueCode } from './contract/codes.js';
import type { ItemIssue } from './contract/results.js';

/** The codes of the errors the store raises: the contract's engine codes (contract/codes.ts). */
export type RatestoreErrorCode = EngineErrorCode;
export type { ItemIssue, ItemIssueCode };

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
