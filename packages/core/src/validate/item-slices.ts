import type { BatchItem } from '../types.js';

/** Marks the async iterables made by `itemSlices`: the store reads their slices as they are. */
// Symbol.for: a second copy of the package loaded beside this one still knows them.
const SLICES = Symbol.for('ratestore.itemSlices');

interface Sliced extends AsyncIterable<BatchItem> {
  readonly [SLICES]: AsyncIterable<readonly unknown[]>;
}

/**
 * Items that arrive in slices (the items of each chunk a parser reads), as batch items for
 * `write()` and `addChunk()`, which take them a slice at a time. An async iterable of single items
 * costs a few microtasks per item on its way into the store, a measurable share of a large
 * upload's time. Iterated anywhere else, it yields the items one by one. The items are validated by
 * the store as any others are; a slice that is not an array fails the write with
 * `RATESTORE_INVALID_ARGUMENT` (field `items`), and the slices are closed when the store stops
 * reading them early.
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
