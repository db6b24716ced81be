import { PairAggregator, type EncodedPart } from '../pair-aggregator.js';
import { addPrices } from './add-prices.js';

/** What a commit's aggregation needs, on this thread (aggregateHere) or on workers (AggregationWorkers). */
export interface AggregationRequest {
  batchId: string;
  /** Each port's chain in the catalog the batch makes. */
  chains: Map<string, readonly string[]>;
  maxCells: number;
  sketches: boolean;
  /** Writes one part of records (see PairAggregatorOptions.flush); parts are written one at a time. */
  flush: (part: EncodedPart) => Promise<void>;
}

/** Aggregates every price of the chunks on this thread (a store without `commitWorkers`); resolves to how many there were. */
export async function aggregateHere(chunks: AsyncIterable<{ bytes: Uint8Array }>, request: AggregationRequest): Promise<number> {
  const aggregator = new PairAggregator(request);
  let prices = 0;
  for await (const { bytes } of chunks) {
    prices += await addPrices(aggregator, bytes, request.batchId);
    await aggregator.checkpoint();
  }
  await aggregator.finish();
  return prices;
}
