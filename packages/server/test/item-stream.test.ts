import { describe, expect, it } from 'vitest';
import { streamItems, type ItemBatch } from '../src/import/item-stream.js';

describe('streamItems', () => {
  it('hands out the items of the batches in order, calling onItem with each line as it goes', async () => {
    const seen: string[] = [];
    async function* batches(): AsyncGenerator<ItemBatch<string>> {
      yield { items: ['a', 'b'], lines: [1, 3] };
      yield { items: [], lines: [] };
      yield { items: ['c'], lines: [4] };
    }
    for await (const item of streamItems(batches(), (line) => seen.push(`line ${line}`))) seen.push(item);
    expect(seen).toEqual(['line 1', 'a', 'line 3', 'b', 'line 4', 'c']);
  });

  it('closes the batches when the reader stops early, and passes their errors on', async () => {
    let closed = false;
    async function* batches(): AsyncGenerator<ItemBatch<number>> {
      try {
        yield { items: [1, 2] };
        yield { items: [3] };
      } finally {
        closed = true;
      }
    }
    for await (const item of streamItems(batches())) if (item === 1) break;
    expect(closed).toBe(true);
    async function* failing(): AsyncGenerator<ItemBatch<number>> {
      yield { items: [1] };
      throw new Error('unreadable');
    }
    const read: number[] = [];
    await expect((async () => { for await (const item of streamItems(failing())) read.push(item); })()).rejects.toThrow('unreadable');
    expect(read).toEqual([1]);
  });
});
