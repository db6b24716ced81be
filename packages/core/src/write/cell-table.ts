/**
 * A hash table from a numeric cell key to (count, sum, min, max), kept in typed arrays: a commit
 * aggregates millions of cells, and a Map of objects would cost several times the memory.
 */
export class CellTable {
  readonly #slots = new Map<number, number>();
  #count = new Uint32Array(1024);
  #sum = new Float64Array(1024);
  #min = new Uint32Array(1024);
  #max = new Uint32Array(1024);

  get size(): number {
    return this.#slots.size;
  }

  add(key: number, count: number, sum: number, min: number, max: number): void {
    const slot = this.#slots.get(key);
    if (slot === undefined) {
      const next = this.#slots.size;
      if (next === this.#count.length) this.#grow();
      this.#slots.set(key, next);
      this.#count[next] = count;
      this.#sum[next] = sum;
      this.#min[next] = min;
      this.#max[next] = max;
    } else {
      this.#count[slot]! += count;
      this.#sum[slot]! += sum;
      if (min < this.#min[slot]!) this.#min[slot] = min;
      if (max > this.#max[slot]!) this.#max[slot] = max;
    }
  }

  /** Visits every cell in ascending key order. */
  forEachSorted(visit: (key: number, count: number, sum: number, min: number, max: number) => void): void {
    const keys = new Float64Array(this.#slots.size);
    let i = 0;
    for (const key of this.#slots.keys()) keys[i++] = key;
    keys.sort();
    for (const key of keys) {
      const slot = this.#slots.get(key)!;
      visit(key, this.#count[slot]!, this.#sum[slot]!, this.#min[slot]!, this.#max[slot]!);
    }
  }

  /** Visits every cell in insertion order. */
  forEach(visit: (key: number, count: number, sum: number, min: number, max: number) => void): void {
    for (const [key, slot] of this.#slots) visit(key, this.#count[slot]!, this.#sum[slot]!, this.#min[slot]!, this.#max[slot]!);
  }

  clear(): void {
    this.#slots.clear();
  }

  #grow(): void {
    const size = this.#count.length * 2;
    this.#count = copy(new Uint32Array(size), this.#count);
    this.#sum = copy(new Float64Array(size), this.#sum);
    this.#min = copy(new Uint32Array(size), this.#min);
    this.#max = copy(new Uint32Array(size), this.#max);
  }
}

function copy<T extends Uint32Array | Float64Array>(into: T, from: T): T {
  into.set(from as never);
  return into;
}
