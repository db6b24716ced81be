import { LRUCache } from 'lru-cache';
import type { MonthAggregates } from '../encoding/record-codec.js';

/**
 * Merged month aggregates of one location pair as read at one version. Records visible at a version
 * never change (a fold rewrites them into equal ones), so an entry stays true for its version and
 * needs no invalidation; entries of older versions simply stop being asked for and age out.
 * Queries over overlapping date windows of the same pairs then skip LevelDB altogether.
 */
export class MonthCache {
  /** Least recently used first out; undefined when the cache is off (capacity 0). */
  readonly #entries: LRUCache<string, MonthAggregates> | undefined;

  constructor(capacity: number) {
    this.#entries = capacity === 0 ? undefined : new LRUCache({ max: capacity });
  }

  /** With `sketches`, the months as merged with their bins (percentile reads); those without never hold them. */
  static key(version: number, group: string, sketches = false): string {
    return sketches ? `${version}\0${group}\0p` : `${version}\0${group}`;
  }

  get(key: string): MonthAggregates | undefined {
    return this.#entries?.get(key);
  }

  set(key: string, month: MonthAggregates): void {
    this.#entries?.set(key, month);
  }
}
