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
 *
 * Route-days are kept per month and expanded month by month, and pair cells are written out only
 * between months while they fit `maxCells`: every record (pair, month) is then written once, and
 * memory stays bounded whatever the batch's size or spread. Only a single month whose cells alone
 * exceed the bound is written in several parts, which reads merge.
 */
export class PairAggregator {
  readonly #names: string[] = [];
  readonly #ids = new Map<string, number>();
  readonly #chainIds = new Map<number, Int32Array>();
  readonly #portIds = new Map<number, number>();
  readonly #routes = new Map<number, CellTable>();
  readonly #monthOfDay = new Map<number, MonthOfDay>();
  #routeCells = 0;
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
    const month = this.#month(day).index;
    let table = this.#routes.get(month);
    if (table === undefined) this.#routes.set(month, (table = new CellTable()));
    const before = table.size;
    table.add((origin * this.#nodes + destination) * DAY_SPAN + day, count, sum, min, max);
    this.#routeCells += table.size - before;
  }

  /** Called between chunks: rolls up and writes out when the route cells outgrow their bound. */
  async checkpoint(): Promise<void> {
    if (this.#routeCells >= this.#options.maxCells) await this.#drain();
  }

  /** Writes out what is left. */
  async finish(): Promise<void> {
    await this.#drain();
  }

  async #drain(): Promise<void> {
    const months = [...this.#routes.keys()].sort((x, y) => x - y);
    for (const month of months) {
      const table = this.#routes.get(month)!;
      this.#routes.delete(month);
      await this.#expand(table);
      if (this.#pairs.size >= this.#options.maxCells / 2) await this.#flushPairs();
    }
    this.#routeCells = 0;
    await this.#flushPairs();
  }

  async #expand(routes: CellTable): Promise<void> {
    const nodes = this.#nodes;
    let overflow = false;
    await routes.forEach((key, count, sum, min, max) => {
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
      overflow ||= this.#pairs.size >= this.#options.maxCells;
    }, async () => {
      // One month larger than the bound: write it out in parts rather than grow without limit.
      if (overflow) {
        overflow = false;
        await this.#flushPairs();
      }
    });
  }

  /** Groups the pair cells into one record per pair and month; readers merge days in any order. */
  async #flushPairs(): Promise<void> {
    if (this.#pairs.size === 0) return;
    const nodes = this.#nodes;
    const records = new Map<number, PairMonth>();
    await this.#pairs.forEach((key, count, sum, min, max) => {
      const day = key % DAY_SPAN;
      const pair = (key - day) / DAY_SPAN;
      const month = this.#month(day);
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

  #month(day: number): MonthOfDay {
    let month = this.#monthOfDay.get(day);
    if (month === undefined) {
      const date = formatDay(day);
      month = { month: date.slice(0, 7), index: (Number(date.slice(0, 4)) - 1900) * 12 + Number(date.slice(5, 7)), dayOfMonth: Number(date.slice(8)) };
      this.#monthOfDay.set(day, month);
    }
    return month;
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

interface MonthOfDay {
  month: string;
  /** Months since 1900. */
  index: number;
  dayOfMonth: number;
}
