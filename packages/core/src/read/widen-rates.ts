import type { Engine } from '../engine.js';
import type { RatesResult } from '../types.js';
import { readRates, type RatesRequest } from './read-rates.js';

/**
 * A rates query that widens a thin lane: while no day of the range reaches `minCount` prices, one
 * side moves up one level (a port to its region, a region to its parent), the side with fewer
 * prices over the range first (the origin on a tie), until some day reaches `minCount` or both
 * sides are top-level regions. A side's prices are those of every route leaving the origin, or
 * reaching the destination: the sum over the top-level regions R of the pair (origin, R), or
 * (R, destination), which the rollups already hold. Every read is at the request's version.
 */
export async function widenRates(engine: Engine, request: RatesRequest): Promise<Required<RatesResult>> {
  let { origin, destination } = request;
  for (;;) {
    const result = await readRates(engine, { ...request, origin, destination });
    const originParent = parentOf(engine, origin, request.version);
    const destinationParent = parentOf(engine, destination, request.version);
    if (result.rows.some((row) => row.count >= request.minCount) || (originParent === undefined && destinationParent === undefined)) {
      return { ...result, originUsed: origin, destinationUsed: destination };
    }
    let widenOrigin = destinationParent === undefined;
    if (originParent !== undefined && destinationParent !== undefined) {
      widenOrigin = (await sidePrices(engine, request, origin, 'origin')) <= (await sidePrices(engine, request, destination, 'destination'));
    }
    if (widenOrigin) origin = originParent!;
    else destination = destinationParent!;
  }
}

/** The region a port is in, the parent of a region, or undefined for a top-level region. */
function parentOf(engine: Engine, location: string, version: number): string | undefined {
  const port = engine.catalog.port(location, version);
  if (port !== undefined) return port.region;
  return engine.catalog.region(location, version)?.parent ?? undefined;
}

/** Prices over the range of every route leaving `location` (side 'origin') or reaching it. */
async function sidePrices(engine: Engine, request: RatesRequest, location: string, side: 'origin' | 'destination'): Promise<number> {
  const { catalog, index } = engine;
  const view = request.version === index.head ? catalog.headView() : catalog.view(request.version);
  let total = 0;
  for (const region of view.regions.values()) {
    if (region.parent !== null) continue;
    const pair = side === 'origin' ? { origin: location, destination: region.slug } : { origin: region.slug, destination: location };
    // Only counts are wanted here: no bins to decode.
    const { rows } = await readRates(engine, { ...request, ...pair, percentiles: undefined });
    for (const row of rows) total += row.count;
  }
  return total;
}
