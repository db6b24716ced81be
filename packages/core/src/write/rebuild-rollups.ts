import type { Engine } from '../engine.js';
import { groupPrefix, portPairsRange, recordKey } from '../encoding/keys.js';
import { groupRecords } from '../maintenance/group-records.js';
import { daySketches, encodeMonth, forEachDay } from '../encoding/record-codec.js';
import { ancestorChains, type CatalogView } from '../catalog/catalog.js';
import { firstDayOfMonth } from '../validate/dates.js';
import { VisibilityFilter } from '../read/visible-records.js';
import { PairAggregator } from './pair-aggregator.js';
import { packCode } from '../encoding/price-codec.js';
import type { RecordWriter } from './record-writer.js';
import { recordParts } from './record-parts.js';

const RESET_SOURCE = 0;

export interface RebuildRequest {
  writer: RecordWriter;
  headView: CatalogView;
  /** The chains of the catalog the batch makes (its aggregation uses the same). */
  nextChains: Map<string, readonly string[]>;
  version: number;
  txn: number;
}

/**
 * When a batch moves ports or regions, the rollups of every region that gained or lost ports are
 * rebuilt from the port-to-port records, which no move changes. The rebuilt records carry the new
 * version as their epoch, and a reset record per affected group hides the older ones from reads at
 * that version on, while reads at earlier versions still see the old rollups. Min and max cannot be
 * subtracted, which is why the rollups are rebuilt rather than corrected. Each source batch keeps
 * its own records, so any of them can still be reverted exactly.
 */
export async function rebuildRollups(engine: Engine, request: RebuildRequest): Promise<void> {
  const oldChains = ancestorChains(request.headView);
  const newChains = request.nextChains;
  const affected = changedNodes(oldChains, newChains);
  if (affected.size === 0) return;
  const keep = (a: string, b: string): boolean => affected.has(a) || affected.has(b);

  const { writer, version, txn } = request;
  const resets = new Set<string>();
  const aggregators = new Map<number, PairAggregator>();
  const aggregatorFor = (source: number): PairAggregator => {
    let aggregator = aggregators.get(source);
    if (aggregator === undefined) {
      aggregator = new PairAggregator({
        chains: newChains,
        keepPair: keep,
        maxCells: engine.options.maxCells,
        // A store that keeps no sketches drops the bins of the records it rebuilds from.
        sketches: engine.options.percentileSketches,
        flush: recordParts(engine, writer, version, txn, source)
      });
      aggregators.set(source, aggregator);
    }
    return aggregator;
  };

  // Each source's own records: checkpoints merge sources.
  const filter = new VisibilityFilter(engine.index, engine.index.head, { checkpoints: false });
  for (const port of request.headView.ports.keys()) {
    let since = 0;
    for await (const { records } of groupRecords(engine.db, portPairsRange(port))) {
      for (const [, value, record] of records) {
        if (!filter.accept(record, value)) continue;
        const [, origin, destination, month] = record.group.split('\0') as [string, string, string, string];
        for (const chains of [oldChains, newChains]) {
          for (const a of chains.get(origin)!) {
            for (const b of chains.get(destination)!) if (keep(a, b)) resets.add(groupPrefix(a, b) + month);
          }
        }
        const aggregator = aggregatorFor(record.source);
        const from = aggregator.portId(packCode(origin))!;
        const to = aggregator.portId(packCode(destination))!;
        const monthStart = firstDayOfMonth(month) - 1;
        // Each day's bins go along, so the rebuilt rollups answer percentiles as the old ones did
        // (an aggregator that keeps no sketches drops them: see MonthSlots.addEncoded).
        const bins = daySketches(value);
        let day = 0;
        forEachDay(value, (dayOfMonth, count, sum, min, max) => aggregator.addEncoded(from, to, monthStart + dayOfMonth, count, sum, min, max, bins?.[day++]));
        since++;
      }
      if (since >= 1000) {
        since = 0;
        for (const aggregator of aggregators.values()) await aggregator.checkpoint();
      }
    }
    for (const aggregator of aggregators.values()) await aggregator.checkpoint();
  }

  for (const group of resets) {
    writer.put(recordKey(group, version, txn, RESET_SOURCE, 0), encodeMonth(true, new Map()));
    await writer.boundary();
  }
  for (const aggregator of aggregators.values()) await aggregator.finish();
}

/** Regions that gained or lost a port: the symmetric difference of each port's old and new chain. */
function changedNodes(oldChains: Map<string, readonly string[]>, newChains: Map<string, readonly string[]>): Set<string> {
  const changed = new Set<string>();
  for (const [port, oldChain] of oldChains) {
    const newChain = newChains.get(port)!;
    if (oldChain.length === newChain.length && oldChain.every((node, i) => node === newChain[i])) continue;
    for (const node of oldChain) if (!newChain.includes(node)) changed.add(node);
    for (const node of newChain) if (!oldChain.includes(node)) changed.add(node);
  }
  return changed;
}
