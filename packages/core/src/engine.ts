import type { Db } from './db.js';
import type { CommitLog } from './log/commit-log.js';
import type { Catalog } from './catalog/catalog.js';

/** Options after defaults have been applied. */
export interface EngineOptions {
  maxRangeDays: number;
  maxIssues: number;
  chunkSize: number;
  maxCells: number;
  retainVersions: number;
}

/** What the write, read and maintenance modules share: the database and the in-memory indexes. */
export interface Engine {
  db: Db;
  log: CommitLog;
  catalog: Catalog;
  options: EngineOptions;
  /** Reserves a transaction id, durably, so that a crashed commit's id is never used again. */
  allocateTxn(): Promise<number>;
}
