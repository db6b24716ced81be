import { YIELD_EVERY, yieldToEventLoop } from '../util/yield.js';

const EMPTY = -1;
const INITIAL_CAPACITY = 1 << 12;

/**
 * A hash table from a numeric cell key (an integer below 2^53) to (count, sum, min, max), with open
 * addressing over typed arrays. A commit aggregates millions of cells: a Map of that size costs
 * several times the memory, and each of its rehashes blocks the event loop for tens of
 * milliseconds, where rehashing these arrays takes a few.
 */
export class CellTable {
  #capacity = INITIAL_CAPACITY;
  #size = 0;
  #keys = new Float64Array(INITIAL_CAPACITY).fill(EMPTY);
  #count = new Uint32Array(INITIAL_CAPACITY);
  #sum = new Float64Array(INITIAL_CAPACITY);
  #min = new Uint32Array(INITIAL_CAPACITY);
  #max = new Uint32Array(INITIAL_CAPACITY);

  get size(): number {
    return this.#size;
  }

  add(key: number, count: number, sum: number, min: number, max: number): void {
    const slot = this.#find(key);
    if (this.#keys[slot] === EMPTY) {
      this.#keys[slot] = key;
      this.#count[slot] = count;
      this.#sum[slot] = sum;
      this.#min[slot] = min;
      this.#max[slot] = max;
      // Keep the load factor at most one half so probe runs stay short.
      if (++this.#size * 2 > this.#capacity) this.#grow();
    } else {
      this.#count[slot]! += count;
      this.#sum[slot]! += sum;
      if (min < this.#min[slot]!) this.#min[slot] = min;
      if (max > this.#max[slot]!) this.#max[slot] = max;
    }
  }

  /**
   * Visits every cell. Every few thousand cells it lets the event loop run, and calls `pause` if
   * given (where the caller may write out what it built); the table must not change meanwhile.
   */
  async forEach(visit: (key: number, count: number, sum: number, min: number, max: number) => void, pause?: () => Promise<void>): Promise<void> {
    const keys = this.#keys;
    let visited = 0;
    for (let slot = 0; slot < this.#capacity; slot++) {
      const key = keys[slot]!;
      if (key === EMPTY) continue;
      if (++visited % YIELD_EVERY === 0) {
        await yieldToEventLoop();
        if (pause !== undefined) await pause();
      }
      visit(key, this.#count[slot]!, this.#sum[slot]!, this.#min[slot]!, this.#max[slot]!);
    }
    if (pause !== undefined) await pause();
  }

  /** Empties the table, keeping its capacity for the next round. */
  clear(): void {
    this.#keys.fill(EMPTY);
    this.#size = 0;
  }

  #find(key: number): number {
    const mask = this.#capacity - 1;
    // Keys are pair * 2^19 + day, so their low bits say only the day: both halves are mixed
    // (murmur3's finalizer) so that every bit of the key reaches the slot's bits.
    let h = (key >>> 0) ^ Math.imul(Math.floor(key / 4294967296), 0x9e3779b1);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    let slot = h & mask;
    const keys = this.#keys;
    while (keys[slot] !== EMPTY && keys[slot] !== key) slot = (slot + 1) & mask;
    return slot;
  }

  #grow(): void {
    const keys = this.#keys;
    const count = this.#count;
    const sum = this.#sum;
    const min = this.#min;
    const max = this.#max;
    const old = this.#capacity;
    this.#capacity = old * 2;
    this.#keys = new Float64Array(this.#capacity).fill(EMPTY);
    this.#count = new Uint32Array(this.#capacity);
    this.#sum = new Float64Array(this.#capacity);
    this.#min = new Uint32Array(this.#capacity);
    this.#max = new Uint32Array(this.#capacity);
    for (let slot = 0; slot < old; slot++) {
      const key = keys[slot]!;
      if (key === EMPTY) continue;
      const into = this.#find(key);
      this.#keys[into] = key;
      this.#count[into] = count[slot]!;
      this.#sum[into] = sum[slot]!;
      this.#min[into] = min[slot]!;
      this.#max[into] = max[slot]!;
    }
  }
}
