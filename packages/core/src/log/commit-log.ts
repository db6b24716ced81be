/**
 * The commit log: the ordered record of everything that changed the data. Applying a log entry at
 * its version is the only way data changes (see replica/replica.ts), so a store is a replica of its
 * log. In local mode the log is in-process (local-log.ts); a shared log (PostgreSQL in cluster mode)
 * implements the same interface, and every node applies what it hands out, in order.
 *
 * The division of work, in the spirit of bullmq's backend seam: the log orders entries, makes them
 * durable, stamps their time and keeps the retention horizon; the node (LogNode, implemented by the
 * store) decides whether an entry is admissible and applies it.
 */
import type { BatchSource } from '../staging/batch-source.js';
import type { IssueList } from '../errors.js';
import type { FoldResult } from '../maintenance/fold-history.js';

/** An entry of the commit log: the same on every node that applies it. */
export interface LogEntry {
  /** A committed batch, or the revert of one. */
  kind: 'batch' | 'revert';
  version: number;
  /** The batch committed, or the batch reverted. */
  batchId: string;
  /** When the log accepted the entry, as an ISO timestamp: the log's clock, never a node's. */
  committedAt: string;
  /** A batch's fingerprint, as its proposal gave it (see `WriteOptions.fingerprint`). */
  fingerprint?: string;
}

/** What a node asks its log to append. */
export type Proposal = BatchProposal | RevertProposal;

export interface BatchProposal {
  kind: 'batch';
  batchId: string;
  source: BatchSource;
  /** Problems already found in the items' formats: the batch is then checked as a whole and refused. */
  issues?: IssueList;
  /** The caller's opaque description of the request that made the batch, kept in its entry. */
  fingerprint?: string;
}

export interface RevertProposal {
  kind: 'revert';
  batchId: string;
}

/** An entry as a log hands it out, with the data to apply it from (batches only). */
export interface LoggedEntry {
  entry: LogEntry;
  source?: BatchSource;
}

/** The outcome of an append. */
export interface Appended {
  entry: LogEntry;
  /** The log already held an entry for this proposal (the same batch id, or a revert of the same batch). */
  replayed: boolean;
}

/** How far history may be folded: one horizon for the whole log, never decided per node. */
export interface Retention {
  /** Versions up to this one may be folded: no longer readable with `asOf`, their batches no longer revertible. */
  foldedThrough: number;
  /**
   * The log's head when the horizon was raised. A node folds only once it has applied this far: by
   * then it knows every revert that must stay separable from the folded history (a revert appended
   * later can no longer name a batch behind the horizon).
   */
  decidedAt: number;
}

/** The node's side of the seam: what a log calls back. The store implements it. */
export interface LogNode {
  /** The version this node has applied. */
  readonly version: number;
  /** Versions up to this one are folded on this node. */
  readonly foldedThrough: number;
  /**
   * Runs under the log's lock, where `head` is the log's latest version: brings this node to `head`
   * and checks the proposal against that state. It throws what refuses the proposal, returns the
   * entry the log already holds for it (a replay), or resolves undefined to accept it. Every check
   * that can refuse an entry runs here, so that no node can refuse an entry the log accepted.
   */
  admit(proposal: Proposal, head: number): Promise<LogEntry | undefined>;
  /** Applies an entry, from `source` for a batch; applying an entry already applied does nothing. */
  apply(entry: LogEntry, source: BatchSource | undefined): Promise<void>;
  /**
   * Folds this node's history through the log's horizon, once it has applied `decidedAt`. `raised`:
   * the caller raised the horizon, so it is told what folding through it did on this node, even when
   * the node's follower, woken by the log, got there first.
   */
  fold(retention: Retention, raised?: boolean): Promise<FoldResult>;
}

export interface CommitLog {
  /**
   * The identity of a shared log; undefined for a store's own. A store records the log it follows
   * in its database and refuses to open on another's, or on a log that is behind it.
   */
  readonly id: string | undefined;
  /** Called once, by the store's `open()`, with the node this log serves. */
  open(node: LogNode): Promise<void>;
  /** The latest version in the log. */
  head(): Promise<number>;
  /**
   * Appends a proposal: under the log's lock, `node.admit` runs at the log's head, then the entry
   * takes the next version and the log's time. Resolves once the entry is durable in the log and
   * applied on this node (from the proposal's data, which the node has in hand).
   */
  append(proposal: Proposal): Promise<Appended>;
  /** The entries after `version`, in version order, up to the log's head as of the call. */
  read(after: number): AsyncIterable<LoggedEntry>;
  /**
   * Resolves once the log may hold entries after `version` or a horizon past `foldedThrough` (a
   * notification, or a poll interval), or when `signal` aborts. A log that only this node writes
   * never resolves it. It must not wait for the log's lock.
   */
  changed(version: number, foldedThrough: number, signal: AbortSignal): Promise<void>;
  /** The log's horizon. It must not wait for the log's lock. */
  retention(): Promise<Retention>;
  /** Raises the horizon to `foldedThrough` (never lowers it), under the log's lock, and folds this node. */
  retain(foldedThrough: number): Promise<FoldResult>;
  /** Waits for the log's own background work; the store closes its database after this. */
  close(): Promise<void>;
}
