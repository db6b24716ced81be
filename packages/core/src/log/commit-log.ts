import { FOLDED_SOURCE } from '../encoding/keys.js';
import type { BatchCounts, BatchInfo, CommitResult } from '../types.js';

/** A commit log entry, stored as JSON under `c\0{version}`. */
export type LogEntry = BatchEntry | RevertEntry;

export interface BatchEntry {
  kind: 'batch';
  version: number;
  txn: number;
  batchId: string;
  counts: BatchCounts;
  committedAt: string;
  /** The caller's description of the request that made the batch (absent when none was given). */
  fingerprint?: string;
}

export interface RevertEntry {
  kind: 'revert';
  version: number;
  txn: number;
  /** The reverted batch. */
  batchId: string;
  revertedVersion: number;
  committedAt: string;
}

/**
 * The in-memory view of the commit log: which transaction became which version, which batches were
 * reverted when, and how far history has been folded. Every read decides visibility from it, so it is
 * changed only after the write that makes a change durable has resolved.
 */
export class CommitLog {
  #head = 0;
  readonly #entries: LogEntry[] = [];
  readonly #txnVersion = new Map<number, number>();
  readonly #revertedAt = new Map<number, RevertEntry>();
  readonly #batches = new Map<string, BatchEntry>();
  /** Versions up to this one have been folded: not readable with asOf, their batches not revertible. */
  foldedThrough = 0;

  get head(): number {
    return this.#head;
  }

  /** Adds an entry loaded from disk or just committed; entries arrive in version order. */
  add(entry: LogEntry): void {
    this.#entries[entry.version] = entry;
    this.#head = Math.max(this.#head, entry.version);
    this.#txnVersion.set(entry.txn, entry.version);
    if (entry.kind === 'batch') {
      this.#batches.set(entry.batchId, entry);
    } else {
      this.#revertedAt.set(this.#batches.get(entry.batchId)!.txn, entry);
    }
  }

  /** Registers a fold transaction, whose records stand for the state at `version`. */
  addFold(txn: number, version: number): void {
    this.#txnVersion.set(txn, version);
  }

  batch(batchId: string): BatchEntry | undefined {
    return this.#batches.get(batchId);
  }

  revertOf(batch: BatchEntry): RevertEntry | undefined {
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

  batchResult(entry: BatchEntry): CommitResult {
    return { batchId: entry.batchId, version: entry.version, counts: { ...entry.counts }, committedAt: entry.committedAt };
  }

  batchInfo(entry: BatchEntry): BatchInfo {
    const revert = this.#revertedAt.get(entry.txn);
    return {
      ...this.batchResult(entry),
      revertedBy: revert?.version ?? null,
      revertible: revert === undefined && entry.version > this.foldedThrough,
      ...(entry.fingerprint === undefined ? {} : { fingerprint: entry.fingerprint })
    };
  }

  /** Batches in version order. */
  *batches(): IterableIterator<BatchEntry> {
    for (const entry of this.#entries) if (entry !== undefined && entry.kind === 'batch') yield entry;
  }
}
