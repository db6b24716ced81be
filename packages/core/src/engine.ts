import type { Db } from './db.js';
import type { LogIndex } from './replica/log-index.js';
import type { Catalog } from './catalog/catalog.js';
import type { MonthCache } from './read/month-cache.js';
import type { CheckpointPlanner } from './maintenance/checkpoint-planner.js';
import type { AggregationWorkers } from './write/aggregation/workers.js';

/** Options after defaults have been applied. */
export interface EngineOptions {
  maxRangeDays: number;
  maxIssues: number;
  maxIssuesPerItem: number;
  chunkSize: number;
  maxCells: number;
  retainVersions: number;
  readCacheMonths: number;
  /** Records of one pair and month since its last checkpoint that make a new one; 0: none. */
  checkpointRecords: number;
  /** Whether commits keep percentile sketches of the prices they add. */
  percentileSketches: boolean;
  /** Worker threads a commit aggregates on; 0: the calling thread. */
  commitWorkers: number;
  /** Where `write()` spills a larger batch's chunks (a temporary file); undefined: into the database. */
  spillDirectory: string | undefined;
}

/** What the write, read and maintenance modules share: the database and the in-memory indexes. */
export interface Engine {
  db: Db;
  /** The entries applied here. */
  index: LogIndex;
  catalog: Catalog;
  options: EngineOptions;
  /** Recently read month aggregates, per pair and version. */
  months: MonthCache;
  /** Which groups are due for a checkpoint. */
  checkpoints: CheckpointPlanner;
  /** The threads commits aggregate on (`commitWorkers`), or undefined to aggregate on the calling thread. */
  aggregationWorkers: AggregationWorkers | undefined;
  /**
   * Reserves the next transaction id. The caller must persist it (`txnRecord`) in the same atomic
   * write as the first thing it writes under that id, so that a crash can never lead to an id whose
   * records survive being handed out again.
   */
  nextTxn(): number;
}
