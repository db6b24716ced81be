import { randomUUID } from 'node:crypto';
import { ClassicLevel } from 'classic-level';
import { MemoryLevel } from 'memory-level';
import { IssueList, RatestoreError } from './errors.js';
import { CLASSIC_OPTIONS, DEFAULT_ENCODINGS, DURABLE, JSON_VALUE, getJson, rangeJson, rangeKeys, txnValue, type Db } from './db.js';
import type { Engine, EngineOptions } from './engine.js';
import { BatchOps } from './batch-ops.js';
import {
  COMMITS_RANGE, FOLDS_RANGE, REFERENCE_RANGE, RETENTION_KEY, STAGED_RANGE, TXN_KEY, commitKey,
  isStagedMetaKey, parseReferenceKey, txnOfFoldKey, stagedBatchRange, stagedCountKey, stagedCountsRange, stagedMetaKey, stagedPricesKey, stagedPricesRange, stagedRefsKey, chunkOfStagedKey
} from './encoding/keys.js';
import { CommitLog, type BatchEntry, type LogEntry, type RevertEntry } from './log/commit-log.js';
import { Catalog, buildTree, childIndex, sorted } from './catalog/catalog.js';
import type { LocatedRef } from './catalog/apply-refs.js';
import { applyBatch } from './write/apply-batch.js';
import { memorySource, stagedSource, type BatchSource } from './write/batch-source.js';
import { ChunkBuilder, type EncodedChunk } from './write/chunk-builder.js';
import { readRates, notRetained } from './read/read-rates.js';
import { MonthCache } from './read/month-cache.js';
import { foldHistory, type FoldResult } from './maintenance/fold-history.js';
import { compactAggregates } from './maintenance/compact-aggregates.js';
import { Mutex, NamedSharedLock } from './util/locks.js';
import { checkBatchId, checkDay, checkInteger, checkObject, invalid, itemsOf } from './validate/arguments.js';
import { PORT_CODE, REGION_SLUG } from './validate/items.js';
import type {
  BatchInfo, BatchItem, CommitResult, Port, RatesQuery, RatesResult, Region, RegionChildren, RegionNode, RevertResult, VersionOptions
} from './types.js';

export interface RatestoreOptions {
  /** Any abstract-level database with string keys; the store owns it. Default: a ClassicLevel at `location`. */
  db?: Db;
  /** Directory of the default ClassicLevel database. Default `./data`. */
  location?: string;
  /** Keep everything in memory (a MemoryLevel) instead of on disk; ignored when `db` is given. Default false. */
  memory?: boolean;
  /** Longest date range a query may span, in days. Default 366. */
  maxRangeDays?: number;
  /** How many problems of bad items a rejected batch lists (all are counted). Default 100. */
  maxIssues?: number;
  /** How many problems of any one item a rejected batch lists (all are counted). Default 10. */
  maxIssuesPerItem?: number;
  /** Items per staged chunk when `write()` splits a batch. Default 50,000. */
  chunkSize?: number;
  /** Aggregation cells held in memory during a commit before they are written out. Default 1,000,000. */
  maxCells?: number;
  /** Merged month aggregates (one pair, one month, one version) kept in memory for repeat reads. Default 4,096; 0 turns the cache off. */
  readCacheMonths?: number;
  /** How many recent versions stay readable with `asOf` and revertible; older history is folded. Default Infinity (keep all). */
  retainVersions?: number;
  /** Called with errors of background folding. Default: `console.error`. */
  onBackgroundError?: (error: unknown) => void;
}

export interface WriteOptions {
  /** Idempotency key: writing or committing the same id again returns the first result. Default: a random UUID. */
  batchId?: string;
}

export interface AddChunkOptions {
  /** Chunk number; adding the same number again replaces that chunk. Default: one more than the highest so far. */
  chunk?: number;
}

export interface AddChunkResult {
  batchId: string;
  chunk: number;
  /** Items in this chunk. */
  items: number;
}

export interface StagedBatchInfo {
  batchId: string;
  createdAt: string;
  /** Chunk numbers staged so far, ascending. */
  chunks: number[];
  /** Items staged so far, in all chunks. */
  items: number;
}

export interface ApplyOptions {
  /** The version the batch was committed at elsewhere; must be the next version here. */
  version: number;
  batchId: string;
  items: Iterable<BatchItem> | AsyncIterable<BatchItem>;
  /** ISO timestamp of the original commit. Default: now. */
  committedAt?: string;
}

export interface CompactOptions {
  /** Versions to keep readable and revertible. Default: the store's `retainVersions`. */
  retainVersions?: number;
}

interface StagedMeta {
  batchId: string;
  createdAt: string;
  /** Set by `write()`: such a batch is removed at open if a crash interrupted it. */
  internal?: boolean;
}

/** The lifecycle of a store: `open()` takes it from new to open, `close()` to closed. */
export type StoreStatus = 'new' | 'opening' | 'open' | 'closing' | 'closed';

/**
 * A versioned, all-or-nothing store of route prices on an abstract-level database.
 * Public methods validate and normalise their arguments, then call a private method that does the work.
 */
export class Ratestore {
  readonly #db: Db;
  readonly #ops: BatchOps;
  readonly #options: EngineOptions;
  readonly #onBackgroundError: (error: unknown) => void;
  readonly #log = new CommitLog();
  readonly #catalog = new Catalog();
  readonly #writeLock = new Mutex();
  readonly #batchLock = new NamedSharedLock();
  readonly #chunkCounters = new Map<string, Promise<{ next: number }>>();
  #engine: Engine | undefined;
  #lastTxn = 0;
  #status: StoreStatus = 'new';
  #background: Promise<unknown> = Promise.resolve();
  /** Calls under way; close() lets them finish before it closes the database. */
  readonly #inflight = new Set<Promise<unknown>>();

  constructor(options: RatestoreOptions = {}) {
    checkObject(options, 'options');
    this.#db = options.db ?? (options.memory === true
      ? (new MemoryLevel<string, Uint8Array>(DEFAULT_ENCODINGS) as unknown as Db)
      : (new ClassicLevel<string, Uint8Array>(options.location ?? './data', CLASSIC_OPTIONS) as unknown as Db));
    this.#ops = new BatchOps(this.#db);
    this.#options = {
      maxRangeDays: checkInteger(options.maxRangeDays ?? 366, 'maxRangeDays', 1),
      maxIssues: checkInteger(options.maxIssues ?? 100, 'maxIssues', 1),
      maxIssuesPerItem: checkInteger(options.maxIssuesPerItem ?? 10, 'maxIssuesPerItem', 1),
      chunkSize: checkInteger(options.chunkSize ?? 50_000, 'chunkSize', 1),
      maxCells: checkInteger(options.maxCells ?? 1_000_000, 'maxCells', 1),
      readCacheMonths: checkInteger(options.readCacheMonths ?? 4096, 'readCacheMonths', 0),
      retainVersions: options.retainVersions === undefined || options.retainVersions === Infinity ? Infinity : checkInteger(options.retainVersions, 'retainVersions', 0)
    };
    this.#onBackgroundError = options.onBackgroundError ?? ((error) => console.error('ratestore: background fold failed', error));
  }

  /** 'new', 'opening', 'open', 'closing' or 'closed'. */
  get status(): StoreStatus {
    return this.#status;
  }

  /** The latest committed version; 0 for an empty store. */
  get version(): number {
    return this.#log.head;
  }

  /** The oldest version still readable with `asOf` (history before it has been folded). */
  get retainedFrom(): number {
    return this.#log.foldedThrough;
  }

  /** The underlying database. */
  get db(): Db {
    return this.#db;
  }

  async open(): Promise<void> {
    if (this.#status !== 'new') throw invalid('status', `is ${this.#status}; a store opens once`);
    this.#status = 'opening';
    try {
      await this.#db.open();
      await this.#load();
      this.#status = 'open';
    } catch (error) {
      this.#status = 'closed';
      await this.#db.close().catch(() => undefined);
      throw error;
    }
  }

  /** Waits for running commits and background folding, then closes the database. */
  async close(): Promise<void> {
    if (this.#status === 'closed' || this.#status === 'closing') return;
    this.#status = 'closing';
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
    await this.#writeLock.run(async () => undefined);
    await this.#background;
    await this.#db.close();
    this.#status = 'closed';
  }

  /**
   * Writes a whole batch in one call, all or nothing. Items are streamed into staged chunks on disk,
   * so the batch is never held in memory; a batch with bad items writes nothing and is rejected with
   * `RATESTORE_INVALID_BATCH` listing them (index = position in `items`).
   */
  async write(items: Iterable<BatchItem> | AsyncIterable<BatchItem>, options: WriteOptions = {}): Promise<CommitResult> {
    this.#assertOpen();
    checkObject(options, 'options');
    const batchId = options.batchId === undefined ? randomUUID() : checkBatchId(options.batchId);
    return this.#track(this.#batchLock.exclusive(batchId, () => this.#write(items, batchId, undefined)));
  }

  /** Starts a staged batch, or resumes one staged before (also after a restart). */
  async begin(batchId: string): Promise<StagedBatch> {
    this.#assertOpen();
    checkBatchId(batchId);
    const created = await this.#track(this.#batchLock.exclusive(batchId, () => this.#begin(batchId)));
    return new StagedBatch(this, batchId, created);
  }

  /** Validates and stages one chunk of a batch begun with `begin()`. Nothing is visible until commit. */
  async addChunk(batchId: string, items: Iterable<BatchItem> | AsyncIterable<BatchItem>, options: AddChunkOptions = {}): Promise<AddChunkResult> {
    this.#assertOpen();
    checkBatchId(batchId);
    checkObject(options, 'options');
    const chunk = options.chunk === undefined ? undefined : checkInteger(options.chunk, 'chunk', 0, 0xffff_fffe);
    return this.#track(this.#batchLock.shared(batchId, () => this.#addChunk(batchId, items, chunk)));
  }

  /**
   * Commits a staged batch: checks it as a whole, writes it, and makes it visible in one atomic
   * write. Committing a committed batch returns its first result and writes nothing.
   */
  async commit(batchId: string): Promise<CommitResult> {
    this.#assertOpen();
    checkBatchId(batchId);
    return this.#track(this.#batchLock.exclusive(batchId, () => this.#commit(batchId, true)));
  }

  /** Drops a staged batch. Resolves false when there was none; a committed batch cannot be aborted. */
  async abort(batchId: string): Promise<boolean> {
    this.#assertOpen();
    checkBatchId(batchId);
    return this.#track(this.#batchLock.exclusive(batchId, () => this.#abort(batchId)));
  }

  /** A staged batch's chunks, or undefined. */
  async staged(batchId: string): Promise<StagedBatchInfo | undefined> {
    this.#assertOpen();
    checkBatchId(batchId);
    return this.#track(this.#staged(batchId));
  }

  /** Every staged (begun, not committed nor aborted) batch. */
  async stagedBatches(): Promise<StagedBatchInfo[]> {
    this.#assertOpen();
    return this.#track(this.#stagedBatches());
  }

  /**
   * Reverts a committed batch: a new version without any of its prices. Reverting again returns the
   * first result. Ports and regions the batch added or changed stay as they are.
   */
  async revert(batchId: string): Promise<RevertResult> {
    this.#assertOpen();
    checkBatchId(batchId);
    return this.#track(this.#writeLock.run(() => this.#revert(batchId, undefined)));
  }

  /**
   * Replication seam: applies a batch that was committed elsewhere at `version`, which must be the
   * next version here. Applying the same batch at the same version again returns the first result.
   */
  async applyCommitted(options: ApplyOptions): Promise<CommitResult> {
    this.#assertOpen();
    checkObject(options, 'options');
    const version = checkInteger(options.version, 'version', 1, 0xffff_fffe);
    const batchId = checkBatchId(options.batchId);
    const committedAt = options.committedAt ?? new Date().toISOString();
    if (Number.isNaN(Date.parse(committedAt))) throw invalid('committedAt', 'must be an ISO timestamp');
    return this.#track(this.#batchLock.exclusive(batchId, () => this.#write(options.items, batchId, { version, committedAt })));
  }

  /** Replication seam for reverts: applies a revert committed elsewhere at `version`. */
  async applyRevert(options: { version: number; batchId: string; committedAt?: string }): Promise<RevertResult> {
    this.#assertOpen();
    checkObject(options, 'options');
    const version = checkInteger(options.version, 'version', 1, 0xffff_fffe);
    const batchId = checkBatchId(options.batchId);
    const committedAt = options.committedAt ?? new Date().toISOString();
    if (Number.isNaN(Date.parse(committedAt))) throw invalid('committedAt', 'must be an ISO timestamp');
    return this.#track(this.#writeLock.run(() => this.#revert(batchId, { version, committedAt })));
  }

  /** Daily average, count, min and max of the prices from `origin` to `destination`, one row per day. */
  async rates(query: RatesQuery): Promise<RatesResult> {
    this.#assertOpen();
    checkObject(query, 'query');
    const from = checkDay(query.dateFrom, 'dateFrom');
    const to = checkDay(query.dateTo, 'dateTo');
    if (from > to) throw new RatestoreError('RATESTORE_DATE_RANGE_REVERSED', `dateFrom ${query.dateFrom} is after dateTo ${query.dateTo}`, { field: 'dateFrom' });
    if (to - from + 1 > this.#options.maxRangeDays) {
      throw new RatestoreError('RATESTORE_RANGE_TOO_LONG', `the range spans ${to - from + 1} days; at most ${this.#options.maxRangeDays} are allowed`, { field: 'dateTo' });
    }
    const minCount = checkInteger(query.minCount ?? 3, 'minCount', 1);
    const version = this.#checkVersion(query.asOf);
    for (const field of ['origin', 'destination'] as const) {
      const location = query[field];
      if (typeof location !== 'string' || this.#catalog.kindOf(location, version) === undefined) {
        throw new RatestoreError('RATESTORE_UNKNOWN_LOCATION', `${field} ${JSON.stringify(location) ?? 'nothing'} is neither a port code nor a region slug${query.asOf === undefined ? '' : ` at version ${version}`}`, { field });
      }
    }
    return this.#track(readRates(this.#engineState(), { from, to, origin: query.origin, destination: query.destination, minCount, version }));
  }

  /** Ports, sorted by code. */
  ports(options: VersionOptions = {}): Port[] {
    return sorted(this.#view(options).ports.values(), (port) => port.code).map((port) => ({ ...port }));
  }

  /** Regions, sorted by slug. */
  regions(options: VersionOptions = {}): Region[] {
    return sorted(this.#view(options).regions.values(), (region) => region.slug).map((region) => ({ ...region }));
  }

  port(code: string, options: VersionOptions = {}): Port | undefined {
    if (typeof code !== 'string' || !PORT_CODE.test(code)) throw invalid('code', 'must be 5 letters A-Z');
    return this.#catalog.port(code, this.#versionOf(options));
  }

  region(slug: string, options: VersionOptions = {}): Region | undefined {
    if (typeof slug !== 'string' || !REGION_SLUG.test(slug)) throw invalid('slug', 'must match [a-z0-9_]{1,64}');
    return this.#catalog.region(slug, this.#versionOf(options));
  }

  /**
   * The codes of the ports directly in a region and the slugs of its direct sub-regions, both sorted;
   * undefined when there is no such region (at `asOf`).
   */
  regionChildren(slug: string, options: VersionOptions = {}): RegionChildren | undefined {
    if (typeof slug !== 'string' || !REGION_SLUG.test(slug)) throw invalid('slug', 'must match [a-z0-9_]{1,64}');
    const version = this.#versionOf(options);
    if (this.#catalog.region(slug, version) === undefined) return undefined;
    return this.#regionChildren(slug, options.asOf === undefined ? this.#catalog.headChildren() : childIndex(this.#catalog.view(version)));
  }

  #regionChildren(slug: string, index: Map<string, RegionChildren>): RegionChildren {
    const children = index.get(slug);
    return { ports: [...(children?.ports ?? [])], regions: [...(children?.regions ?? [])] };
  }

  /** The region tree: top-level regions with their ports and sub-regions. */
  tree(options: VersionOptions = {}): RegionNode[] {
    return buildTree(this.#view(options));
  }

  /** The batch log, in version order. */
  batches(): BatchInfo[] {
    this.#assertOpen();
    return [...this.#log.batches()].map((entry) => this.#log.batchInfo(entry));
  }

  batch(batchId: string): BatchInfo | undefined {
    this.#assertOpen();
    checkBatchId(batchId);
    const entry = this.#log.batch(batchId);
    return entry === undefined ? undefined : this.#log.batchInfo(entry);
  }

  /**
   * Folds history older than the last `retainVersions` versions: reads at retained versions stay
   * exact, older versions can no longer be read with `asOf`, and their batches no longer reverted.
   * Then, with or without anything to fold, compacts the aggregate records in LevelDB.
   */
  async compact(options: CompactOptions = {}): Promise<FoldResult> {
    this.#assertOpen();
    checkObject(options, 'options');
    const retain = options.retainVersions ?? this.#options.retainVersions;
    if (retain !== Infinity) checkInteger(retain, 'retainVersions', 0);
    return this.#track(this.#writeLock.run(() => this.#compact(retain)));
  }

  async #load(): Promise<void> {
    this.#lastTxn = (await getJson<number>(this.#db, TXN_KEY)) ?? 0;
    this.#log.foldedThrough = (await getJson<{ foldedThrough: number }>(this.#db, RETENTION_KEY))?.foldedThrough ?? 0;
    for (const [key, fold] of await rangeJson<{ version: number }>(this.#db, FOLDS_RANGE)) this.#log.addFold(txnOfFoldKey(key), fold.version);
    for (const [, entry] of await rangeJson<LogEntry>(this.#db, COMMITS_RANGE)) this.#log.add(entry);
    const refs: Array<[number, LocatedRef]> = [];
    for (const [key, value] of await rangeJson<Record<string, string | null>>(this.#db, REFERENCE_RANGE)) {
      const { kind, id, version } = parseReferenceKey(key);
      refs.push([version, kind === 'port'
        ? { kind, index: 0, code: id, name: value.name!, region: value.region! }
        : { kind, index: 0, slug: id, name: value.name!, parent: value.parent ?? null }]);
    }
    refs.sort((x, y) => x[0] - y[0]);
    for (const [version, ref] of refs) this.#catalog.add(version, ref);
    // A write() interrupted by a crash cannot be resumed by anyone: drop what it staged.
    for (const meta of await this.#stagedMetas()) {
      if (meta.internal === true) await this.#deleteStaged(meta.batchId);
    }
  }

  async #write(items: unknown, batchId: string, replicated: { version: number; committedAt: string } | undefined): Promise<CommitResult> {
    const done = this.#log.batch(batchId);
    if (done !== undefined) return this.#alreadyApplied(done, replicated?.version);
    // Refuse a replicated batch out of order before staging any of it (checked again at commit).
    if (replicated !== undefined) this.#nextVersion(replicated.version);
    if ((await this.#meta(batchId)) !== undefined) {
      throw new RatestoreError('RATESTORE_INVALID_ARGUMENT', `batch ${batchId} is staged; commit or abort it, or use another batch id`, { field: 'batchId' });
    }
    const issues = new IssueList(this.#options);
    const builder = new ChunkBuilder(issues, undefined, this.#options.chunkSize);
    // A batch of one chunk is applied from memory; a larger one is staged chunk by chunk, so that it
    // is never held whole. The last full chunk is held back until it is known not to be the only one.
    let held: EncodedChunk | undefined;
    let staged = 0;
    const stage = async (chunk: EncodedChunk): Promise<void> => {
      if (staged === 0) await this.#putMeta(batchId, true);
      await this.#putChunk(batchId, staged++, chunk, true);
    };
    try {
      let index = 0;
      for await (const slice of itemsOf(items)) {
        for (const item of slice) {
          builder.add(item, index++);
          if (builder.size >= this.#options.chunkSize) {
            if (held !== undefined) await stage(held);
            held = builder.take();
          }
        }
      }
      if (index === 0) throw emptyBatch(batchId);
      if (held === undefined || builder.size > 0) {
        if (held !== undefined) await stage(held);
        held = builder.take();
      }
      if (staged === 0) {
        const chunk = held;
        return await this.#writeLock.run(() => this.#apply(batchId, memorySource(chunk), [], replicated, issues));
      }
      await stage(held);
      return await this.#writeLock.run(() => this.#commitStaged(batchId, false, replicated, issues));
    } catch (error) {
      if (staged > 0) await this.#deleteStaged(batchId);
      throw error;
    }
  }

  /** True when this call staged the batch; false when it was staged or committed before. */
  async #begin(batchId: string): Promise<boolean> {
    if (this.#log.batch(batchId) !== undefined) return false;
    if ((await this.#meta(batchId)) !== undefined) return false;
    await this.#putMeta(batchId, false);
    return true;
  }

  async #meta(batchId: string): Promise<StagedMeta | undefined> {
    return getJson<StagedMeta>(this.#db, stagedMetaKey(batchId));
  }

  async #putMeta(batchId: string, internal: boolean): Promise<void> {
    const meta: StagedMeta = { batchId, createdAt: new Date().toISOString(), ...(internal ? { internal } : {}) };
    await this.#db.put(stagedMetaKey(batchId), JSON.stringify(meta), { ...JSON_VALUE, ...durability(internal) });
  }

  async #addChunk(batchId: string, items: unknown, requested: number | undefined): Promise<AddChunkResult> {
    if (this.#log.batch(batchId) !== undefined) {
      throw new RatestoreError('RATESTORE_BATCH_COMMITTED', `batch ${batchId} is already committed`, { field: 'batchId' });
    }
    if ((await this.#meta(batchId)) === undefined) throw unknownBatch(batchId);
    const issues = new IssueList(this.#options);
    const builder = new ChunkBuilder(issues, requested);
    let index = 0;
    for await (const slice of itemsOf(items)) for (const item of slice) builder.add(item, index++);
    issues.throwIfAny(`chunk${requested === undefined ? '' : ` ${requested}`} of batch ${batchId}`);
    const chunk = requested ?? (await this.#nextChunk(batchId));
    await this.#putChunk(batchId, chunk, builder.take(), false);
    return { batchId, chunk, items: index };
  }

  async #nextChunk(batchId: string): Promise<number> {
    let counter = this.#chunkCounters.get(batchId);
    if (counter === undefined) {
      counter = this.#stagedChunks(batchId).then((chunks) => ({ next: chunks.length === 0 ? 0 : chunks[chunks.length - 1]! + 1 }));
      this.#chunkCounters.set(batchId, counter);
    }
    const state = await counter;
    return state.next++;
  }

  async #putChunk(batchId: string, chunk: number, encoded: EncodedChunk, internal: boolean): Promise<void> {
    const batch = this.#db.batch();
    this.#ops.bytes(batch, stagedPricesKey(batchId, chunk), encoded.prices);
    if (encoded.refs.length > 0) this.#ops.json(batch, stagedRefsKey(batchId, chunk), JSON.stringify(encoded.refs));
    else this.#ops.del(batch, stagedRefsKey(batchId, chunk));
    this.#ops.json(batch, stagedCountKey(batchId, chunk), JSON.stringify(encoded.items));
    await batch.write(durability(internal));
    const counter = this.#chunkCounters.get(batchId);
    if (counter !== undefined) {
      const state = await counter;
      state.next = Math.max(state.next, chunk + 1);
    }
  }

  async #commit(batchId: string, reportChunks: boolean, replicated?: { version: number; committedAt: string }, issues?: IssueList): Promise<CommitResult> {
    return this.#writeLock.run(async () => {
      const done = this.#log.batch(batchId);
      if (done !== undefined) return this.#alreadyApplied(done, replicated?.version);
      if ((await this.#meta(batchId)) === undefined) throw unknownBatch(batchId);
      const counts = await rangeJson<number>(this.#db, stagedCountsRange(batchId));
      if (!counts.some(([, items]) => items > 0)) throw emptyBatch(batchId);
      return this.#commitStaged(batchId, reportChunks, replicated, issues);
    });
  }

  /** Commits a batch known to be staged, under the write lock. */
  async #commitStaged(batchId: string, reportChunks: boolean, replicated?: { version: number; committedAt: string }, issues?: IssueList): Promise<CommitResult> {
    const stagedKeys = await rangeKeys(this.#db, stagedBatchRange(batchId));
    return this.#apply(batchId, stagedSource(this.#db, batchId, reportChunks), stagedKeys, replicated, issues);
  }

  /** Applies a batch at the next version, under the write lock; `deleteOnCommit` go with the commit marker. */
  async #apply(batchId: string, source: BatchSource, deleteOnCommit: string[], replicated?: { version: number; committedAt: string }, issues?: IssueList): Promise<CommitResult> {
    const entry = await applyBatch(this.#engineState(), {
      version: this.#nextVersion(replicated?.version),
      batchId,
      source,
      committedAt: replicated?.committedAt ?? new Date().toISOString(),
      deleteOnCommit,
      label: `batch ${batchId}`,
      issues
    });
    this.#chunkCounters.delete(batchId);
    this.#scheduleFold();
    return this.#log.batchResult(entry);
  }

  async #abort(batchId: string): Promise<boolean> {
    if (this.#log.batch(batchId) !== undefined) {
      throw new RatestoreError('RATESTORE_BATCH_COMMITTED', `batch ${batchId} is committed; revert it instead`, { field: 'batchId' });
    }
    if ((await this.#meta(batchId)) === undefined) return false;
    await this.#deleteStaged(batchId);
    return true;
  }

  async #deleteStaged(batchId: string): Promise<void> {
    const keys = await rangeKeys(this.#db, stagedBatchRange(batchId));
    // One atomic write: an abort is acknowledged, so it is fsynced like every acknowledged write.
    const batch = this.#db.batch();
    for (const key of keys) this.#ops.del(batch, key);
    await batch.write(DURABLE);
    this.#chunkCounters.delete(batchId);
  }

  async #staged(batchId: string): Promise<StagedBatchInfo | undefined> {
    const meta = await this.#meta(batchId);
    return meta === undefined ? undefined : this.#stagedInfo(meta);
  }

  async #stagedInfo({ batchId, createdAt }: StagedMeta): Promise<StagedBatchInfo> {
    const counts = await rangeJson<number>(this.#db, stagedCountsRange(batchId));
    return { batchId, createdAt, chunks: await this.#stagedChunks(batchId), items: counts.reduce((sum, [, items]) => sum + items, 0) };
  }

  async #stagedBatches(): Promise<StagedBatchInfo[]> {
    const batches: StagedBatchInfo[] = [];
    for (const meta of await this.#stagedMetas()) batches.push(await this.#stagedInfo(meta));
    return batches;
  }

  /** The meta records of staged batches (their chunks share the range and are not JSON: skip them). */
  async #stagedMetas(): Promise<StagedMeta[]> {
    const keys = await rangeKeys(this.#db, STAGED_RANGE);
    const metas: StagedMeta[] = [];
    for (const key of keys) {
      if (!isStagedMetaKey(key)) continue;
      const meta = await getJson<StagedMeta>(this.#db, key);
      if (meta !== undefined) metas.push(meta);
    }
    return metas;
  }

  async #stagedChunks(batchId: string): Promise<number[]> {
    const keys = await rangeKeys(this.#db, stagedPricesRange(batchId));
    return keys.map(chunkOfStagedKey);
  }

  async #revert(batchId: string, replicated: { version: number; committedAt: string } | undefined): Promise<RevertResult> {
    const batch = this.#log.batch(batchId);
    if (batch === undefined) throw new RatestoreError('RATESTORE_UNKNOWN_BATCH', `batch ${batchId} was never committed`, { field: 'batchId' });
    const done = this.#log.revertOf(batch);
    if (done !== undefined) {
      if (replicated !== undefined && replicated.version !== done.version) throw this.#conflict(replicated.version);
      return revertResult(done);
    }
    if (batch.version <= this.#log.foldedThrough) throw notRetained(batch.version, this.#log.foldedThrough);
    const entry: RevertEntry = {
      kind: 'revert',
      version: this.#nextVersion(replicated?.version),
      txn: this.#nextTxn(),
      batchId,
      revertedVersion: batch.version,
      committedAt: replicated?.committedAt ?? new Date().toISOString()
    };
    const marker = this.#db.batch();
    this.#ops.json(marker, commitKey(entry.version), JSON.stringify(entry));
    this.#ops.json(marker, TXN_KEY, txnValue(entry.txn));
    await marker.write(DURABLE);
    this.#log.add(entry);
    this.#scheduleFold();
    return revertResult(entry);
  }

  async #compact(retain: number): Promise<FoldResult> {
    const horizon = retain === Infinity ? 0 : this.#log.head - retain;
    const result = horizon <= this.#log.foldedThrough
      ? { foldedThrough: this.#log.foldedThrough, removed: 0, written: 0 }
      : await foldHistory(this.#engineState(), horizon);
    await compactAggregates(this.#db);
    return result;
  }

  /** Folds in the background once twice the retained versions have piled up, so folds are rare. */
  #scheduleFold(): void {
    const retain = this.#options.retainVersions;
    if (retain === Infinity || this.#log.head - this.#log.foldedThrough < 2 * retain + 1) return;
    this.#background = this.#background
      .then(() => (this.#status === 'open' ? this.#writeLock.run(() => this.#compact(retain)) : undefined))
      .catch(this.#onBackgroundError);
  }

  #nextVersion(replicated: number | undefined): number {
    const next = this.#log.head + 1;
    if (replicated !== undefined && replicated !== next) throw this.#conflict(replicated);
    return next;
  }

  #alreadyApplied(entry: BatchEntry, replicated: number | undefined): CommitResult {
    if (replicated !== undefined && replicated !== entry.version) throw this.#conflict(replicated);
    return this.#log.batchResult(entry);
  }

  #conflict(version: number): RatestoreError {
    return new RatestoreError('RATESTORE_VERSION_CONFLICT', `version ${version} cannot be applied: the store is at version ${this.#log.head}`, { field: 'version' });
  }

  #checkVersion(asOf: unknown): number {
    if (asOf === undefined) return this.#log.head;
    const version = checkInteger(asOf, 'asOf', 0);
    if (version > this.#log.head) throw new RatestoreError('RATESTORE_UNKNOWN_VERSION', `version ${version} does not exist yet; the latest is ${this.#log.head}`, { field: 'asOf' });
    if (version < this.#log.foldedThrough) throw notRetained(version, this.#log.foldedThrough);
    return version;
  }

  #view(options: VersionOptions) {
    const version = this.#versionOf(options);
    // The head's view is cached: listing ports and regions at the head is the common case.
    return options.asOf === undefined ? this.#catalog.headView() : this.#catalog.view(version);
  }

  /** The version `options.asOf` names, checked; the head when absent. */
  #versionOf(options: VersionOptions): number {
    this.#assertOpen();
    checkObject(options, 'options');
    return options.asOf === undefined ? this.#log.head : this.#checkVersion(options.asOf);
  }

  #track<T>(operation: Promise<T>): Promise<T> {
    this.#inflight.add(operation);
    const forget = (): void => {
      this.#inflight.delete(operation);
    };
    operation.then(forget, forget);
    return operation;
  }

  #assertOpen(): void {
    if (this.#status !== 'open') throw new RatestoreError('RATESTORE_NOT_OPEN', `the store is ${this.#status}; call open() first`);
  }

  #nextTxn(): number {
    return ++this.#lastTxn;
  }

  #engineState(): Engine {
    this.#engine ??= { db: this.#db, log: this.#log, catalog: this.#catalog, options: this.#options, months: new MonthCache(this.#options.readCacheMonths), nextTxn: () => this.#nextTxn() };
    return this.#engine;
  }
}

/** A handle on a staged batch; the same operations are on the store, by batch id. */
export class StagedBatch {
  readonly #store: Ratestore;
  readonly batchId: string;
  /**
   * True when `begin()` staged the batch; false when it resumed one staged before, or the batch is
   * already committed (then `commit()` returns its result).
   */
  readonly created: boolean;

  constructor(store: Ratestore, batchId: string, created: boolean) {
    this.#store = store;
    this.batchId = batchId;
    this.created = created;
  }

  add(items: Iterable<BatchItem> | AsyncIterable<BatchItem>, options?: AddChunkOptions): Promise<AddChunkResult> {
    return this.#store.addChunk(this.batchId, items, options);
  }

  commit(): Promise<CommitResult> {
    return this.#store.commit(this.batchId);
  }

  abort(): Promise<boolean> {
    return this.#store.abort(this.batchId);
  }
}

/**
 * A chunk added with addChunk() is acknowledged to its sender, who may then drop it: it is fsynced.
 * The chunks write() stages are acknowledged to no one (a crash fails the write, and open() drops
 * them), so syncing them would only slow the write; its commit is synced as always.
 */
function durability(internal: boolean): { sync: boolean } {
  return { sync: !internal };
}

function revertResult(entry: RevertEntry): RevertResult {
  return { batchId: entry.batchId, revertedVersion: entry.revertedVersion, version: entry.version, revertedAt: entry.committedAt };
}

/** A batch without a single item would commit a version with nothing in it: refused, nothing written. */
function emptyBatch(batchId: string): RatestoreError {
  return new RatestoreError('RATESTORE_EMPTY_BATCH', `batch ${batchId} has no items; nothing was committed`);
}

function unknownBatch(batchId: string): RatestoreError {
  return new RatestoreError('RATESTORE_UNKNOWN_BATCH', `batch ${batchId} was not begun (or was aborted)`, { field: 'batchId' });
}
