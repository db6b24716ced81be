import { IssueList, RatestoreError } from '../errors.js';
import { getJson, rangeJson, type Db } from '../db.js';
import type { Engine, EngineOptions } from '../engine.js';
import { COMMITS_RANGE, FOLDS_RANGE, REFERENCE_RANGE, RETENTION_KEY, TXN_KEY, parseReferenceKey, txnOfFoldKey } from '../encoding/keys.js';
import { Catalog } from '../catalog/catalog.js';
import type { LocatedRef } from '../catalog/apply-refs.js';
import type { LogEntry, Retention } from '../log/commit-log.js';
import type { BatchSource } from '../staging/batch-source.js';
import { applyBatch, checkBatch } from '../write/apply-batch.js';
import { applyRevert } from '../write/apply-revert.js';
import { AggregationWorkers } from '../write/aggregation/workers.js';
import { foldHistory, type FoldResult } from '../maintenance/fold-history.js';
import { compactAggregates } from '../maintenance/compact-aggregates.js';
import { CheckpointPlanner } from '../maintenance/checkpoint-planner.js';
import { snapshotEntries, snapshotIterator, type Snapshot } from '../maintenance/snapshot.js';
import { writeCheckpoints } from '../maintenance/write-checkpoints.js';
import { MonthCache } from '../read/month-cache.js';
import { revertNotRetained } from '../read/read-rates.js';
import { Mutex } from '../util/locks.js';
import { yieldToEventLoop } from '../util/yield.js';
import { LogIndex, type AppliedEntry } from './log-index.js';

/** Groups checkpointed per write: a few thousand operations. */
const CHECKPOINT_WRITE = 256;
/**
 * How long background checkpointing holds the lock at least, each time: at least as long as the
 * last apply took, so that under a stream of commits it keeps up with what they write (a commit
 * waits behind at most one such slice), and when idle it goes on slice after slice.
 */
const CHECKPOINT_SLICE_MS = 20;

/**
 * The data as of the entries applied so far, in one database: aggregate records, the catalog and
 * the index of applied entries. `apply()` is the one way it changes: every batch and every revert,
 * committed here or elsewhere, arrives as a log entry at a version and is applied in version order.
 * Applies, folds and checkpoints run one at a time. Checkpoints (maintenance/write-checkpoints.ts)
 * change no answer, only how many records a read merges; they are written in the background after
 * applies, in short slices, and a fold (so `compact()`) writes those that are due before it returns.
 */
export class Replica {
  readonly #index = new LogIndex();
  readonly #catalog = new Catalog();
  readonly #lock = new Mutex();
  readonly engine: Engine;
  readonly #onBackgroundError: (error: unknown) => void;
  /** Background checkpointing under way, if any. */
  #checkpointing: Promise<void> | undefined;
  #closing = false;
  /** How long the last apply took. */
  #applyMs = 0;
  #lastTxn = 0;
  /** What the fold that took this node to its horizon did (for the caller that raised the horizon). */
  #lastFold: FoldResult | undefined;
  /** Callers of `reached()`, woken when their version is applied. */
  #waiters: Array<{ version: number; wake: () => void }> = [];

  constructor(db: Db, options: EngineOptions, onBackgroundError: (error: unknown) => void) {
    this.#onBackgroundError = onBackgroundError;
    this.engine = {
      db,
      index: this.#index,
      catalog: this.#catalog,
      options,
      months: new MonthCache(options.readCacheMonths),
      // Reads take the head and the history from one snapshot (see readGroups).
      checkpoints: new CheckpointPlanner(db.supports.explicitSnapshots ? options.checkpointRecords : 0, () => this.#scheduleCheckpoints()),
      aggregationWorkers: options.commitWorkers > 0 ? new AggregationWorkers(options.commitWorkers) : undefined,
      nextTxn: () => ++this.#lastTxn
    };
  }

  /** The latest version applied; 0 for an empty store. */
  get version(): number {
    return this.#index.head;
  }

  /** Versions up to this one are folded here. */
  get foldedThrough(): number {
    return this.#index.foldedThrough;
  }

  /** The oldest version readable with `asOf`: what is folded here, or the log's horizon if that is ahead. */
  get retainedFrom(): number {
    return this.#index.retainedFrom;
  }

  get index(): LogIndex {
    return this.#index;
  }

  get catalog(): Catalog {
    return this.#catalog;
  }

  /** Loads the applied entries and the catalog from the (open) database. */
  async load(): Promise<void> {
    const { db } = this.engine;
    this.#lastTxn = (await getJson<number>(db, TXN_KEY)) ?? 0;
    this.#index.foldedThrough = (await getJson<{ foldedThrough: number }>(db, RETENTION_KEY))?.foldedThrough ?? 0;
    for (const [key, fold] of await rangeJson<{ version: number }>(db, FOLDS_RANGE)) this.#index.addFold(txnOfFoldKey(key), fold.version);
    for (const [, entry] of await rangeJson<AppliedEntry>(db, COMMITS_RANGE)) this.#index.add(entry);
    const refs: Array<[number, LocatedRef]> = [];
    for (const [key, value] of await rangeJson<Record<string, string | null>>(db, REFERENCE_RANGE)) {
      const { kind, id, version } = parseReferenceKey(key);
      refs.push([version, kind === 'port'
        ? { kind, index: 0, code: id, name: value.name!, region: value.region! }
        : { kind, index: 0, slug: id, name: value.name!, parent: value.parent ?? null }]);
    }
    refs.sort((x, y) => x[0] - y[0]);
    for (const [version, ref] of refs) this.#catalog.add(version, ref);
  }

  /**
   * The entry already applied at `entry.version` when it is the same entry (a replay), or undefined
   * when `entry` is the next one. Anything else conflicts: another entry holds the version, the
   * version is not the next one, or the batch was committed (or reverted) at another version.
   */
  replayOf(entry: LogEntry): AppliedEntry | undefined {
    const head = this.#index.head;
    if (entry.version <= head) {
      const existing = this.#index.at(entry.version);
      if (existing !== undefined && existing.kind === entry.kind && existing.batchId === entry.batchId) return existing;
      throw this.#conflict(entry.version);
    }
    if (entry.version !== head + 1) throw this.#conflict(entry.version);
    const batch = this.#index.batch(entry.batchId);
    if (entry.kind === 'batch' ? batch !== undefined : batch !== undefined && this.#index.revertOf(batch) !== undefined) throw this.#conflict(entry.version);
    return undefined;
  }

  /**
   * Applies a log entry at its version: the one way data changes. A batch is checked against the
   * state it is applied to (`issues` may already hold problems of its items' formats), so an entry
   * that a log admitted always applies, and one handed over by anyone else is refused whole if it
   * is bad. Applying an entry already applied returns what applying it did.
   */
  apply(entry: LogEntry, source: BatchSource | undefined, issues?: IssueList): Promise<AppliedEntry> {
    return this.#lock.run(async () => {
      const done = this.replayOf(entry);
      if (done !== undefined) return done;
      const started = performance.now();
      const applied = entry.kind === 'batch' ? await this.#applyBatch(entry, source, issues) : await this.#applyRevert(entry);
      this.#applyMs = performance.now() - started;
      this.#wake();
      this.#scheduleCheckpoints();
      return applied;
    });
  }

  async #applyBatch(entry: LogEntry, source: BatchSource | undefined, issues: IssueList | undefined): Promise<AppliedEntry> {
    if (source === undefined) throw new Error(`batch ${entry.batchId} at version ${entry.version} came without its data`);
    const checked = await checkBatch(this.engine, source, `batch ${entry.batchId}`, issues);
    return applyBatch(this.engine, { version: entry.version, batchId: entry.batchId, committedAt: entry.committedAt, fingerprint: entry.fingerprint, source, checked });
  }

  async #applyRevert(entry: LogEntry): Promise<AppliedEntry> {
    const batch = this.#index.batch(entry.batchId);
    if (batch === undefined) throw new RatestoreError('RATESTORE_UNKNOWN_BATCH', `batch ${entry.batchId} was never committed`, { field: 'batchId' });
    if (batch.version <= this.#index.retainedFrom) throw revertNotRetained(batch.batchId, batch.version, this.#index.retainedFrom);
    return applyRevert(this.engine, { version: entry.version, batch, committedAt: entry.committedAt });
  }

  /**
   * Takes the log's horizon: folds history through it, then compacts the aggregate records in
   * LevelDB, with or without anything to fold. A replica that has not applied as far as the horizon
   * was decided at only notes it (reads and reverts behind it are refused from now on) and folds later.
   * `raised`: the caller raised the horizon to `retention.foldedThrough`; if the follower folded
   * through exactly that first, the caller gets that fold's result (not when a later raise was
   * folded first, nor before this node applied as far as `decidedAt`: then nothing is reported).
   */
  fold(retention: Retention, raised = false): Promise<FoldResult> {
    return this.#lock.run(async () => {
      const index = this.#index;
      index.horizon = Math.max(index.horizon, retention.foldedThrough);
      const unchanged = { foldedThrough: index.foldedThrough, removed: 0, written: 0 };
      if (index.head < retention.decidedAt) return unchanged;
      let result = unchanged;
      if (retention.foldedThrough > index.foldedThrough) result = this.#lastFold = await foldHistory(this.engine, retention.foldedThrough);
      else if (raised && this.#lastFold?.foldedThrough === retention.foldedThrough) result = this.#lastFold;
      await this.#checkpointSlice(Infinity);
      await compactAggregates(this.engine.db);
      return result;
    });
  }

  /** A consistent copy of the data at the version applied now (taken between two applies). */
  snapshot(): Promise<Snapshot> {
    return this.#lock.run(async () => ({ version: this.#index.head, entries: snapshotEntries(snapshotIterator(this.engine.db)) }));
  }

  /** Stops background checkpointing (what is not written yet is dropped) and waits for a slice under way; stops the aggregation workers. */
  async close(): Promise<void> {
    this.#closing = true;
    await this.#checkpointing;
    await this.engine.aggregationWorkers?.close();
  }

  /** Resolves true once `version` is applied, or false after `timeoutMs`. */
  async reached(version: number, timeoutMs: number): Promise<boolean> {
    if (this.#index.head >= version) return true;
    let timer: NodeJS.Timeout | undefined;
    let waiter: { version: number; wake: () => void } | undefined;
    const applied = new Promise<boolean>((resolve) => {
      waiter = { version, wake: () => resolve(true) };
      this.#waiters.push(waiter);
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await applied;
    } finally {
      clearTimeout(timer);
      this.#waiters = this.#waiters.filter((w) => w !== waiter);
    }
  }

  /** Starts background checkpointing unless it runs already: a slice at a time, each under the lock. */
  #scheduleCheckpoints(): void {
    if (this.#checkpointing !== undefined || this.#closing || !this.engine.checkpoints.hasWork) return;
    this.#checkpointing = (async () => {
      // The apply that scheduled this resolves first.
      await yieldToEventLoop();
      while (!this.#closing && this.engine.checkpoints.hasWork) {
        await this.engine.checkpoints.count();
        await this.#lock.run(() => this.#checkpointSlice(Math.max(CHECKPOINT_SLICE_MS, this.#applyMs)));
      }
    })().then(
      () => {
        this.#checkpointing = undefined;
        // A read may have asked for a checkpoint as the loop ended.
        this.#scheduleCheckpoints();
      },
      (error: unknown) => {
        this.#checkpointing = undefined;
        this.#onBackgroundError(error);
      }
    );
  }

  /** Counts what was written since the last slice, then checkpoints groups due for `ms` or until none is. The lock is held. */
  async #checkpointSlice(ms: number): Promise<void> {
    const { checkpoints } = this.engine;
    const started = performance.now();
    do {
      await checkpoints.count();
      const groups = checkpoints.take(CHECKPOINT_WRITE);
      if (groups.length > 0) await writeCheckpoints(this.engine, groups);
    } while (checkpoints.hasWork && performance.now() - started < ms);
  }

  #wake(): void {
    for (const waiter of this.#waiters) if (waiter.version <= this.#index.head) waiter.wake();
  }

  #conflict(version: number): RatestoreError {
    return new RatestoreError('RATESTORE_VERSION_CONFLICT', `version ${version} cannot be applied: the store is at version ${this.#index.head}`, { field: 'version' });
  }
}
