import { recordGroup } from '../encoding/keys.js';
import { MAX_NODES, MONTH_SPAN, type PairMonths } from '../write/pair-aggregator.js';
import { monthName } from '../validate/dates.js';
import { YIELD_EVERY, yieldToEventLoop } from '../util/yield.js';
import { Numbering } from '../util/numbering.js';
import { GroupCounts } from './group-counts.js';

/** Groups counted at most (about 20 MB); beyond, the quietest are forgotten, and reads find them (see `read`). */
const MAX_COUNTED = 1 << 21;
/** Groups that reads found deep and that wait for a checkpoint, at most. */
const MAX_WANTED = 1 << 16;

/**
 * Decides which groups (a location pair in one month) get a checkpoint: those that have gathered
 * `threshold` records since their last one. A commit hands over the groups it wrote as numbers
 * (the keys of each part a commit's PairAggregator flushes), which costs it a copy of an array; they are counted later, in the
 * background. The counts live in memory only. After a restart, and for groups forgotten to bound
 * memory, reads find the deep groups instead: a read at the latest version that merged more than
 * `threshold` records of one month asks for that month's checkpoint.
 */
export class CheckpointPlanner {
  /** Records since a group's last checkpoint that make the next one; 0: no checkpoints. */
  readonly threshold: number;
  readonly #onWanted: () => void;
  /** Per group (numbered as in `#key`), records counted since its last checkpoint. */
  readonly #counts = new GroupCounts();
  /** Node numbers here, stable for the life of the process (aggregators number their own). */
  readonly #numbering = new Numbering();
  readonly #translations = new WeakMap<readonly string[], Int32Array>();
  #written: PairMonths[] = [];
  readonly #due = new Set<number>();
  readonly #wanted = new Set<string>();
  /** Groups taken from `#due` and `#wanted`, in key order, handed out a slice at a time. */
  #queue: string[] = [];
  #queued = 0;

  /** `onWanted` is called when a read asks for a checkpoint. */
  constructor(threshold: number, onWanted: () => void) {
    this.threshold = threshold;
    this.#onWanted = onWanted;
  }

  /** Entries to read first of a group due for a checkpoint (see scanGroups): its head, and one more. */
  get firstRead(): number {
    return this.threshold + 2;
  }

  get hasWork(): boolean {
    return this.#written.length > 0 || this.#due.size > 0 || this.#wanted.size > 0 || this.#queued < this.#queue.length;
  }

  /** The groups of records just written, by a commit or a rollup rebuild. */
  written(part: PairMonths): void {
    // Only the groups: the part's records (its bytes) must not stay alive until they are counted.
    if (this.threshold > 0) this.#written.push({ keys: part.keys, names: part.names, nodes: part.nodes });
  }

  /** A read at the latest version merged `records` records of `group`. */
  read(group: string, records: number): void {
    if (this.threshold === 0 || records <= this.threshold || this.#wanted.size >= MAX_WANTED || this.#wanted.has(group)) return;
    this.#wanted.add(group);
    this.#onWanted();
  }

  /** Counts the records handed over since the last call, yielding to the event loop now and then. */
  async count(): Promise<void> {
    const parts = this.#written;
    this.#written = [];
    let counted = 0;
    for (const part of parts) {
      const ids = this.#translation(part.names);
      for (const pairMonth of part.keys) {
        const month = pairMonth % MONTH_SPAN;
        const pair = (pairMonth - month) / MONTH_SPAN;
        const b = pair % part.nodes;
        const key = this.#key(ids[(pair - b) / part.nodes]!, ids[b]!, month);
        if (this.#counts.add(key) === this.threshold) this.#due.add(key);
        if (++counted % YIELD_EVERY === 0) await yieldToEventLoop();
      }
    }
    // Groups at 0 go first, then those with the fewest records.
    for (let min = 1; this.#counts.size > MAX_COUNTED; min *= 2) this.#counts.dropBelow(min);
  }

  /**
   * Up to `max` groups due for a checkpoint, in key order. Every group due when the last round ended
   * is taken at once, sorted, and handed out in order, so that each slice reads neighbouring groups
   * (see scanGroups); groups that fall due meanwhile wait for the next round. Taken groups count from
   * 0 again.
   */
  take(max: number): string[] {
    if (this.#queued === this.#queue.length) {
      const groups = new Set(this.#wanted);
      this.#wanted.clear();
      for (const key of this.#due) {
        this.#counts.reset(key);
        groups.add(this.#group(key));
      }
      this.#due.clear();
      this.#queue = [...groups].sort();
      this.#queued = 0;
    }
    const slice = this.#queue.slice(this.#queued, this.#queued + max);
    this.#queued += slice.length;
    return slice;
  }

  #key(a: number, b: number, month: number): number {
    return (a * MAX_NODES + b) * MONTH_SPAN + month;
  }

  #group(key: number): string {
    const month = key % MONTH_SPAN;
    const pair = (key - month) / MONTH_SPAN;
    const b = pair % MAX_NODES;
    const { names } = this.#numbering;
    return recordGroup(names[(pair - b) / MAX_NODES]!, names[b]!, monthName(month));
  }

  #translation(names: readonly string[]): Int32Array {
    let ids = this.#translations.get(names);
    if (ids === undefined) {
      ids = Int32Array.from(names, (name) => this.#numbering.of(name));
      this.#translations.set(names, ids);
    }
    return ids;
  }
}
