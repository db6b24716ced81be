import type { FoldResult } from '../maintenance/fold-history.js';
import { Mutex } from '../util/locks.js';
import { whenAborted } from '../util/abort.js';
import type { Appended, CommitLog, LogEntry, LogNode, LoggedEntry, Proposal, Retention } from './commit-log.js';
import { dueHorizon } from './retention.js';

export interface LocalLogOptions {
  /** How many recent versions stay readable and revertible; older history is folded. Infinity keeps all. */
  retainVersions: number;
  /** Receives errors of background folding. */
  onBackgroundError(error: unknown): void;
}

/**
 * The commit log of a store that nobody else writes to. Its entries are the store's own applied
 * entries: appending one applies it under the log's lock, and the entry is durable once applied
 * (the applied marker is the log record). So a version is never taken by an entry that is not
 * applied, and the store is always at the log's head. Retention is the log's too: once twice
 * `retainVersions` versions have piled up, history is folded in the background.
 */
export class LocalCommitLog implements CommitLog {
  readonly #lock = new Mutex();
  readonly #options: LocalLogOptions;
  #node: LogNode | undefined;
  #background: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: LocalLogOptions) {
    this.#options = options;
  }

  /** A store's own log has no identity to check: its entries are the store's. */
  readonly id = undefined;

  async open(node: LogNode): Promise<void> {
    this.#node = node;
  }

  async head(): Promise<number> {
    return this.#open().version;
  }

  append(proposal: Proposal): Promise<Appended> {
    return this.#lock.run(async () => {
      const node = this.#open();
      const head = node.version;
      const replayed = await node.admit(proposal, head);
      if (replayed !== undefined) return { entry: replayed, replayed: true };
      const entry: LogEntry = { kind: proposal.kind, version: head + 1, batchId: proposal.batchId, committedAt: new Date().toISOString() };
      if (proposal.kind === 'batch' && proposal.fingerprint !== undefined) entry.fingerprint = proposal.fingerprint;
      await node.apply(entry, proposal.kind === 'batch' ? proposal.source : undefined);
      this.#scheduleFold();
      return { entry, replayed: false };
    });
  }

  /**
   * Records an entry committed elsewhere, at the version it was given there (the store's replication
   * seam): `apply` applies it under the log's lock, like an entry appended here.
   */
  appendApplied<T>(apply: () => Promise<T>): Promise<T> {
    return this.#lock.run(async () => {
      const applied = await apply();
      this.#scheduleFold();
      return applied;
    });
  }

  /** Every entry is applied as it is appended: there is never anything to hand out. */
  async *read(): AsyncIterable<LoggedEntry> {}

  changed(_version: number, _foldedThrough: number, signal: AbortSignal): Promise<void> {
    return whenAborted(signal);
  }

  async retention(): Promise<Retention> {
    const { foldedThrough } = this.#open();
    return { foldedThrough, decidedAt: foldedThrough };
  }

  retain(foldedThrough: number): Promise<FoldResult> {
    return this.#lock.run(() => {
      const node = this.#open();
      return node.fold({ foldedThrough, decidedAt: node.version });
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    await this.#lock.run(async () => undefined);
    await this.#background;
  }

  /** Folds in the background once twice the retained versions have piled up, so folds are rare. */
  #scheduleFold(): void {
    const node = this.#open();
    if (dueHorizon(node.version, node.foldedThrough, this.#options.retainVersions) === undefined) return;
    this.#background = this.#background
      .then(() => {
        if (this.#closed) return undefined;
        const horizon = dueHorizon(node.version, node.foldedThrough, this.#options.retainVersions);
        return horizon === undefined ? undefined : this.retain(horizon);
      })
      .catch(this.#options.onBackgroundError);
  }

  #open(): LogNode {
    if (this.#node === undefined) throw new Error('the log was not opened');
    return this.#node;
  }
}
