/**
 * Error answers: RFC 9457 problem documents (`application/problem+json`) with a stable `code`.
 * The server writes them; the remote client reads them back.
 */
import { fieldOf } from './names.js';
import type { ItemIssue } from './results.js';

/** A problem document as the server sends it. */
export interface ProblemWire {
  /** `urn:ratestore:problem:CODE`. */
  type: string;
  /** The status's reason phrase. */
  title: string;
  status: number;
  /** What went wrong, in words; it may change between releases. */
  detail: string;
  code: string;
  /** The query parameter, body member or path segment at fault. */
  parameter?: string;
  request_id?: string;
  /** A rejected batch's problems, one entry each (capped). */
  issues?: ItemIssue[];
  /** A rejected batch's count of problems, listed or not. */
  issue_count?: number;
  /** The line of a body at fault. */
  line?: number;
}

/** The `type` of a problem with `code`. */
export function problemType(code: string): string {
  return `urn:ratestore:problem:${code}`;
}

/** The members a rejected batch's problem adds: its issues and their count. */
export function issueMembers(issues: readonly ItemIssue[], issueCount: number | undefined): Pick<ProblemWire, 'issues' | 'issue_count'> {
  return { issues: issues.slice(), issue_count: issueCount ?? issues.length };
}

/** What a problem document says, in code's names. */
export interface Problem {
  code: string;
  detail: string | undefined;
  /** The wire name of the value at fault (`date_from`). */
  parameter: string | undefined;
  /** The same value as code names it (`dateFrom`). */
  field: string | undefined;
  requestId: string | undefined;
  /** A rejected batch's problems (their codes as sent: a newer server may have more). */
  issues: Array<Omit<ItemIssue, 'code'> & { code: string }> | undefined;
  issueCount: number | undefined;
}

/** A problem document read back, or undefined when `body` is none (no object with a string `code`). */
export function problemFromWire(body: unknown): Problem | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const wire = body as Record<string, unknown>;
  if (typeof wire.code !== 'string') return undefined;
  const parameter = typeof wire.parameter === 'string' ? wire.parameter : undefined;
  const issues = Array.isArray(wire.issues)
    ? (wire.issues as Array<Record<string, unknown>>).map((issue) => ({
        index: issue.index as number,
        ...(typeof issue.chunk === 'number' ? { chunk: issue.chunk } : {}),
        field: issue.field as string,
        code: issue.code as string,
        reason: issue.reason as string
      }))
    : undefined;
  return {
    code: wire.code,
    detail: typeof wire.detail === 'string' ? wire.detail : undefined,
    parameter,
    field: parameter === undefined ? undefined : fieldOf(parameter),
    requestId: typeof wire.request_id === 'string' ? wire.request_id : undefined,
    issues,
    issueCount: issues === undefined ? undefined : typeof wire.issue_count === 'number' ? wire.issue_count : issues.length
  };
}
