/** Items in batches, with the line of each when known. */
export interface ItemBatch<T> {
  items: T[];
  lines?: number[];
}

/**
 * The items of `batches` one by one, handed to the store's `write()`, which awaits each item. An
 * async generator (a `yield` per item, through a layer or two) cost more than parsing the item; here
 * an item of the current batch costs one resolved promise. `onItem` is called with an item's line as
 * it is handed out (before the next is asked for), and returning early closes `batches`.
 */
export function streamItems<T>(batches: AsyncIterable<ItemBatch<T>>, onItem: (line: number) => void = () => undefined): AsyncIterable<T> {
  return { [Symbol.asyncIterator]: () => new ItemIterator(batches[Symbol.asyncIterator](), onItem) };
}

class ItemIterator<T> implements AsyncIterator<T, undefined> {
  readonly #batches: AsyncIterator<ItemBatch<T>>;
  readonly #onItem: (line: number) => void;
  #items: T[] = [];
  #lines: number[] | undefined;
  #at = 0;

  constructor(batches: AsyncIterator<ItemBatch<T>>, onItem: (line: number) => void) {
    this.#batches = batches;
    this.#onItem = onItem;
  }

  next(): Promise<IteratorResult<T, undefined>> {
    return this.#at < this.#items.length ? Promise.resolve(this.#take()) : this.#refill();
  }

  async return(): Promise<IteratorResult<T, undefined>> {
    this.#items = [];
    this.#at = 0;
    await this.#batches.return?.();
    return { done: true, value: undefined };
  }

  #take(): IteratorResult<T, undefined> {
    const at = this.#at++;
    if (this.#lines !== undefined) this.#onItem(this.#lines[at]!);
    return { done: false, value: this.#items[at]! };
  }

  async #refill(): Promise<IteratorResult<T, undefined>> {
    for (;;) {
      const next = await this.#batches.next();
      if (next.done === true) return { done: true, value: undefined };
      this.#items = next.value.items;
      this.#lines = next.value.lines;
      this.#at = 0;
      if (this.#items.length > 0) return this.#take();
    }
  }
}
