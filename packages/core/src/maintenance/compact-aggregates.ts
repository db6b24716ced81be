import type { Db } from '../db.js';
import { AGGREGATES_RANGE, HISTORY_RANGE } from '../encoding/keys.js';

/** What classic-level adds to abstract-level for manual compaction; other backends lack it. */
interface CompactableDb {
  compactRange(start: string, end: string): Promise<void>;
}

/**
 * Asks LevelDB to compact the aggregate records (head and history) into as few levels as it can. After a large load
 * or a fold, a read's iterator otherwise merges one source per level-0 file and per level until
 * background compaction catches up; LevelDB leaves a quiet store in that layout. Databases without
 * `compactRange` (memory-level) have nothing to compact.
 */
export async function compactAggregates(db: Db): Promise<void> {
  const compactable = db as unknown as Partial<CompactableDb>;
  // One range from the head to the history: what lies between (the log, reference data) is small.
  if (typeof compactable.compactRange === 'function') await compactable.compactRange(AGGREGATES_RANGE.gte, HISTORY_RANGE.lt);
}
