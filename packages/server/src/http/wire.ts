import type { BatchInfo, CommitResult, RevertResult } from '@ratestore/core';

/** Core results as they appear on the wire (snake_case). */
export function commitJson(result: CommitResult): Record<string, unknown> {
  return { batch_id: result.batchId, version: result.version, counts: result.counts, committed_at: result.committedAt };
}

export function batchJson(info: BatchInfo): Record<string, unknown> {
  return { ...commitJson(info), reverted_by: info.revertedBy, revertible: info.revertible };
}

export function revertJson(result: RevertResult): Record<string, unknown> {
  return { batch_id: result.batchId, reverted_version: result.revertedVersion, version: result.version, reverted_at: result.revertedAt };
}
