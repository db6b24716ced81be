import { Router } from 'express';
import type { AppContext } from '../context.js';
import { cachedRead } from '../cache.js';
import { optionalInteger, readVersion, required } from '../params.js';
import { DEFAULT_MIN_COUNT, ratesToWire } from '@ratestore/core/contract';

/** `GET /v1/rates`: exact averages with count, min and max, `min_count`, `as_of`, and the version read. */
export function v1RatesRoutes(ctx: AppContext): Router {
  const router = Router();
  const { store, reads } = ctx;
  router.get('/v1/rates', ctx.reading, async (req, res) => {
    const dateFrom = required(req, 'date_from');
    const dateTo = required(req, 'date_to');
    const origin = required(req, 'origin');
    const destination = required(req, 'destination');
    const minCount = optionalInteger(req, 'min_count', 1) ?? DEFAULT_MIN_COUNT;
    const { asOf, version, pinned } = readVersion(req, store.version);
    const query = { dateFrom, dateTo, origin, destination, minCount, ...(asOf === undefined ? {} : { asOf }) };
    const normalized = JSON.stringify([dateFrom, dateTo, origin, destination, minCount, asOf ?? null]);
    await cachedRead(reads, req, res, { version, pinned, route: 'v1/rates', normalized, check: () => store.checkRates(query) }, async () => {
      const result = await store.rates(query);
      return { version: result.version, body: ratesToWire({ origin, destination, dateFrom, dateTo, minCount }, result) };
    });
  });
  return router;
}
