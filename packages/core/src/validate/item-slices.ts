import type { BatchItem } from '../types.js';

/** Marks the async iterables made by `itemSlices`: the store reads their slices as they are. */
const SLICES = Symbol('ratestore.itemSlices');

interface Sliced extends AsyncIterable<BatchItem> {
  readonly [SLICES]: AsyncIterable<readonly unknown[]>;
}

/**
 * Items that arrive in slices (the items of each chunk a parser reads), as batch items for
 * `write()` and `addChunk()`, which take them a slice at a time. An async iterable of single items
 * costs a few microtasks per item on its way into the store, a measurable share of a large
 * upload's time. Iterated anywhere else, it yields the items one by one.
 */
export function itemSlices(slices: AsyncIterable<readonly unknown[]>): AsyncIterable<BatchItem> {
  const sliced: Sliced = {
    [SLICES]: slices,
    async *[Symbol.asyncIterator]() {
      for await (const slice of slices) yield* slice as BatchItem[];
    }
  };
  return sliced;
}

/** The slices of items made by `itemSlices`, or undefined for any other value. */
export function slicesOf(items: unknown): AsyncIterable<readonly unknown[]> | undefined {
  return items !== null && typeof items === 'object' && SLICES in items ? (items as Sliced)[SLICES] : undefined;
}
