import { formatDay } from '../validate/dates.js';
import { CellTable } from './cell-table.js';
import { packCode } from '../encoding/price-codec.js';

/** Day indexes stay below 2^19 (1900-2999), so a cell key (a, b, day) fits a double exactly. */
const DAY_SPAN = 2 ** 19;
/** Nodes are numbered; a, b < 2^17 keeps (a * nodes + b) * DAY_SPAN below 2^53. */
export const MAX_NODES = 2 ** 17;

/** Months since 1900 stay below 2^14; a group key (pair, month) then fits a double exactly. */
const MONTH_SPAN = 2 ** 14;

/** One record to write: the per-day aggregates of the pair (a, b) in one month. */
export interface PairMonth {
  a: string;
  b: string;
  month: string;
  /** Flat: day of month, count, sum, min, max; then the next day. */
  days: number[];
}

export interface PairAggregatorOptions {
  /** Each port's chain: the port, its region, and every ancestor. */
  chains: Map<string, readonly string[]>;
  /** Cells held before they are written out as a part (bounds memory for any batch size). */
  maxCells: number;
  /** Writes one part: records in key order. */
  flush: (records: Iterable<PairMonth>) => Promise<void>;
  /** Only pairs where this returns true are kept (used to rebuild affected rollups). */
  keepPair?: (a: string, b: string) => boolean;
}

/**
 * Aggregates prices per route and day, then rolls each route-day up to every pair of nodes on the
 * origin's and the destination's chains. Route-days are aggregated first because a batch usually
 * has several prices per route and day, so the expansion (one cell per chain pair) runs once per
 * route-day rather than once per price.
 */
export class PairAggregator {
  readonly #names: string[] = [];
  readonly #ids = new Map<string, number>();
  readonly #chainIds = new Map<number, Int32Array>();
  readonly #portIds = new Map<number, number>();
  readonly #routes = new CellTable();
  readonly #pairs = new CellTable();
  readonly #options: PairAggregatorOptions;
  readonly #keepPair: ((a: number, b: number) => boolean) | undefined;
  readonly #nodes: number;

  constructor(options: PairAggregatorOptions) {
    this.#options = options;
    for (const [port, chain] of options.chains) {
      const id = this.#id(port);
      this.#chainIds.set(id, Int32Array.from(chain, (node) => this.#id(node)));
      this.#portIds.set(packCode(port), id);
    }
    this.#nodes = Math.max(1, this.#names.length);
    if (this.#nodes > MAX_NODES) throw new RangeError(`at most ${MAX_NODES} ports and regions are supported`);
    const keepPair = options.keepPair;
    if (keepPair !== undefined) {
      const memo = new Map<number, boolean>();
      this.#keepPair = (a, b) => {
        const key = a * this.#nodes + b;
        let keep = memo.get(key);
        if (keep === undefined) memo.set(key, (keep = keepPair(this.#names[a]!, this.#names[b]!)));
        return keep;
      };
    }
  }

  /** The node id of a port given its packed code (see price-codec), or undefined for an unknown port. */
  portId(packedCode: number): number | undefined {
    return this.#portIds.get(packedCode);
  }

  add(origin: number, destination: number, day: number, count: number, sum: number, min: number, max: number): void {
    this.#routes.add((origin * this.#nodes + destination) * DAY_SPAN + day, count, sum, min, max);
  }

  /** Called between chunks: rolls up and writes out when the cells outgrow their bound. */
  async checkpoint(): Promise<void> {
    if (this.#routes.size >= this.#options.maxCells) await this.#expand();
  }

  /** Writes out what is left. */
  async finish(): Promise<void> {
    await this.#expand();
    await this.#flushPairs();
  }

  async #expand(): Promise<void> {
    const nodes = this.#nodes;
    await this.#routes.forEach((key, count, sum, min, max) => {
      const day = key % DAY_SPAN;
      const route = (key - day) / DAY_SPAN;
      const destination = route % nodes;
      const origins = this.#chainIds.get((route - destination) / nodes)!;
      const destinations = this.#chainIds.get(destination)!;
      for (const a of origins) {
        for (const b of destinations) {
          if (this.#keepPair !== undefined && !this.#keepPair(a, b)) continue;
          this.#pairs.add((a * nodes + b) * DAY_SPAN + day, count, sum, min, max);
        }
      }
    });
    this.#routes.clear();
    if (this.#pairs.size >= this.#options.maxCells) await this.#flushPairs();
  }

  /**
   * Groups the pair cells into one record per pair and month. No sort is needed: a write batch is
   * ordered by LevelDB, and readers merge a record's days in any order.
   */
  async #flushPairs(): Promise<void> {
    if (this.#pairs.size === 0) return;
    const nodes = this.#nodes;
    const records = new Map<number, PairMonth>();
    const months = new Map<number, { month: string; index: number; dayOfMonth: number }>();
    await this.#pairs.forEach((key, count, sum, min, max) => {
      const day = key % DAY_SPAN;
      const pair = (key - day) / DAY_SPAN;
      let month = months.get(day);
      if (month === undefined) {
        const date = formatDay(day);
        const year = Number(date.slice(0, 4));
        const monthOfYear = Number(date.slice(5, 7));
        month = { month: date.slice(0, 7), index: (year - 1900) * 12 + monthOfYear, dayOfMonth: Number(date.slice(8)) };
        months.set(day, month);
      }
      const group = pair * MONTH_SPAN + month.index;
      let record = records.get(group);
      if (record === undefined) {
        const b = pair % nodes;
        record = { a: this.#names[(pair - b) / nodes]!, b: this.#names[b]!, month: month.month, days: [] };
        records.set(group, record);
      }
      record.days.push(month.dayOfMonth, count, sum, min, max);
    });
    this.#pairs.clear();
    await this.#options.flush(records.values());
  }

  #id(node: string): number {
    let id = this.#ids.get(node);
    if (id === undefined) {
      id = this.#names.length;
      this.#names.push(node);
      this.#ids.set(node, id);
    }
    return id;
  }
}
