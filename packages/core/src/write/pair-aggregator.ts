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
  /** Writes one part: at most one record per group, each to be put before the next is asked for. */
  flush: (records: Iterable<EncodedRecord>) => Promise<void>;
  /** Only pairs where this returns true are kept (used to rebuild affected rollups). */
  keepPair?: (a: string, b: string) => boolean;
  /** Told of the records of each part before they are written (see PairMonths). */
  written?: (part: PairMonths) => void;
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

/**
 * Aggregates prices per route and month, then rolls each route-month up to every pair of nodes on
 * the origin's and the destination's chains (see #rollUp). Routes are aggregated first because a
 * batch usually has several prices per route and day, and months are dense (31 day cells and a mask
 * of the days in use), so the roll-up costs one hash lookup per pair and month, plus a walk over the days.
 *
 * Route-months are kept per month and rolled up month by month, and pair-months are written out only
 * between months while they fit `maxCells`: every record (pair, month) is then written once, and
 * memory stays bounded whatever the batch's size or spread. Only a single month whose cells alone
 * exceed the bound is written in several parts, which reads merge: its route-months roll up in
 * parts of half the bound's pairs of ports, each with the pairs of regions above them.
 *
 * The cells' sketches (see MonthSlots) are not counted against `maxCells`: each holds at most the
 * bins of 1 cent to 10M USD (about 1,050 4-byte counts), a few hundred for any real day, so memory
 * stays bounded by the cells. Counted at their bytes (6 bins a cell), they split a 1M-price month
 * into 2-3 records for a fifth of its pairs, which storage and every read then pay for good
 * (measured: 1.4x the records' bytes), while the memory is the commit's alone.
 */
/** How #climb rolls one table into the next: slot keys, numbers (see PairMonths). */
interface Climb {
  /** The key of the slot a source slot merges into first; -1: none. */
  leaf: (slot: number) => number;
  /** The key of the slot a slot merges into next, its parent pair; -1: none. */
  parent: (key: number) => number;
  /** How deep the node that `parent` replaces is: slots merge up deepest first. */
  depth: (key: number) => number;
}

export class PairAggregator {
  /** Node ids: ports and regions in the order the chains name them. */
  readonly #numbering = new Numbering();
  /** Each node's parent (-1 for a root) and its depth below its root, by node id. */
  readonly #parents: Int32Array;
  readonly #depths: Int32Array;
  readonly #portIds = new Map<number, number>();
  /** Route-months by month since 1900; keyed by route (origin * nodes + destination). */
  readonly #routes = new Map<number, MonthSlots>();
  #routeSlots = 0;
  #lastDay = -1;
  #lastDayOfMonth = 0;
  #lastTable: MonthSlots | undefined;
  /** Pair-months, keyed by pair * MONTH_SPAN + month. */
  readonly #pairs = new MonthSlots();
  readonly #options: PairAggregatorOptions;
  readonly #keepPair: ((a: number, b: number) => boolean) | undefined;
  readonly #nodes: number;
  readonly #maxSlots: number;

  constructor(options: PairAggregatorOptions) {
    this.#options = options;
    const chains: Int32Array[] = [];
    for (const [port, chain] of options.chains) {
      chains.push(Int32Array.from(chain, (node) => this.#numbering.of(node)));
      this.#portIds.set(packCode(port), this.#numbering.of(port));
    }
    this.#nodes = Math.max(1, this.#numbering.names.length);
    if (this.#nodes > MAX_NODES) throw new RangeError(`at most ${MAX_NODES} ports and regions are supported`);
    this.#parents = new Int32Array(this.#nodes).fill(-1);
    this.#depths = new Int32Array(this.#nodes);
    for (const chain of chains) {
      for (let i = 0; i < chain.length; i++) {
        if (i + 1 < chain.length) this.#parents[chain[i]!] = chain[i + 1]!;
        this.#depths[chain[i]!] = chain.length - 1 - i;
      }
    }
    this.#maxSlots = Math.max(1, Math.floor(options.maxCells / CELLS_PER_SLOT));
    const keepPair = options.keepPair;
    if (keepPair !== undefined) {
      const keeps = new Map<number, boolean>();
      this.#keepPair = (a, b) => {
        const key = a * this.#nodes + b;
        let keep = keeps.get(key);
        if (keep === undefined) keeps.set(key, (keep = keepPair(this.#numbering.names[a]!, this.#numbering.names[b]!)));
        return keep;
      };
      // A pair kept or below one that is: the roll-up climbs through it.
      const needs = new Map<number, boolean>();
      this.#needPair = (a, b) => {
        const key = a * this.#nodes + b;
        let need = needs.get(key);
        if (need === undefined) needs.set(key, (need = this.#keepPair!(a, b) || (this.#parents[a]! >= 0 && this.#needPair(this.#parents[a]!, b))));
        return need;
      };
    }
  }

  /** Whether the roll-up makes pair (a, b): every pair, or with `keepPair`, those kept and those below them. */
  #needPair: (a: number, b: number) => boolean = () => true;

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
      if (table === undefined) this.#routes.set(month, (table = new MonthSlots({ sketches: this.#options.sketches ?? true })));
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
   * Rolls routes (o, d) up in two climbs. First the destinations: each route into the half-way slot
   * (o, d), then each half-way slot (o, b) into (o, parent of b), deepest b first, so that (o, b)
   * ends holding every route from o to a port below b. Then the origins alike: each (o, b) into the
   * pair (o, b), and each pair (a, b) into (parent of a, b). A slot merges into its parent alone, not
   * into every ancestor: a region pair's day, a hundred bins or more, is merged once per level.
   */
  async #rollUp(routes: MonthSlots, month: number): Promise<void> {
    const nodes = this.#nodes;
    const parents = this.#parents;
    const depths = this.#depths;
    const halfway = new MonthSlots();
    // Sizes seen with the sample data: 2.4-2.7 (o, b) per route, and 2.2-2.4 pairs per (o, b).
    halfway.reserve(Math.min(Math.ceil(routes.size * 2.75), this.#maxSlots));
    await this.#climb(routes, 0, halfway, Infinity, {
      leaf: (route) => routes.key(route),
      parent: (key) => {
        const b = key % nodes;
        return parents[b]! < 0 ? -1 : key - b + parents[b]!;
      },
      depth: (key) => depths[key % nodes]!
    });
    const pairs = this.#pairs;
    pairs.reserve(Math.min(pairs.size + Math.ceil(halfway.size * 2.5), this.#maxSlots));
    const climbPairs: Climb = {
      leaf: (slot) => {
        const key = halfway.key(slot);
        const b = key % nodes;
        const o = (key - b) / nodes;
        return this.#needPair(o, b) ? key * MONTH_SPAN + month : -1;
      },
      parent: (key) => {
        const pair = (key - month) / MONTH_SPAN;
        const b = pair % nodes;
        const parent = parents[(pair - b) / nodes]!;
        return parent >= 0 && this.#needPair(parent, b) ? (parent * nodes + b) * MONTH_SPAN + month : -1;
      },
      depth: (key) => {
        const pair = (key - month) / MONTH_SPAN;
        return depths[(pair - (pair % nodes)) / nodes]!;
      }
    };
    // One month larger than the bound: written out in parts rather than grown without limit. Half
    // the bound is left for the regions' pairs above those of the ports.
    for (let next = 0; next < halfway.size;) {
      next = await this.#climb(halfway, next, pairs, this.#maxSlots / 2, climbPairs);
      if (pairs.size >= this.#maxSlots / 2) await this.#flushPairs();
    }
  }

  /**
   * Merges the slots of `source` from `first` on, each into the slot of `into` that `climb.leaf`
   * names (none: -1), until `into` holds `maxSlots` slots; then every slot this made into the slot
   * of its parent pair (`climb.parent`, -1 at the top), deepest first (`climb.depth`), so that each
   * pair ends the sum of the leaves below it. Returns the source slot to go on from. The slots are
   * new, and merged in MonthSlots' three steps: aggregates, room for the sketches, then bins.
   */
  async #climb(source: MonthSlots, first: number, into: MonthSlots, maxSlots: number, climb: Climb): Promise<number> {
    const fresh = into.size;
    /** (slot of `into`, slot of `source`) for the leaves, then (slot, child slot) within `into`, in the order merged. */
    const leaves: number[] = [];
    const steps: number[] = [];
    let merged = 0;
    /** Whether it is time to let the event loop run (see YIELD_EVERY): a check, not an await, per merge. */
    const due = (): boolean => {
      if (++merged < YIELD_EVERY) return false;
      merged = 0;
      return true;
    };
    let end = first;
    for (; end < source.size && into.size < maxSlots; end++) {
      const key = climb.leaf(end);
      if (key < 0) continue;
      const slot = into.slot(key);
      // Every pair and month is rolled up once per part (see #drain), so its slot cannot hold bins already.
      if (slot < fresh) throw new Error(`roll-up merged into slot ${slot} of an earlier round`);
      into.mergeAggregates(slot, source, end);
      leaves.push(slot, end);
      if (due()) await yieldToEventLoop();
    }
    const levels: number[][] = [];
    for (let slot = fresh; slot < into.size; slot++) (levels[climb.depth(into.key(slot))] ??= []).push(slot);
    for (let depth = levels.length - 1; depth > 0; depth--) {
      for (const slot of levels[depth] ?? []) {
        const parent = climb.parent(into.key(slot));
        if (parent < 0) continue;
        const size = into.size;
        const target = into.slot(parent);
        if (target >= size) (levels[depth - 1] ??= []).push(target);
        else if (target < fresh) throw new Error(`roll-up merged into slot ${target} of an earlier round`);
        into.mergeAggregates(target, into, slot);
        steps.push(target, slot);
        if (due()) await yieldToEventLoop();
      }
    }
    // No sketch to fill (every cell implied or unknown, as in a store without sketches): done.
    if (into.reserveSketches(fresh) === 0) return end;
    for (let i = 0; i < leaves.length; i += 2) {
      into.mergeSketches(leaves[i]!, source, leaves[i + 1]!);
      if (due()) await yieldToEventLoop();
    }
    for (let i = 0; i < steps.length; i += 2) {
      into.mergeSketches(steps[i]!, into, steps[i + 1]!);
      if (due()) await yieldToEventLoop();
    }
    return end;
  }

  /** Writes out one record per pair-month (with `keepPair`, per pair kept), encoded into one slab as `flush` takes them. */
  async #flushPairs(): Promise<void> {
    const pairs = this.#pairs;
    if (pairs.size === 0) return;
    const slots = this.#keptSlots();
    let bytes = 0;
    for (const slot of slots) bytes += pairs.recordBytes(slot);
    this.#options.written?.({ keys: Float64Array.from(slots, (slot) => pairs.key(slot)), names: this.#numbering.names, nodes: this.#nodes });
    await this.#options.flush(this.#records(slots, new Uint8Array(bytes)));
    pairs.clear();
  }

  /** The pair slots to write: all, or, with `keepPair`, those of pairs kept (the roll-up made the pairs below them too). */
  #keptSlots(): Int32Array {
    const pairs = this.#pairs;
    const keepPair = this.#keepPair;
    const all = Int32Array.from({ length: pairs.size }, (_, slot) => slot);
    if (keepPair === undefined) return all;
    const nodes = this.#nodes;
    return all.filter((slot) => {
      const key = pairs.key(slot);
      const pair = (key - (key % MONTH_SPAN)) / MONTH_SPAN;
      const b = pair % nodes;
      return keepPair((pair - b) / nodes, b);
    });
  }

  /**
   * The records of the pair-months, made one at a time: a batch makes tens of thousands, and
   * records that die as soon as they are put cost the garbage collector far less than an array of
   * them kept alive until the last is written.
   */
  *#records(slots: Int32Array, slab: Uint8Array): Generator<EncodedRecord> {
    const pairs = this.#pairs;
    const nodes = this.#nodes;
    const view = new DataView(slab.buffer);
    const monthNames = new Map<number, string>();
    let at = 0;
    for (const slot of slots) {
      const key = pairs.key(slot);
      const month = key % MONTH_SPAN;
      const pair = (key - month) / MONTH_SPAN;
      const b = pair % nodes;
      let name = monthNames.get(month);
      if (name === undefined) monthNames.set(month, (name = monthName(month)));
      const end = pairs.encodeRecord(slot, view, at);
      yield { group: recordGroup(this.#numbering.names[(pair - b) / nodes]!, this.#numbering.names[b]!, name), value: slab.subarray(at, end) };
      at = end;
    }
  }
}
