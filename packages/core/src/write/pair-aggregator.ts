import { monthAndDayOf, monthName } from '../validate/dates.js';
import { packCode } from '../encoding/price-codec.js';
import { recordGroup } from '../encoding/keys.js';
import { YIELD_EVERY, yieldToEventLoop } from '../util/yield.js';
import { MonthSlots } from './month-slots.js';
import { Numbering } from '../util/numbering.js';

/** Nodes are numbered; a, b < 2^17 keeps a pair (a * nodes + b) below 2^34. */
export const MAX_NODES = 2 ** 17;

/** Months since 1900 stay below 2^14; a key (pair, month) then stays below 2^48, exact in a double. */
export const MONTH_SPAN = 2 ** 14;

/** Days a slot holds cells for: memory is counted in these, used or not. */
const CELLS_PER_SLOT = 31;

/** One record to write: the group `a\0{A}\0{B}\0{YYYY-MM}` and its encoded per-day aggregates. */
export interface EncodedRecord {
  group: string;
  value: Uint8Array;
}

export interface PairAggregatorOptions {
  /** Each port's chain: the port, its region, and every ancestor. */
  chains: Map<string, readonly string[]>;
  /** Day cells held before they are written out as a part (bounds memory for any batch size). */
  maxCells: number;
  /**
   * Writes one part: at most one record per group (see `partRecords`), before the aggregator goes
   * on. The part is the callee's: nothing reuses it (a worker moves it to the commit's thread whole).
   */
  flush: (part: EncodedPart) => Promise<void>;
  /** Only pairs where this returns true are kept (used to rebuild affected rollups). */
  keepPair?: (a: string, b: string) => boolean;
  /** Whether prices added keep percentile sketches (the store's `percentileSketches`). Default true. */
  sketches?: boolean;
}

/**
 * The groups of the records of one part, as numbers: `(a * nodes + b) * MONTH_SPAN + month`, where
 * `a` and `b` index `names` and `month` counts months since 1900. Cheaper to hand over than strings.
 */
export interface PairMonths {
  keys: Float64Array;
  names: readonly string[];
  nodes: number;
}

/** A part's records, encoded: record i is the group of `keys[i]` (see PairMonths) with the bytes from `ends[i - 1]` (0 for the first) to `ends[i]`. */
export interface EncodedPart extends PairMonths {
  bytes: Uint8Array;
  ends: Uint32Array;
}

/**
 * The records of an encoded part, made one at a time: a batch makes tens of thousands, and
 * records that die as soon as they are put cost the garbage collector far less than an array of
 * them kept alive until the last is written.
 */
export function* partRecords(part: EncodedPart): Generator<EncodedRecord> {
  const { keys, names, nodes, bytes, ends } = part;
  const monthNames = new Map<number, string>();
  let start = 0;
  for (const [i, key] of keys.entries()) {
    const month = key % MONTH_SPAN;
    const pair = (key - month) / MONTH_SPAN;
    const b = pair % nodes;
    let name = monthNames.get(month);
    if (name === undefined) monthNames.set(month, (name = monthName(month)));
    const end = ends[i]!;
    yield { group: recordGroup(names[(pair - b) / nodes]!, names[b]!, name), value: bytes.subarray(start, end) };
    start = end;
  }
}

/**
 * Aggregates prices per route and month, then rolls each route-month up to every pair of nodes on
 * the origin's and the destination's chains. Routes are aggregated first because a batch usually
 * has several prices per route and day, and months are dense (31 day cells and a mask of the days
 * in use), so the roll-up costs one hash lookup per pair and month, plus a walk over the days.
 *
 * Route-months are kept per month and rolled up month by month, and pair-months are written out only
 * between months while they fit `maxCells`: every record (pair, month) is then written once, and
 * memory stays bounded whatever the batch's size or spread. Only a single month whose cells alone
 * exceed the bound is written in several parts, which reads merge.
 *
 * The cells' sketches (see MonthSlots) are not counted against `maxCells`: each holds at most the
 * bins of 1 cent to 10M USD (about 1,050 4-byte counts), a few hundred for any real day, so memory
 * stays bounded by the cells. Counted at their bytes (6 bins a cell), they split a 1M-price month
 * into 2-3 records for a fifth of its pairs, which storage and every read then pay for good
 * (measured: 1.4x the records' bytes), while the memory is the commit's alone.
 */
export class PairAggregator {
  /** Node ids: ports and regions in the order the chains name them. */
  readonly #numbering = new Numbering();
  readonly #chainIds = new Map<number, Int32Array>();
  readonly #portIds = new Map<number, number>();
  /** Route-months by month since 1900; keyed by route (origin * nodes + destination). */
  readonly #routes = new Map<number, MonthSlots>();
  #routeSlots = 0;
  #lastDay = -1;
  #lastDayOfMonth = 0;
  #lastTable: MonthSlots | undefined;
  /** Route-months rolled up to (origin, destination's chain), keyed like routes (see #rollUp). */
  readonly #halfway = new MonthSlots();
  /** Pair-months, keyed by pair * MONTH_SPAN + month. */
  readonly #pairs = new MonthSlots({ encodes: true });
  readonly #options: PairAggregatorOptions;
  readonly #keepPair: ((a: number, b: number) => boolean) | undefined;
  readonly #nodes: number;
  readonly #maxSlots: number;
  /** The (target slot, source slot) pairs of a #spread, kept between its first and third steps. */
  readonly #merges: number[] = [];

  constructor(options: PairAggregatorOptions) {
    this.#options = options;
    for (const [port, chain] of options.chains) {
      const id = this.#numbering.of(port);
      this.#chainIds.set(id, Int32Array.from(chain, (node) => this.#numbering.of(node)));
      this.#portIds.set(packCode(port), id);
    }
    this.#nodes = Math.max(1, this.#numbering.names.length);
    if (this.#nodes > MAX_NODES) throw new RangeError(`at most ${MAX_NODES} ports and regions are supported`);
    this.#maxSlots = Math.max(1, Math.floor(options.maxCells / CELLS_PER_SLOT));
    const keepPair = options.keepPair;
    if (keepPair !== undefined) {
      const memo = new Map<number, boolean>();
      this.#keepPair = (a, b) => {
        const key = a * this.#nodes + b;
        let keep = memo.get(key);
        if (keep === undefined) memo.set(key, (keep = keepPair(this.#numbering.names[a]!, this.#numbering.names[b]!)));
        return keep;
      };
    }
  }

  /** The node id of a port given its packed code (see price-codec), or undefined for an unknown port. */
  portId(packedCode: number): number | undefined {
    return this.#portIds.get(packedCode);
  }

  /** Adds prices of a route and day whose bins their aggregates imply: one price, or all at one price. */
  add(origin: number, destination: number, day: number, count: number, sum: number, min: number, max: number): void {
    const table = this.#table(day);
    const before = table.size;
    table.add(table.slot(origin * this.#nodes + destination), this.#lastDayOfMonth, count, sum, min, max);
    this.#routeSlots += table.size - before;
  }

  /** Adds one day of a record of a route, with its encoded bins (undefined for a record without). */
  addEncoded(origin: number, destination: number, day: number, count: number, sum: number, min: number, max: number, bins: Uint8Array | undefined): void {
    const table = this.#table(day);
    const before = table.size;
    table.addEncoded(table.slot(origin * this.#nodes + destination), this.#lastDayOfMonth, count, sum, min, max, bins);
    this.#routeSlots += table.size - before;
  }

  /** The route table of the month of `day`; `#lastDayOfMonth` is then the day's day of month. */
  #table(day: number): MonthSlots {
    // Batches mostly come grouped by day: the day's month and table are kept for the next price.
    if (day !== this.#lastDay) {
      const monthAndDay = monthAndDayOf(day);
      const month = monthAndDay >>> 5;
      let table = this.#routes.get(month);
      if (table === undefined) this.#routes.set(month, (table = new MonthSlots({ sketches: this.#options.sketches })));
      this.#lastDay = day;
      this.#lastDayOfMonth = monthAndDay & 31;
      this.#lastTable = table;
    }
    return this.#lastTable!;
  }

  /** Called between chunks: rolls up and writes out when the route cells outgrow their bound. */
  async checkpoint(): Promise<void> {
    if (this.#routeSlots >= this.#maxSlots) await this.#drain();
  }

  /** Writes out what is left. */
  async finish(): Promise<void> {
    await this.#drain();
  }

  async #drain(): Promise<void> {
    // The tables are rolled up and dropped: the next price must not land in one of them.
    this.#lastDay = -1;
    this.#lastTable = undefined;
    const months = [...this.#routes.keys()].sort((x, y) => x - y);
    for (const month of months) {
      const table = this.#routes.get(month)!;
      this.#routes.delete(month);
      await this.#rollUp(table, month);
      if (this.#pairs.size >= this.#maxSlots / 2) await this.#flushPairs();
    }
    this.#routeSlots = 0;
    await this.#flushPairs();
  }

  /**
   * Rolls routes (o, d) up in two steps: first to (o, b) for every b on d's chain, then to (a, b)
   * for every a on o's chain. Routes from one origin share most of their destinations' regions, so
   * the middle table is much smaller than routes times chain length, and the roll-up merges far
   * fewer slots than going from each route to its chain pairs directly.
   */
  async #rollUp(routes: MonthSlots, month: number): Promise<void> {
    const nodes = this.#nodes;
    // One table for every month: its arrays and sketch space, grown once, serve the next.
    const halfway = this.#halfway;
    halfway.clear();
    // Sizes seen with the sample data: 2.4-2.7 (o, b) per route, and 2.2-2.4 pairs per (o, b).
    halfway.reserve(Math.min(Math.ceil(routes.size * 2.75), this.#maxSlots));
    await this.#spread(routes, 0, halfway, Infinity, (route, visit) => {
      const key = routes.key(route);
      const destination = key % nodes;
      const origin = (key - destination) / nodes;
      for (const b of this.#chainIds.get(destination)!) visit(halfway.slot(origin * nodes + b));
    });
    const pairs = this.#pairs;
    pairs.reserve(Math.min(pairs.size + Math.ceil(halfway.size * 2.5), this.#maxSlots));
    const keepPair = this.#keepPair;
    const toPairs = (slot: number, visit: (into: number) => void): void => {
      const key = halfway.key(slot);
      const b = key % nodes;
      for (const a of this.#chainIds.get((key - b) / nodes)!) {
        if (keepPair === undefined || keepPair(a, b)) visit(pairs.slot((a * nodes + b) * MONTH_SPAN + month));
      }
    };
    for (let next = 0; next < halfway.size;) {
      next = await this.#spread(halfway, next, pairs, this.#maxSlots, toPairs);
      // One month larger than the bound: written out in parts rather than grown without limit.
      if (pairs.size >= this.#maxSlots) await this.#flushPairs();
    }
  }

  /**
   * Merges the slots of `source` from `first` on into the slots of `into` that `targets` visits for
   * each, until `into` holds `maxSlots` slots; returns the source slot to go on from. The targets are
   * new slots, merged in MonthSlots' two steps: the aggregates as targets are visited, noting each
   * (target, source) pair; then each target's sketches, from its sources grouped together.
   */
  async #spread(source: MonthSlots, first: number, into: MonthSlots, maxSlots: number, targets: (slot: number, visit: (into: number) => void) => void): Promise<number> {
    const fresh = into.size;
    let end = first;
    // Without sketches (percentileSketches: false) a roll-up merges aggregates only.
    const sketches = this.#options.sketches !== false;
    const merges = this.#merges;
    merges.length = 0;
    let from = first;
    let merged = 0;
    const mergeAggregates = (slot: number): void => {
      // Every pair and month is rolled up once per part (see #drain), so its slot cannot hold bins already.
      if (slot < fresh) throw new Error(`roll-up merged into slot ${slot} of an earlier round`);
      into.mergeAggregates(slot, source, from);
      if (sketches) merges.push(slot, from);
      merged++;
    };
    let yielded = 0;
    for (; end < source.size && into.size < maxSlots; end++) {
      from = end;
      targets(end, mergeAggregates);
      if (merged - yielded >= YIELD_EVERY) {
        yielded = merged;
        await yieldToEventLoop();
      }
    }
    if (!sketches) return end;
    // The sources of each target, together: a counting sort of the merges by target.
    const made = into.size - fresh;
    const starts = new Int32Array(made + 1);
    for (let merge = 0; merge < merges.length; merge += 2) starts[merges[merge]! - fresh + 1]!++;
    for (let target = 0; target < made; target++) starts[target + 1]! += starts[target]!;
    const next = starts.slice(0, made);
    const sources = new Int32Array(merges.length / 2);
    for (let merge = 0; merge < merges.length; merge += 2) sources[next[merges[merge]! - fresh]!++] = merges[merge + 1]!;
    into.reserveSketches(fresh);
    yielded = 0;
    for (let target = 0; target < made; target++) {
      into.buildSketches(fresh + target, source, sources, starts[target]!, starts[target + 1]!);
      if (starts[target + 1]! - yielded >= YIELD_EVERY) {
        yielded = starts[target + 1]!;
        await yieldToEventLoop();
      }
    }
    return end;
  }

  /** Writes out one record per pair-month, encoded into one slab. */
  async #flushPairs(): Promise<void> {
    const pairs = this.#pairs;
    if (pairs.size === 0) return;
    let total = 0;
    for (let slot = 0; slot < pairs.size; slot++) total += pairs.recordBytes(slot);
    const bytes = new Uint8Array(total);
    const view = new DataView(bytes.buffer);
    const ends = new Uint32Array(pairs.size);
    let at = 0;
    for (let slot = 0; slot < pairs.size; slot++) ends[slot] = at = pairs.encodeRecord(slot, view, at);
    const part: EncodedPart = { keys: pairs.keys(), names: this.#numbering.names, nodes: this.#nodes, bytes, ends };
    pairs.clear();
    await this.#options.flush(part);
  }
}
