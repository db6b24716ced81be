import type { ParsedBatch, ParsedItem } from './errors.js';

/**
 * Collects the items of one read. A parser that fails part way through a read yields the items
 * before the fault first, then throws, so that its items, flattened, are what a parser yielding
 * item by item gave, up to the same error.
 */
export class BatchCollector {
  #batch: ParsedBatch = { items: [], lines: [] };

  push(item: unknown, line: number): void {
    this.#batch.items.push(item);
    this.#batch.lines.push(line);
  }

  get size(): number {
    return this.#batch.items.length;
  }

  /** The items collected since the last `take()`. */
  take(): ParsedBatch {
    const batch = this.#batch;
    this.#batch = { items: [], lines: [] };
    return batch;
  }
}

/** The items of batches one by one, as the per-item parsers (parseItems, readItems) hand them out. */
export async function* itemsOfBatches(batches: AsyncIterable<ParsedBatch>): AsyncGenerator<ParsedItem> {
  for await (const { items, lines } of batches) {
    for (let i = 0; i < items.length; i++) yield { item: items[i], line: lines[i]! };
  }
}
