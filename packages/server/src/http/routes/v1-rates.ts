import { Router } from 'express';
import type { AppContext } from '../context.js';
import { cachedRead } from '../cache.js';
import { optionalBoolean, optionalInteger, optionalPercentiles, readVersion, required } from '../params.js';
import { DEFAULT_MIN_COUNT, ratesToWire } from '@ratestore/core/contract';

/** `GET /v1/rates`: exact averages with count, min and max, `min_count`, `as_of`, `widen`, `percentiles`, and the version read. */
export function v1RatesRoutes(ctx: AppContext): Router {
  const router = Router();
  const { store, reads } = ctx;
  router.get('/v1/rates', ctx.reading, async (req, res) => {
    const dateFrom = required(req, 'date_from');
    const dateTo = required(req, 'date_to');
    const origin = required(req, 'origin');
    const destination = required(req, 'destination');
    const minCount = optionalInteger(req, 'min_count', 1) ?? DEFAULT_MIN_COUNT;
    const widen = optionalBoolean(req, 'widen') ?? false;
    const { asOf, version, pinned } = readVersion(req, store.version);
    const percentiles = optionalPercentiles(req);
    const query = { dateFrom, dateTo, origin, destination, minCount, widen, ...(asOf === undefined ? {} : { asOf }), ...(percentiles === undefined ? {} : { percentiles }) };
    // The numbers, not the text: `25,50` and `25.0,50` are one answer, one cache entry and one ETag.
    const normalized = JSON.stringify([dateFrom, dateTo, origin, destination, minCount, asOf ?? null, widen, percentiles ?? null]);
    await cachedRead(reads, req, res, { version, pinned, route: 'v1/rates', normalized, check: () => store.checkRates(query) }, async () => {
      const result = await store.rates(query);
      return { version: result.version, body: ratesToWire({ origin, destination, dateFrom, dateTo, minCount }, result) };
    });
  });
  return router;
}
