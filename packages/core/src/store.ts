import { randomUUID } from 'node:crypto';
import { ClassicLevel } from 'classic-level';
import { MemoryLevel } from 'memory-level';
import { RatestoreError, type IssueList } from './errors.js';
import { CLASSIC_OPTIONS, DEFAULT_ENCODINGS, JSON_VALUE, getJson, type Db } from './db.js';
import { LOG_KEY } from './encoding/keys.js';
import type { EngineOptions } from './engine.js';
import type { BatchProposal, CommitLog, LogEntry, LogNode, Proposal } from './log/commit-log.js';
import { LocalCommitLog } from './log/local-log.js';
import { Replica } from './replica/replica.js';
import { Follower } from './replica/follower.js';
import { batchResult, logEntryOf, revertResult, type AppliedBatch, type AppliedEntry, type AppliedRevert } from './replica/log-index.js';
import { LocalStaging } from './staging/local-staging.js';
import { FileSpill } from './staging/file-spill.js';
import { unknownBatch, type AddChunkResult, type StagedBatchInfo, type Staging, type StagingOptions } from './staging/staging.js';
import { checkBatch } from './write/apply-batch.js';
import type { BatchSource } from './staging/batch-source.js';
import { buildTree, childIndex, sorted } from './catalog/catalog.js';
import { readRates, notRetained, revertNotRetained, type RatesRequest } from './read/read-rates.js';
import { widenRates } from './read/widen-rates.js';
import type { FoldResult } from './maintenance/fold-history.js';
import { restoreEntries, type Snapshot, type SnapshotEntries } from './maintenance/snapshot.js';
import { checkBatchId, checkBoolean, checkDay, checkInteger, checkObject, checkPercentiles, checkString, invalid } from './validate/arguments.js';
import { PORT_CODE, REGION_SLUG } from './validate/items.js';
import { DEFAULT_MIN_COUNT, DEFAULT_VERSION_WAIT_MS } from './contract/results.js';
import type {
  AddChunkOptions, BatchItems, CommitOptions, CompactOptions, RatestoreReader, RatestoreWriter, StagedBatchHandle, StoreStatus, WaitOptions, WriteOptions
} from './interfaces.js';
import type {
  BatchInfo, CommitResult, Port, RatesQuery, RatesResult, Region, RegionChildren, RegionNode, RevertResult, VersionOptions
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
  /** How many recent versions stay readable with `asOf` and revertible; older history is folded. Default Infinity (keep all). Ignored with `log`, which keeps its own. */
  retainVersions?: number;
  /**
   * Records of one location pair and month, written since its last checkpoint, that make the store
   * write a new checkpoint in the background, so that reads at the latest version stay flat however
   * many batches touched the month. Default 8; 0 turns checkpoints off.
   */
  checkpointRecords?: number;
  /**
   * Whether commits keep a sketch of each day's prices with its aggregates, for `rates({ percentiles })`.
   * Default true. False makes commits cost and store what they did before percentiles existed
   * (docs/benchmarks.md, "Percentiles"), and the percentiles of a day whose prices it committed
   * null, unless the day's count, min and max imply them (one or two prices, or all equal). Sketches
   * already stored are kept whatever the setting, except in the region roll-ups that a port or
   * region move rebuilds, which it writes without. A store on a shared log should have the same
   * setting on every node, as its answers do.
   */
  percentileSketches?: boolean;
  /**
   * Worker threads a commit aggregates its prices on, each taking a share of the batch's months
   * (months dealt round-robin, so a batch within one month uses one). Default 0: the commit
   * aggregates on the calling thread. With workers the calling thread only reads the batch and
   * writes the records, which keeps it free for queries; on 2 cores that costs commit time rather
   * than saving it (docs/benchmarks.md, "Commits on worker threads"). The threads start with the
   * first commit and stop with `close()`. At most 64.
   */
  commitWorkers?: number;
  /**
   * A directory where `write()` keeps the chunks of a batch larger than `chunkSize` until its commit,
   * in a temporary file (unlinked as soon as it is made, so a crash leaves nothing); `open()` refuses
   * one that is not a directory it may write in (RATESTORE_INVALID_ARGUMENT). Default: none,
   * the chunks are staged in the database as an upload's are. A file is appended once and read once,
   * where the database writes, compacts, memory-maps and deletes them: large writes take less time
   * and far less resident memory (docs/benchmarks.md, "The 10M single batch"). It needs room for the
   * batch's encoded prices (20 bytes each). `ratestore import` uses the store's directory.
   */
  spillDirectory?: string;
  /** Called with errors of background work (folding; checkpoints; following a shared log). Default: `console.error`. */
  onBackgroundError?: (error: unknown) => void;
  /**
   * The commit log the store appends to and applies from. Default: an in-process log of its own.
   * A shared log (cluster mode) makes the store one of several replicas that all apply it.
   */
  log?: CommitLog;
  /**
   * Makes the staging area of uploads in progress, given the store's chunk size and issue cap.
   * Default: staging in the store's own database. Stores on a shared log that take uploads through
   * any of them share one (cluster mode keeps it in PostgreSQL).
   */
  staging?: (options: StagingOptions) => Staging;
}

export interface ApplyOptions {
  /** The version the batch was committed at elsewhere; must be the next version here. */
  version: number;
  batchId: string;
  items: BatchItems;
  /** ISO timestamp of the original commit. Default: now. */
  committedAt?: string;
  /** The fingerprint the batch was committed with (see `WriteOptions.fingerprint`). */
  fingerprint?: string;
}

export interface ApplyRevertOptions {
  /** The version the revert was committed at elsewhere; must be the next version here. */
  version: number;
  batchId: string;
  /** ISO timestamp of the original revert. Default: now. */
  committedAt?: string;
}

/** Chosen by measurement: see docs/benchmarks.md, "Reads as history grows". */
const DEFAULT_CHECKPOINT_RECORDS = 8;

/**
 * A versioned, all-or-nothing store of route prices on an abstract-level database.
 *
 * Its parts: a commit log orders every change; the replica applies log entries, at their versions,
 * to the database (the only way data changes) and answers reads; staging keeps batches that are
 * being uploaded. Every public method checks that the store is open, then validates and normalises
 * its arguments, then hands clean values to the part that does the work.
 */
export class Ratestore implements RatestoreReader, RatestoreWriter {
  readonly #db: Db;
  readonly #options: EngineOptions;
  readonly #onBackgroundError: (error: unknown) => void;
  readonly #replica: Replica;
  readonly #staging: Staging;
  readonly #log: CommitLog;
  readonly #follower: Follower;
  #status: StoreStatus = 'new';
  /** Calls under way; close() lets them finish before it closes the database. */
  readonly #inflight = new Set<Promise<unknown>>();

  constructor(options: RatestoreOptions = {}) {
    checkObject(options, 'options');
    this.#db = options.db ?? (options.memory === true
      ? (new MemoryLevel<string, Uint8Array>(DEFAULT_ENCODINGS) as unknown as Db)
      : (new ClassicLevel<string, Uint8Array>(options.location ?? './data', CLASSIC_OPTIONS) as unknown as Db));
    this.#options = {
      maxRangeDays: checkInteger(options.maxRangeDays ?? 366, 'maxRangeDays', 1),
      maxIssues: checkInteger(options.maxIssues ?? 100, 'maxIssues', 1),
      maxIssuesPerItem: checkInteger(options.maxIssuesPerItem ?? 10, 'maxIssuesPerItem', 1),
      chunkSize: checkInteger(options.chunkSize ?? 50_000, 'chunkSize', 1),
      maxCells: checkInteger(options.maxCells ?? 1_000_000, 'maxCells', 1),
      readCacheMonths: checkInteger(options.readCacheMonths ?? 4096, 'readCacheMonths', 0),
      retainVersions: options.retainVersions === undefined || options.retainVersions === Infinity ? Infinity : checkInteger(options.retainVersions, 'retainVersions', 0),
      checkpointRecords: checkInteger(options.checkpointRecords ?? DEFAULT_CHECKPOINT_RECORDS, 'checkpointRecords', 0, 0xffff),
      percentileSketches: checkBoolean(options.percentileSketches ?? true, 'percentileSketches'),
      commitWorkers: checkInteger(options.commitWorkers ?? 0, 'commitWorkers', 0, 64),
      spillDirectory: options.spillDirectory === undefined ? undefined : checkString(options.spillDirectory, 'spillDirectory')
    };
    this.#onBackgroundError = options.onBackgroundError ?? ((error) => console.error('ratestore: background work failed', error));
    this.#replica = new Replica(this.#db, this.#options, this.#onBackgroundError);
    this.#staging = options.staging?.(this.#options) ?? new LocalStaging(this.#db, this.#options);
    this.#log = options.log ?? new LocalCommitLog({ retainVersions: this.#options.retainVersions, onBackgroundError: this.#onBackgroundError });
    this.#follower = new Follower(this.#log, this.#node(), this.#onBackgroundError);
  }

  /** 'new', 'opening', 'open', 'closing' or 'closed'. */
  get status(): StoreStatus {
    return this.#status;
  }

  /** The latest version applied; 0 for an empty store. */
  get version(): number {
    return this.#replica.version;
  }

  /** The oldest version still readable with `asOf` (history before it has been folded). */
  get retainedFrom(): number {
    return this.#replica.retainedFrom;
  }

  /** The underlying database. */
  get db(): Db {
    return this.#db;
  }

  /**
   * Opens the database, loads what it holds, drops what a crashed `write()` staged, and catches up
   * with the log.
   */
  async open(): Promise<void> {
    if (this.#status !== 'new') throw invalid('status', `is ${this.#status}; a store opens once`);
    this.#status = 'opening';
    try {
      await this.#db.open();
      if (this.#options.spillDirectory !== undefined) await FileSpill.checkDirectory(this.#options.spillDirectory);
      await this.#replica.load();
      await this.#staging.open();
      await this.#log.open(this.#node());
      await this.#checkLog();
      await this.#follower.catchUp();
      this.#follower.start();
      this.#status = 'open';
    } catch (error) {
      this.#status = 'closed';
      await this.#follower.stop();
      await this.#log.close().catch(() => undefined);
      await this.#db.close().catch(() => undefined);
      throw error;
    }
  }

  /**
   * Loads a snapshot (see `snapshot()`) into the store's database, which must be empty: how a new
   * replica starts near the head of a long log. Call it before `open()`, which then applies the log's
   * entries after the snapshot's version.
   */
  async restore(entries: SnapshotEntries): Promise<number> {
    if (this.#status !== 'new') throw invalid('status', `is ${this.#status}; restore() comes before open()`);
    await this.#db.open();
    try {
      for await (const _ of this.#db.keys({ limit: 1, keyEncoding: 'utf8' })) throw invalid('db', 'is not empty: a snapshot is restored into an empty database');
      return await restoreEntries(this.#db, entries);
    } finally {
      await this.#db.close();
    }
  }

  /** Waits for calls under way and background work, then closes the database. */
  async close(): Promise<void> {
    if (this.#status === 'closed' || this.#status === 'closing') return;
    this.#status = 'closing';
    while (this.#inflight.size > 0) await Promise.allSettled([...this.#inflight]);
    await this.#follower.stop();
    await this.#log.close();
    await this.#replica.close();
    await this.#db.close();
    this.#status = 'closed';
  }

  /**
   * Writes a whole batch in one call, all or nothing. Items are streamed into staged chunks on disk,
   * so the batch is never held in memory; a batch with bad items writes nothing and is rejected with
   * `RATESTORE_INVALID_BATCH` listing them (index = position in `items`).
   */
  async write(items: BatchItems, options: WriteOptions = {}): Promise<CommitResult> {
    this.#assertOpen();
    checkObject(options, 'options');
    const batchId = options.batchId === undefined ? randomUUID() : checkBatchId(options.batchId);
    const { fingerprint } = options;
    if (typeof fingerprint !== 'function') checkFingerprint(fingerprint);
    return this.#track(this.#staging.exclusive(batchId, () => this.#write(items, batchId, fingerprint)));
  }

  /** Starts a staged batch, or resumes one staged before (also after a restart). */
  async begin(batchId: string): Promise<StagedBatch> {
    this.#assertOpen();
    checkBatchId(batchId);
    const created = await this.#track(this.#staging.exclusive(batchId, async () => this.#replica.index.batch(batchId) === undefined && this.#staging.begin(batchId)));
    return new StagedBatch(this, batchId, created);
  }

  /** Validates and stages one chunk of a batch begun with `begin()`. Nothing is visible until commit. */
  async addChunk(batchId: string, items: BatchItems, options: AddChunkOptions = {}): Promise<AddChunkResult> {
    this.#assertOpen();
    checkBatchId(batchId);
    checkObject(options, 'options');
    const chunk = options.chunk === undefined ? undefined : checkInteger(options.chunk, 'chunk', 0, 0xffff_fffe);
    return this.#track(this.#staging.shared(batchId, () => {
      this.#refuseCommitted(batchId, 'is already committed');
      return this.#staging.add(batchId, items, chunk);
    }));
  }

  /**
   * Commits a staged batch: checks it as a whole, writes it, and makes it visible in one atomic
   * write. Committing a committed batch returns its first result and writes nothing.
   */
  async commit(batchId: string, options: CommitOptions = {}): Promise<CommitResult> {
    this.#assertOpen();
    checkBatchId(batchId);
    checkObject(options, 'options');
    const fingerprint = checkFingerprint(options.fingerprint);
    const maxItems = options.maxItems === undefined ? Infinity : checkInteger(options.maxItems, 'maxItems', 1);
    return this.#track(this.#staging.exclusive(batchId, () => this.#commitStaged(batchId, fingerprint, maxItems)));
  }

  /** Drops a staged batch. Resolves false when there was none; a committed batch cannot be aborted. */
  async abort(batchId: string): Promise<boolean> {
    this.#assertOpen();
    checkBatchId(batchId);
    return this.#track(this.#staging.exclusive(batchId, async () => {
      this.#refuseCommitted(batchId, 'is committed; revert it instead');
      if (await this.#staging.abort(batchId)) return true;
      if ((await this.#latestBatch(batchId)) !== undefined) this.#refuseCommitted(batchId, 'is committed; revert it instead');
      return false;
    }));
  }

  /** A staged batch's chunks, or undefined. */
  async staged(batchId: string): Promise<StagedBatchInfo | undefined> {
    this.#assertOpen();
    checkBatchId(batchId);
    return this.#track(this.#staging.info(batchId));
  }

  /** Every staged (begun, not committed nor aborted) batch. */
  async stagedBatches(): Promise<StagedBatchInfo[]> {
    this.#assertOpen();
    return this.#track(this.#staging.list());
  }

  /**
   * Reverts a committed batch: a new version without any of its prices. Reverting again returns the
   * first result. Ports and regions the batch added or changed stay as they are.
   */
  async revert(batchId: string): Promise<RevertResult> {
    this.#assertOpen();
    checkBatchId(batchId);
    return this.#track(this.#revert(batchId));
  }

  /**
   * Replication seam: applies a batch that was committed elsewhere at `version`, which must be the
   * next version here. Applying the same batch at the same version again returns the first result.
   */
  async applyCommitted(options: ApplyOptions): Promise<CommitResult> {
    this.#assertOpen();
    checkObject(options, 'options');
    const entry = this.#replicatedEntry('batch', options);
    const fingerprint = checkFingerprint(options.fingerprint);
    if (fingerprint !== undefined) entry.fingerprint = fingerprint;
    return this.#track(this.#staging.exclusive(entry.batchId, () => this.#applyCommitted(entry, options.items)));
  }

  /** Replication seam for reverts: applies a revert committed elsewhere at `version`. */
  async applyRevert(options: ApplyRevertOptions): Promise<RevertResult> {
    this.#assertOpen();
    checkObject(options, 'options');
    const entry = this.#replicatedEntry('revert', options);
    return this.#track(this.#applyRevert(entry));
  }

  /**
   * A consistent copy of the applied data (everything but staged uploads) at the version applied now:
   * restore it into an empty database with `restore()` to start a new replica. The copy is read from
   * one database snapshot, so the store goes on applying and answering while it is read; read its
   * `entries` to the end (or break out of the loop) so that the snapshot is released.
   */
  async snapshot(): Promise<Snapshot> {
    this.#assertOpen();
    return this.#track(this.#replica.snapshot());
  }

  /** Resolves true once `version` is applied here (at once if it is), false after `timeoutMs` (default 5,000). */
  async waitForVersion(version: number, options: WaitOptions = {}): Promise<boolean> {
    this.#assertOpen();
    checkInteger(version, 'version', 0);
    checkObject(options, 'options');
    const timeoutMs = checkInteger(options.timeoutMs ?? DEFAULT_VERSION_WAIT_MS, 'timeoutMs', 0);
    return this.#replica.reached(version, timeoutMs);
  }

  /** Daily average, count, min and max of the prices from `origin` to `destination`, one row per day. */
  async rates(query: RatesQuery): Promise<RatesResult> {
    const request = this.#ratesRequest(query);
    return this.#track(request.widen ? widenRates(this.#replica.engine, request) : readRates(this.#replica.engine, request));
  }

  /**
   * Throws what `rates(query)` would throw for a bad query (its dates, range, `minCount`,
   * `percentiles`, `asOf`, locations), without reading any data: a caller can tell a bad query from a
   * good one before it answers from a cache.
   */
  checkRates(query: RatesQuery): void {
    this.#ratesRequest(query);
  }

  /** A rates query, checked and normalised. */
  #ratesRequest(query: RatesQuery): RatesRequest {
    this.#assertOpen();
    checkObject(query, 'query');
    const from = checkDay(query.dateFrom, 'dateFrom');
    const to = checkDay(query.dateTo, 'dateTo');
    if (from > to) throw new RatestoreError('RATESTORE_DATE_RANGE_REVERSED', `dateFrom ${query.dateFrom} is after dateTo ${query.dateTo}`, { field: 'dateFrom' });
    if (to - from + 1 > this.#options.maxRangeDays) {
      throw new RatestoreError('RATESTORE_RANGE_TOO_LONG', `the range spans ${to - from + 1} days; at most ${this.#options.maxRangeDays} are allowed`, { field: 'dateTo' });
    }
    const minCount = checkInteger(query.minCount ?? DEFAULT_MIN_COUNT, 'minCount', 1);
    const widen = checkBoolean(query.widen ?? false, 'widen');
    const percentiles = query.percentiles === undefined ? undefined : checkPercentiles(query.percentiles);
    const version = this.#checkVersion(query.asOf);
    for (const field of ['origin', 'destination'] as const) {
      const location = query[field];
      if (typeof location !== 'string' || this.#replica.catalog.kindOf(location, version) === undefined) {
        throw new RatestoreError('RATESTORE_UNKNOWN_LOCATION', `${field} ${JSON.stringify(location) ?? 'nothing'} is neither a port code nor a region slug${query.asOf === undefined ? '' : ` at version ${version}`}`, { field });
      }
    }
    return { from, to, origin: query.origin, destination: query.destination, minCount, version, widen, ...(percentiles === undefined ? {} : { percentiles }) };
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
    this.#assertOpen();
    if (typeof code !== 'string' || !PORT_CODE.test(code)) throw invalid('code', 'must be 5 letters A-Z');
    return this.#replica.catalog.port(code, this.#versionOf(options));
  }

  region(slug: string, options: VersionOptions = {}): Region | undefined {
    this.#assertOpen();
    if (typeof slug !== 'string' || !REGION_SLUG.test(slug)) throw invalid('slug', 'must match [a-z0-9_]{1,64}');
    return this.#replica.catalog.region(slug, this.#versionOf(options));
  }

  /**
   * The codes of the ports directly in a region and the slugs of its direct sub-regions, both sorted;
   * undefined when there is no such region (at `asOf`).
   */
  regionChildren(slug: string, options: VersionOptions = {}): RegionChildren | undefined {
    this.#assertOpen();
    if (typeof slug !== 'string' || !REGION_SLUG.test(slug)) throw invalid('slug', 'must match [a-z0-9_]{1,64}');
    const version = this.#versionOf(options);
    const catalog = this.#replica.catalog;
    if (catalog.region(slug, version) === undefined) return undefined;
    const children = (options.asOf === undefined ? catalog.headChildren() : childIndex(catalog.view(version))).get(slug);
    return { ports: [...(children?.ports ?? [])], regions: [...(children?.regions ?? [])] };
  }

  /** The region tree: top-level regions with their ports and sub-regions. */
  tree(options: VersionOptions = {}): RegionNode[] {
    return buildTree(this.#view(options));
  }

  /** The batch log, in version order. */
  batches(): BatchInfo[] {
    this.#assertOpen();
    const index = this.#replica.index;
    return [...index.batches()].map((entry) => index.batchInfo(entry));
  }

  batch(batchId: string): BatchInfo | undefined {
    this.#assertOpen();
    checkBatchId(batchId);
    const index = this.#replica.index;
    const entry = index.batch(batchId);
    return entry === undefined ? undefined : index.batchInfo(entry);
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
    return this.#track(this.#log.retain(retain === Infinity ? 0 : Math.max(0, this.#replica.version - retain)));
  }

  async #write(items: BatchItems, batchId: string, fingerprint: WriteOptions['fingerprint']): Promise<CommitResult> {
    const done = this.#replica.index.batch(batchId);
    if (done !== undefined) return replayed(batchResult(done));
    // What an earlier write of this id staged and could not clean up is no upload: its retry goes on.
    if ((await this.#staging.has(batchId)) && !(await this.#staging.dropAbandonedWrite(batchId))) {
      throw new RatestoreError('RATESTORE_INVALID_ARGUMENT', `batch ${batchId} is staged; commit or abort it, or use another batch id`, { field: 'batchId' });
    }
    const collected = await this.#staging.collect(batchId, items);
    try {
      const resolved = checkFingerprint(typeof fingerprint === 'function' ? fingerprint() : fingerprint);
      return await this.#commit({ kind: 'batch', batchId, source: collected.source, issues: collected.issues, ...(resolved === undefined ? {} : { fingerprint: resolved }) });
    } finally {
      await collected.discard();
    }
  }

  async #commitStaged(batchId: string, fingerprint: string | undefined, maxItems: number): Promise<CommitResult> {
    const done = this.#replica.index.batch(batchId);
    if (done !== undefined) return replayed(batchResult(done));
    if (!(await this.#staging.has(batchId))) {
      const committed = await this.#latestBatch(batchId);
      if (committed !== undefined) return replayed(batchResult(committed));
      throw unknownBatch(batchId);
    }
    if (maxItems !== Infinity) {
      const items = (await this.#staging.info(batchId))?.items ?? 0;
      if (items > maxItems) throw new RatestoreError('RATESTORE_TOO_MANY_ITEMS', `batch ${batchId} holds ${items} items; it may hold at most ${maxItems}`, { field: 'batchId' });
    }
    const result = await this.#commit({ kind: 'batch', batchId, source: this.#staging.source(batchId), ...(fingerprint === undefined ? {} : { fingerprint }) });
    await this.#staging.delete(batchId);
    return result;
  }

  /**
   * A batch as applied here once the store has applied the whole log: on a shared log, a batch that
   * is no longer staged may have just been committed through another store (whose commit held the
   * batch's lock until its entry was in the log).
   */
  async #latestBatch(batchId: string): Promise<AppliedBatch | undefined> {
    await this.#follower.catchUp();
    return this.#replica.index.batch(batchId);
  }

  /** Appends a batch; the log finds a replay (the id committed already, through any store on it) under its lock. */
  async #commit(proposal: BatchProposal): Promise<CommitResult> {
    const appended = await this.#log.append(proposal);
    const result = batchResult(this.#replica.index.batch(appended.entry.batchId)!);
    return appended.replayed ? replayed(result) : result;
  }

  async #revert(batchId: string): Promise<RevertResult> {
    const appended = await this.#log.append({ kind: 'revert', batchId });
    const index = this.#replica.index;
    const result = revertResult(index.revertOf(index.batch(batchId)!)!);
    return appended.replayed ? replayed(result) : result;
  }

  async #applyCommitted(entry: LogEntry, items: BatchItems): Promise<CommitResult> {
    // Refuse a batch out of order before staging any of it (checked again as it is applied).
    const done = this.#replica.replayOf(entry);
    if (done?.kind === 'batch') return batchResult(done);
    if (await this.#staging.has(entry.batchId)) {
      throw new RatestoreError('RATESTORE_INVALID_ARGUMENT', `batch ${entry.batchId} is staged; commit or abort it, or use another batch id`, { field: 'batchId' });
    }
    const collected = await this.#staging.collect(entry.batchId, items);
    try {
      return batchResult((await this.#applyReplicated(entry, collected.source, collected.issues)) as AppliedBatch);
    } finally {
      // Staged chunks went with the applied batch (its staged keys); a spill file is closed here.
      await collected.discard();
    }
  }

  async #applyRevert(entry: LogEntry): Promise<RevertResult> {
    return revertResult((await this.#applyReplicated(entry, undefined)) as AppliedRevert);
  }

  /** An entry committed elsewhere, recorded in this store's own log at its version. */
  #applyReplicated(entry: LogEntry, source: BatchSource | undefined, issues?: IssueList): Promise<AppliedEntry> {
    const log = this.#log;
    if (!(log instanceof LocalCommitLog)) throw invalid('log', 'is shared: a store on a shared log applies what the log hands it, not applyCommitted() or applyRevert()');
    return log.appendApplied(() => this.#replica.apply(entry, source, issues));
  }

  /**
   * Admission, under the log's lock at its head: the replay of an entry the log holds, or every
   * check that can refuse the proposal, so that no replica can refuse what the log accepts.
   */
  async #admit(proposal: Proposal, head: number): Promise<LogEntry | undefined> {
    await this.#follower.catchUp(head);
    const index = this.#replica.index;
    const batch = index.batch(proposal.batchId);
    if (proposal.kind === 'batch') {
      if (batch !== undefined) return logEntryOf(batch);
      await checkBatch(this.#replica.engine, proposal.source, `batch ${proposal.batchId}`, proposal.issues);
      return undefined;
    }
    if (batch === undefined) throw new RatestoreError('RATESTORE_UNKNOWN_BATCH', `batch ${proposal.batchId} was never committed`, { field: 'batchId' });
    const revert = index.revertOf(batch);
    if (revert !== undefined) return logEntryOf(revert);
    const horizon = Math.max((await this.#log.retention()).foldedThrough, this.#replica.retainedFrom);
    if (batch.version <= horizon) throw revertNotRetained(batch.batchId, batch.version, horizon);
    return undefined;
  }

  /**
   * Refuses a database that is no replica of a shared log: one that follows another log, one written
   * without it, one ahead of it, or one whose last entry is not the log's (written on its own since).
   */
  async #checkLog(): Promise<void> {
    const id = this.#log.id;
    if (id === undefined) return;
    const version = this.#replica.version;
    const recorded = await getJson<string>(this.#db, LOG_KEY);
    if (recorded !== undefined && recorded !== id) throw logMismatch(`the database follows log ${recorded}, not ${id}`);
    if (recorded === undefined && version > 0) throw logMismatch(`the database holds ${version} versions written without log ${id}`);
    const head = await this.#log.head();
    if (version > head) throw logMismatch(`the database is at version ${version}, ahead of log ${id} (at ${head})`);
    if (version > 0) {
      const mine = logEntryOf(this.#replica.index.at(version)!);
      for await (const { entry } of this.#log.read(version - 1)) {
        if (entry.kind !== mine.kind || entry.batchId !== mine.batchId || entry.committedAt !== mine.committedAt) {
          throw logMismatch(`the database's version ${version} (${mine.kind} ${mine.batchId}) is not the log's (${entry.kind} ${entry.batchId}): it was written without the log`);
        }
        break;
      }
    }
    if (recorded === undefined) await this.#db.put(LOG_KEY, JSON.stringify(id), JSON_VALUE);
  }

  /** What the log calls back: admission, applying, folding, and where this node stands. */
  #node(): LogNode {
    const replica = this.#replica;
    return {
      get version() {
        return replica.version;
      },
      get foldedThrough() {
        return replica.foldedThrough;
      },
      admit: (proposal, head) => this.#admit(proposal, head),
      apply: async (entry, source) => {
        await replica.apply(entry, source);
      },
      fold: (retention, raised) => replica.fold(retention, raised)
    };
  }

  #replicatedEntry(kind: LogEntry['kind'], options: { version: unknown; batchId: unknown; committedAt?: unknown }): LogEntry {
    const version = checkInteger(options.version, 'version', 1, 0xffff_fffe);
    const batchId = checkBatchId(options.batchId);
    const committedAt = options.committedAt ?? new Date().toISOString();
    if (typeof committedAt !== 'string' || Number.isNaN(Date.parse(committedAt))) throw invalid('committedAt', 'must be an ISO timestamp');
    return { kind, version, batchId, committedAt };
  }

  #refuseCommitted(batchId: string, what: string): void {
    if (this.#replica.index.batch(batchId) !== undefined) {
      throw new RatestoreError('RATESTORE_BATCH_COMMITTED', `batch ${batchId} ${what}`, { field: 'batchId' });
    }
  }

  #checkVersion(asOf: unknown): number {
    const head = this.#replica.version;
    if (asOf === undefined) return head;
    const version = checkInteger(asOf, 'asOf', 0);
    if (version > head) throw new RatestoreError('RATESTORE_UNKNOWN_VERSION', `version ${version} does not exist yet; the latest is ${head}`, { field: 'asOf' });
    if (version < this.#replica.retainedFrom) throw notRetained(version, this.#replica.retainedFrom);
    return version;
  }

  #view(options: VersionOptions) {
    const version = this.#versionOf(options);
    // The head's view is cached: listing ports and regions at the head is the common case.
    return options.asOf === undefined ? this.#replica.catalog.headView() : this.#replica.catalog.view(version);
  }

  /** The version `options.asOf` names, checked; the head when absent. */
  #versionOf(options: VersionOptions): number {
    this.#assertOpen();
    checkObject(options, 'options');
    return this.#checkVersion(options.asOf);
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
}

/** A fingerprint is an opaque string of 1-1024 characters, or absent. */
function checkFingerprint(fingerprint: unknown): string | undefined {
  if (fingerprint === undefined) return undefined;
  if (typeof fingerprint !== 'string' || fingerprint.length === 0 || fingerprint.length > 1024) throw invalid('fingerprint', 'must be a string of 1-1024 characters');
  return fingerprint;
}

/** The first result of a write, commit or revert, returned again to a call that changed nothing. */
function replayed<T extends CommitResult | RevertResult>(result: T): T {
  return { ...result, replayed: true };
}

function logMismatch(reason: string): RatestoreError {
  return new RatestoreError('RATESTORE_LOG_MISMATCH', `${reason}; start this node on an empty data directory to make a new replica`, { field: 'log' });
}

/** A handle on a staged batch; the same operations are on the store, by batch id. */
export class StagedBatch implements StagedBatchHandle {
  readonly #store: RatestoreWriter;
  readonly batchId: string;
  /**
   * True when `begin()` staged the batch; false when it resumed one staged before, or the batch is
   * already committed (then `commit()` returns its result).
   */
  readonly created: boolean;

  constructor(store: RatestoreWriter, batchId: string, created: boolean) {
    this.#store = store;
    this.batchId = batchId;
    this.created = created;
  }

  add(items: BatchItems, options?: AddChunkOptions): Promise<AddChunkResult> {
    return this.#store.addChunk(this.batchId, items, options);
  }

  commit(options?: CommitOptions): Promise<CommitResult> {
    return this.#store.commit(this.batchId, options);
  }

  abort(): Promise<boolean> {
    return this.#store.abort(this.batchId);
  }
}
