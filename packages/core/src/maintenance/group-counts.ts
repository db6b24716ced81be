import { hash } from '../write/month-slots.js';

const EMPTY = -1;
const MAX_COUNT = 0xffff;

/**
 * A count per key (an integer below 2^53, e.g. a location pair in one month), in typed arrays: a
 * store may hold millions of groups, and a Map of numbers costs about 45 bytes an entry against 10
 * here (keys and counts, the table at most half full). Open addressing with linear probing; a count
 * is set back to 0 rather than deleted, and keys at 0 are dropped whenever the table is rebuilt.
 */
export class GroupCounts {
  #keys = new Float64Array(1024).fill(EMPTY);
  #counts = new Uint16Array(1024);
  #size = 0;

  /** Keys held, some perhaps at 0. */
  get size(): number {
    return this.#size;
  }

  /** Adds `by` to the count of `key`; returns the new count (it stops at 65,535). */
  add(key: number, by = 1): number {
    const at = this.#find(key);
    if (this.#keys[at] === EMPTY) {
      this.#keys[at] = key;
      this.#size++;
    }
    const count = Math.min(MAX_COUNT, this.#counts[at]! + by);
    this.#counts[at] = count;
    if (this.#size * 2 > this.#keys.length) this.#rebuild(this.#keys.length * 2, 1);
    return count;
  }

  get(key: number): number {
    const at = this.#find(key);
    return this.#keys[at] === EMPTY ? 0 : this.#counts[at]!;
  }

  /** Sets the count of `key` back to 0. */
  reset(key: number): void {
    const at = this.#find(key);
    if (this.#keys[at] !== EMPTY) this.#counts[at] = 0;
  }

  /** Drops every key whose count is below `min`, and shrinks the table to what is left. */
  dropBelow(min: number): void {
    let kept = 0;
    for (let at = 0; at < this.#keys.length; at++) if (this.#keys[at] !== EMPTY && this.#counts[at]! >= min) kept++;
    let capacity = 1024;
    while (capacity < kept * 2) capacity *= 2;
    this.#rebuild(capacity, min);
  }

  /** The bucket of `key`, or the empty one where it would go. */
  #find(key: number): number {
    const mask = this.#keys.length - 1;
    let at = hash(key) & mask;
    while (this.#keys[at] !== EMPTY && this.#keys[at] !== key) at = (at + 1) & mask;
    return at;
  }

  /** Moves the keys whose count is at least `min` into a table of `capacity` buckets (a power of two). */
  #rebuild(capacity: number, min: number): void {
    const keys = this.#keys;
    const counts = this.#counts;
    this.#keys = new Float64Array(capacity).fill(EMPTY);
    this.#counts = new Uint16Array(capacity);
    this.#size = 0;
    for (let at = 0; at < keys.length; at++) {
      if (keys[at] === EMPTY || counts[at]! < min) continue;
      const into = this.#find(keys[at]!);
      this.#keys[into] = keys[at]!;
      this.#counts[into] = counts[at]!;
      this.#size++;
    }
  }
}
