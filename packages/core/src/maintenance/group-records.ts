import type { AbstractIterator } from 'abstract-level';
import { VIEW_VALUE, type Db } from '../db.js';
import { historyKey, parseRecordKey, type ParsedRecordKey } from '../encoding/keys.js';

/** A record of either space: its key, value and parsed key. */
export type GroupRecord = [key: string, value: Uint8Array, record: ParsedRecordKey];

/**
 * Every record of every group in `range` (given as head keys), head and history together: the
 * group's head records, then its history, which is key order by epoch (the history holds nothing
 * newer than the head's checkpoint). For work that needs each batch's own records, whatever has
 * been checkpointed: folding and rebuilding rollups.
 */
export async function* groupRecords(db: Db, range: { gte: string; lt: string }): AsyncGenerator<{ group: string; records: GroupRecord[] }> {
  const heads = new GroupStream(db.iterator({ ...range, ...VIEW_VALUE }) as AbstractIterator<Db, string, Uint8Array>);
  const history = new GroupStream(db.iterator({ gte: historyKey(range.gte), lt: historyKey(range.lt), ...VIEW_VALUE }) as AbstractIterator<Db, string, Uint8Array>);
  try {
    for (;;) {
      const head = await heads.nextGroup();
      const past = await history.nextGroup();
      if (head === undefined && past === undefined) return;
      const group = head === undefined ? past! : past === undefined || head <= past ? head : past;
      yield { group, records: [...(head === group ? await heads.take() : []), ...(past === group ? await history.take() : [])] };
    }
  } finally {
    await heads.close();
    await history.close();
  }
}

/** An iterator read a group at a time. */
class GroupStream {
  readonly #iterator: AbstractIterator<Db, string, Uint8Array>;
  #buffer: GroupRecord[] = [];
  #at = 0;
  #ended = false;

  constructor(iterator: AbstractIterator<Db, string, Uint8Array>) {
    this.#iterator = iterator;
  }

  /** The group of the next record, or undefined at the end. */
  async nextGroup(): Promise<string | undefined> {
    return (await this.#peek())?.[2].group;
  }

  /** Every record of the next group. */
  async take(): Promise<GroupRecord[]> {
    const first = await this.#peek();
    const records: GroupRecord[] = [];
    for (let next = first; next !== undefined && next[2].group === first![2].group; next = await this.#peek()) {
      records.push(next);
      this.#at++;
    }
    return records;
  }

  close(): Promise<void> {
    return this.#iterator.close();
  }

  async #peek(): Promise<GroupRecord | undefined> {
    if (this.#at === this.#buffer.length && !this.#ended) {
      const entries = (await this.#iterator.nextv(1000)) as Array<[string, Uint8Array]>;
      this.#ended = entries.length === 0;
      this.#buffer = entries.map(([key, value]) => [key, value, parseRecordKey(key)]);
      this.#at = 0;
    }
    return this.#buffer[this.#at];
  }
}
