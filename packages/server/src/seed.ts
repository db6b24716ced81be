import { generateSample, sampleRoutes, type Ratestore, type SampleOptions } from '@ratestore/core';

export interface ExampleQuery {
  origin: string;
  destination: string;
  dateFrom: string;
  dateTo: string;
}

/** The sample `npm start` and `ratestore dev` load: 50k prices over 31 days from 2016-01-01. */
export const DEFAULT_SAMPLE: SampleOptions = { seed: 1, prices: 50_000, ports: 200, dateFrom: '2016-01-01', days: 31, depth: 4 };

/** Writes the generated sample as one batch (`sample-seed`) when the store holds no batch yet. */
export async function seedIfEmpty(store: Ratestore, sample: SampleOptions = DEFAULT_SAMPLE): Promise<{ seeded: boolean; prices: number; ms: number }> {
  if (store.version > 0 || store.batches().length > 0) return { seeded: false, prices: 0, ms: 0 };
  const started = Date.now();
  const result = await store.write(generateSample(sample), { batchId: 'sample-seed' });
  return { seeded: true, prices: result.counts.prices, ms: Date.now() - started };
}

function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

/**
 * A query that answers with averages from this store's data, for the startup log: the sample's most
 * popular route (origin port to the destination port's region) when the sample is loaded, otherwise
 * the first pair of top-level regions with enough prices in the first days of 2016.
 */
export async function exampleQuery(store: Ratestore, sample: SampleOptions = DEFAULT_SAMPLE): Promise<ExampleQuery | undefined> {
  const dateFrom = sample.dateFrom ?? '2016-01-01';
  const dateTo = addDays(dateFrom, 9);
  const candidates: Array<[string, string]> = [];
  if (store.batch('sample-seed') !== undefined) {
    for (const route of sampleRoutes(sample).slice(0, 3)) {
      const region = store.port(route.destination)?.region;
      if (region !== undefined) candidates.push([route.origin, region]);
      candidates.push([route.origin, route.destination]);
    }
  }
  const roots = store.tree().map((node) => node.slug).slice(0, 6);
  for (const origin of roots) for (const destination of roots) candidates.push([origin, destination]);
  for (const [origin, destination] of candidates) {
    try {
      const { rows } = await store.rates({ dateFrom, dateTo, origin, destination });
      if (rows.some((row) => row.average !== null)) return { origin, destination, dateFrom, dateTo };
    } catch {
      // not a usable candidate
    }
  }
  return undefined;
}
