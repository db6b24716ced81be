import type { MonthAggregates } from '../encoding/record-codec.js';

/**
 * Merged month aggregates of one location pair as read at one version. Records visible at a version
 * never change (a fold rewrites them into equal ones), so an entry stays true for its version and
 * needs no invalidation; entries of older versions simply stop being asked for and age out.
 * Queries over overlapping date windows of the same pairs then skip LevelDB altogether.
 */
export class MonthCache {
  readonly #capacity: number;
  readonly #entries = new Map<string, MonthAggregates>();

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  static key(version: number, group: string): string {
    return `${version}\0${group}`;
  }

  get(key: string): MonthAggregates | undefined {
    const entry = this.#entries.get(key);
    if (entry !== undefined) {
      // Map keeps insertion order: re-inserting makes this the most recently used.
      this.#entries.delete(key);
      this.#entries.set(key, entry);
    }
    return entry;
  }

  set(key: string, month: MonthAggregates): void {
    if (this.#capacity === 0) return;
    if (this.#entries.size >= this.#capacity) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(key, month);
  }
}
