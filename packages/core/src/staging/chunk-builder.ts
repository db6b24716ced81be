import type { IssueList } from '../errors.js';
import { PriceRows } from '../encoding/price-codec.js';
import { normalizeItem, type NormalRef } from '../validate/items.js';

/** The encoded form of a chunk of items, ready to stage. */
export interface EncodedChunk {
  prices: Uint8Array;
  refs: NormalRef[];
  /** Items in the chunk. */
  items: number;
  /** Every port the prices name, packed (see price-codec): references are checked against these, not row by row. */
  ports: Uint32Array;
}

/**
 * Validates items one by one and gathers the good ones into a chunk; bad items go to `issues`.
 * Good items are kept even when others are bad, so that the references they make can be checked
 * too and a rejected batch reports every bad item, not just the first kind of problem.
 */
export class ChunkBuilder {
  readonly #prices: PriceRows;
  #refs: NormalRef[] = [];
  readonly #issues: IssueList;
  readonly #chunk: number | undefined;
  #ports = new Set<number>();
  // Prices mostly come grouped by route: the last ports seen spare most set insertions.
  #lastOrigin = -1;
  #lastDestination = -1;

  /** `chunk`: the chunk number item issues name; `expectedItems`: the chunk size, if known. */
  constructor(issues: IssueList, chunk?: number, expectedItems?: number) {
    this.#issues = issues;
    this.#chunk = chunk;
    this.#prices = new PriceRows(expectedItems);
  }

  get size(): number {
    return this.#prices.rows + this.#refs.length;
  }

  add(item: unknown, index: number): void {
    const normal = normalizeItem(item, index);
    if (Array.isArray(normal)) {
      this.#issues.addItem(index, this.#chunk, normal);
    } else if (normal.kind === 'price') {
      this.#prices.push(normal.origin, normal.destination, normal.day, normal.cents, index);
      if (normal.origin !== this.#lastOrigin) this.#ports.add((this.#lastOrigin = normal.origin));
      if (normal.destination !== this.#lastDestination) this.#ports.add((this.#lastDestination = normal.destination));
    } else {
      this.#refs.push(normal);
    }
  }

  /** The chunk so far, and a fresh start. */
  take(): EncodedChunk {
    const items = this.size;
    const chunk = { prices: this.#prices.take(), refs: this.#refs, items, ports: Uint32Array.from(this.#ports) };
    this.#refs = [];
    this.#ports = new Set();
    this.#lastOrigin = -1;
    this.#lastDestination = -1;
    return chunk;
  }
}
