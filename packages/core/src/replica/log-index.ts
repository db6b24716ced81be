import { FOLDED_SOURCE } from '../encoding/keys.js';
import type { BatchCounts, BatchInfo, CommitResult, RevertResult } from '../types.js';
import type { LogEntry } from '../log/commit-log.js';

/**
 * A log entry as this replica applied it, stored as JSON under `c\0{version}`: the entry the log
 * handed over, plus what applying it made here (the transaction id its records carry; the counts
 * and the reverted version, which follow from the data).
 */
export type AppliedEntry = AppliedBatch | AppliedRevert;

export interface AppliedBatch {
  kind: 'batch';
  version: number;
  txn: number;
  batchId: string;
  counts: BatchCounts;
  committedAt: string;
  /** The caller's description of the request that made the batch (absent when none was given). */
  fingerprint?: string;
}

export interface AppliedRevert {
  kind: 'revert';
  version: number;
  txn: number;
  /** The reverted batch. */
  batchId: string;
  revertedVersion: number;
  committedAt: string;
}

/**
 * The in-memory index of the entries a replica has applied: which transaction became which version,
 * which batches were reverted when, and how far history has been folded. Every read decides
 * visibility from it, so it is changed only after the write that makes a change durable has resolved.
 */
export class LogIndex {
  #head = 0;
  readonly #entries: AppliedEntry[] = [];
  readonly #txnVersion = new Map<number, number>();
  readonly #revertedAt = new Map<number, AppliedRevert>();
  /** Reverts in version order. */
  readonly #reverts: AppliedRevert[] = [];
  readonly #batches = new Map<string, AppliedBatch>();
  /** Versions up to this one have been folded here. */
  foldedThrough = 0;
  /** The log's retention horizon as last seen: a shared log's may be ahead of what is folded here yet. */
  horizon = 0;

  get head(): number {
    return this.#head;
  }

  /** Versions before this one are not readable with asOf, and batches up to it are not revertible. */
  get retainedFrom(): number {
    return Math.max(this.foldedThrough, this.horizon);
  }

  /** Adds an entry loaded from disk or just applied; entries arrive in version order. */
  add(entry: AppliedEntry): void {
    this.#entries[entry.version] = entry;
    this.#head = Math.max(this.#head, entry.version);
    this.#txnVersion.set(entry.txn, entry.version);
    if (entry.kind === 'batch') {
      this.#batches.set(entry.batchId, entry);
    } else {
      this.#revertedAt.set(this.#batches.get(entry.batchId)!.txn, entry);
      this.#reverts.push(entry);
    }
  }

  /** Registers a fold transaction, whose records stand for the state at `version`. */
  addFold(txn: number, version: number): void {
    this.#txnVersion.set(txn, version);
  }

  /** The entry applied at `version`, if any. */
  at(version: number): AppliedEntry | undefined {
    return this.#entries[version];
  }

  batch(batchId: string): AppliedBatch | undefined {
    return this.#batches.get(batchId);
  }

  revertOf(batch: AppliedBatch): AppliedRevert | undefined {
    return this.#revertedAt.get(batch.txn);
  }

  /** Whether a record written by `writer` at `epoch` for `source` is part of the state at `version`. */
  isVisible(epoch: number, writer: number, source: number, version: number): boolean {
    const writerVersion = this.#txnVersion.get(writer);
    // An epoch that differs from the writer's version marks a record left by a commit that crashed
    // before its marker: its version number was later given to another transaction.
    if (writerVersion === undefined || writerVersion !== epoch || writerVersion > version) return false;
    if (source === FOLDED_SOURCE) return true;
    const revert = this.#revertedAt.get(source);
    return revert === undefined || revert.version > version;
  }

  /**
   * Whether a checkpoint at `epoch` (every batch up to it, merged) is the state at `version` once the
   * records newer than it are added: it is not if a batch it merged was reverted after it, by
   * `version`. Reverts are rare, so the newest ones are looked at from the end.
   */
  isCheckpointValid(epoch: number, version: number): boolean {
    if (epoch > version) return false;
    for (let i = this.#reverts.length - 1; i >= 0; i--) {
      const revert = this.#reverts[i]!;
      if (revert.version <= epoch) break;
      if (revert.version <= version && revert.revertedVersion <= epoch) return false;
    }
    return true;
  }

  /** Whether `writer` committed at all (records of other writers are debris of a crashed commit). */
  isCommittedWriter(writer: number): boolean {
    return this.#txnVersion.has(writer);
  }

  /** Source transactions reverted after `version` (their records must stay separable). */
  sourcesRevertedAfter(version: number): Set<number> {
    const sources = new Set<number>();
    for (const [source, revert] of this.#revertedAt) if (revert.version > version) sources.add(source);
    return sources;
  }

  batchInfo(entry: AppliedBatch): BatchInfo {
    const revert = this.#revertedAt.get(entry.txn);
    return {
      ...batchResult(entry),
      revertedBy: revert?.version ?? null,
      revertible: revert === undefined && entry.version > this.retainedFrom,
      ...(entry.kind === 'batch' && entry.fingerprint !== undefined ? { fingerprint: entry.fingerprint } : {})
    };
  }

  /** Batches in version order. */
  *batches(): IterableIterator<AppliedBatch> {
    for (const entry of this.#entries) if (entry !== undefined && entry.kind === 'batch') yield entry;
  }
}

/** What the log records of an applied entry: the same on every replica. */
export function logEntryOf(entry: AppliedEntry): LogEntry {
  const logged: LogEntry = { kind: entry.kind, version: entry.version, batchId: entry.batchId, committedAt: entry.committedAt };
  if (entry.kind === 'batch' && entry.fingerprint !== undefined) logged.fingerprint = entry.fingerprint;
  return logged;
}

export function batchResult(entry: AppliedBatch): CommitResult {
  return { batchId: entry.batchId, version: entry.version, counts: { ...entry.counts }, committedAt: entry.committedAt };
}

export function revertResult(entry: AppliedRevert): RevertResult {
  return { batchId: entry.batchId, revertedVersion: entry.revertedVersion, version: entry.version, revertedAt: entry.committedAt };
}
