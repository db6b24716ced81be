import type { BatchInfo, CommitResult, FoldResult, RatesResult, RevertResult } from '@ratestore/core';

/**
 * Core results as they appear on the wire (snake_case): the HTTP answers, and the `--json` output
 * of the CLI, so that both speak one format.
 */
export function commitJson(result: CommitResult): Record<string, unknown> {
  return { batch_id: result.batchId, version: result.version, counts: result.counts, committed_at: result.committedAt };
}

export function batchJson(info: BatchInfo): Record<string, unknown> {
  return { ...commitJson(info), reverted_by: info.revertedBy, revertible: info.revertible };
}

export function revertJson(result: RevertResult): Record<string, unknown> {
  return { batch_id: result.batchId, reverted_version: result.revertedVersion, version: result.version, reverted_at: result.revertedAt };
}

/** The query a rates answer names, as the engine took it. */
export interface RatesRequest {
  origin: string;
  destination: string;
  dateFrom: string;
  dateTo: string;
  minCount: number;
}

export function ratesJson(query: RatesRequest, result: RatesResult): Record<string, unknown> {
  return { version: result.version, origin: query.origin, destination: query.destination, date_from: query.dateFrom, date_to: query.dateTo, min_count: query.minCount, rows: result.rows };
}

export function compactJson(result: FoldResult): Record<string, unknown> {
  return { folded_through: result.foldedThrough, removed: result.removed, written: result.written };
}
