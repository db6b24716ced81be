import { generateSample, sampleRoutes, type RatestoreReader, type RatestoreWriter, type RegionNode, type SampleOptions } from '@ratestore/core';
import { formatDay, parseDay } from '@ratestore/core/contract';

export interface ExampleQuery {
  origin: string;
  destination: string;
  dateFrom: string;
  dateTo: string;
}

/** The sample `npm start` and `ratestore dev` load: 50k prices over 31 days from 2016-01-01. */
export const DEFAULT_SAMPLE: SampleOptions = { seed: 1, prices: 50_000, ports: 200, dateFrom: '2016-01-01', days: 31, depth: 4 };

/** Writes the generated sample as one batch (`sample-seed`) when the store holds no batch yet. */
export async function seedIfEmpty(store: RatestoreReader & RatestoreWriter, sample: SampleOptions = DEFAULT_SAMPLE): Promise<{ seeded: boolean; prices: number; ms: number }> {
  if (store.version > 0 || store.batches().length > 0) return { seeded: false, prices: 0, ms: 0 };
  const started = Date.now();
  const result = await store.write(generateSample(sample), { batchId: 'sample-seed' });
  return { seeded: true, prices: result.counts.prices, ms: Date.now() - started };
}

/** The start-up example reads at most this many routes: readiness waits for it. */
const EXAMPLE_READS = 2;

/**
 * A query that answers with averages from this store's data, for the startup log: the sample's most
 * popular route (origin port to the destination port's region) when the sample is loaded, otherwise
 * a route between the two top-level regions with the most ports, in the first days of the sample.
 */
export async function exampleQuery(store: RatestoreReader, sample: SampleOptions = DEFAULT_SAMPLE): Promise<ExampleQuery | undefined> {
  const dateFrom = sample.dateFrom ?? '2016-01-01';
  const dateTo = formatDay(parseDay(dateFrom)! + 9);
  for (const [origin, destination] of likelyRoutes(store, sample).slice(0, EXAMPLE_READS)) {
    try {
      const { rows } = await store.rates({ dateFrom, dateTo, origin, destination });
      if (rows.some((row) => row.average !== null)) return { origin, destination, dateFrom, dateTo };
    } catch {
      // not a usable route
    }
  }
  return undefined;
}

/** Routes likely to have prices, best first, chosen from the catalog alone (no price is read). */
function likelyRoutes(store: RatestoreReader, sample: SampleOptions): Array<[string, string]> {
  if (store.batch('sample-seed') !== undefined) {
    const [route] = sampleRoutes(sample);
    if (route !== undefined) {
      const routes: Array<[string, string]> = [[route.origin, route.destination]];
      const region = store.port(route.destination)?.region;
      // To the destination's region first: more prices, so a fuller answer.
      if (region !== undefined) routes.unshift([route.origin, region]);
      return routes;
    }
  }
  const [first, second] = store.tree().map((node) => ({ slug: node.slug, ports: portCount(node) })).sort((a, b) => b.ports - a.ports);
  if (first === undefined) return [];
  return second === undefined ? [[first.slug, first.slug]] : [[first.slug, second.slug], [second.slug, first.slug]];
}

function portCount(node: RegionNode): number {
  return node.ports.length + node.regions.reduce((sum, child) => sum + portCount(child), 0);
}
