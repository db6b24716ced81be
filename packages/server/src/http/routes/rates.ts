import { Router } from 'express';
import { RatestoreError, moneyCents, type BatchInfo, type PriceItem, type RatestoreReader } from '@ratestore/core';
import { DAY_RULE, dailyAveragesToWire, formatDay, parseDay } from '@ratestore/core/contract';
import type { AppContext } from '../context.js';
import { jsonObjectBody } from '../body.js';
import { cachedRead } from '../cache.js';
import { batchIdOf, objectBody, required } from '../params.js';
import { HttpProblem } from '../problem.js';
import { fixedFingerprint } from '../idempotency.js';
import { commitBatch, firstIssueProblem } from '../write.js';
import { toUsd } from '../../currency.js';

/** The body members of POST /rates that item fields come from; `day` is told apart by the item's place. */
const MEMBERS: Record<string, string> = { origin: 'origin_code', destination: 'destination_code', price: 'price' };

/** The original API: `GET /rates` (bare list, integer averages) and `POST /rates` (one price over a range). */
export function ratesRoutes(ctx: AppContext): Router {
  const router = Router();
  const { store, reads } = ctx;

  router.get('/rates', ctx.reading, async (req, res) => {
    const q = {
      dateFrom: required(req, 'date_from'),
      dateTo: required(req, 'date_to'),
      origin: required(req, 'origin'),
      destination: required(req, 'destination')
    };
    const version = store.version;
    res.setHeader('X-Ratestore-Version', String(version));
    const normalized = JSON.stringify([q.dateFrom, q.dateTo, q.origin, q.destination]);
    await cachedRead(reads, req, res, { version, pinned: false, route: 'rates', normalized, check: () => store.checkRates(q) }, async () => {
      const result = await store.rates(q);
      if (result.version !== version) res.setHeader('X-Ratestore-Version', String(result.version));
      return {
        version: result.version,
        body: dailyAveragesToWire(result.rows)
      };
    });
  });

  router.post('/rates', ctx.auth.require('write'), jsonObjectBody(ctx.config.limits.jsonBodyBytes), async (req, res) => {
    const range = checkRange(objectBody(req, ['date_from', 'date_to', 'origin_code', 'destination_code', 'price', 'currency']), ctx.config.limits.postRangeDays);
    const batchId = batchIdOf(req);
    await commitBatch(ctx, res, {
      batchId,
      fingerprint: fixedFingerprint('POST /rates', [range.origin, range.destination, range.from, range.to, range.price, range.currency]),
      // The first answer's price, read back from the store: converting again could give another
      // price, or fail while the exchange-rate source is down.
      replayExtra: async (first) => ({ price_usd: await storedPrice(store, first, range) }),
      prepare: async () => {
        const price = await toUsd(ctx.exchangeRates, range.price, range.currency);
        return { commit: (fingerprint) => store.write(items(range, price), { fingerprint, ...(batchId === undefined ? {} : { batchId }) }), extra: { price_usd: price } };
      },
      // One item per day, all alike: name the body member at fault instead of listing items. The
      // engine judges each day (it takes years 1900 to 2999): the first is date_from, the last date_to.
      rejected: (error) => firstIssueProblem(error, {
        status: 400,
        listIssues: false,
        parameterOf: (issue) => (issue.field === 'day' ? (issue.index === 0 ? 'date_from' : 'date_to') : MEMBERS[issue.field])
      })
    });
  });

  return router;
}

interface PostedRange {
  from: number;
  to: number;
  origin: string;
  destination: string;
  price: number;
  /** Upper case; USD when absent. */
  currency: string;
}

/** The members of a POST /rates body, checked: 400 names the first one at fault. */
function checkRange(body: Record<string, unknown>, maxDays: number): PostedRange {
  for (const name of ['date_from', 'date_to', 'origin_code', 'destination_code', 'price']) {
    if (body[name] === undefined || body[name] === null || body[name] === '') {
      throw new HttpProblem(400, 'RATESTORE_MISSING_PARAMETER', `the body member ${name} is required`, { parameter: name });
    }
  }
  const day = (name: 'date_from' | 'date_to'): number => {
    const value = parseDay(body[name]);
    if (value === undefined) throw new HttpProblem(400, 'RATESTORE_INVALID_DATE', `${name} must be ${DAY_RULE}, got ${JSON.stringify(body[name])}`, { parameter: name });
    return value;
  };
  const from = day('date_from');
  const to = day('date_to');
  if (from > to) throw new HttpProblem(400, 'RATESTORE_DATE_RANGE_REVERSED', `date_from ${String(body.date_from)} is after date_to ${String(body.date_to)}`, { parameter: 'date_from' });
  if (to - from + 1 > maxDays) {
    throw new HttpProblem(400, 'RATESTORE_RANGE_TOO_LONG', `the range spans ${to - from + 1} days; at most ${maxDays} are allowed`, { parameter: 'date_to' });
  }
  for (const name of ['origin_code', 'destination_code']) {
    if (typeof body[name] !== 'string') throw new HttpProblem(400, 'RATESTORE_INVALID_PARAMETER', `${name} must be a port code`, { parameter: name });
  }
  // Money in the currency it was sent in; the maximum applies to the USD the store keeps.
  if (moneyCents(body.price) === undefined) {
    throw new HttpProblem(400, 'RATESTORE_INVALID_PRICE', `price must be a number from 0.01 with at most 2 decimals, got ${JSON.stringify(body.price)}`, { parameter: 'price' });
  }
  if (body.currency !== undefined && typeof body.currency !== 'string') throw new HttpProblem(400, 'RATESTORE_UNKNOWN_CURRENCY', 'currency must be a currency code such as EUR', { parameter: 'currency' });
  return { from, to, origin: body.origin_code as string, destination: body.destination_code as string, price: body.price as number, currency: ((body.currency as string | undefined) ?? 'USD').toUpperCase() };
}

function* items(range: PostedRange, price: number): Generator<PriceItem> {
  for (let day = range.from; day <= range.to; day++) yield { origin: range.origin, destination: range.destination, day: formatDay(day), price };
}

/**
 * The price a committed POST /rates batch stored, for a replay: what the route's first day gained at
 * the batch's version (every day of the batch holds the same price). The version before the batch
 * must still be readable. A batch committed without a fingerprint may have been made by another
 * request: one that names no day of its route is refused.
 */
async function storedPrice(store: RatestoreReader, first: BatchInfo, range: PostedRange): Promise<number> {
  const previous = first.version - 1;
  if (previous < store.retainedFrom) {
    throw new HttpProblem(409, 'RATESTORE_VERSION_NOT_RETAINED', `batch ${first.batchId} (version ${first.version}) is older than the retained history, so its price can no longer be told`, { parameter: 'batch_id' });
  }
  const day = formatDay(range.from);
  const total = async (asOf: number) => {
    const row = (await store.rates({ dateFrom: day, dateTo: day, origin: range.origin, destination: range.destination, minCount: 1, asOf }).catch(notFound))?.rows[0];
    return { count: row?.count ?? 0, sum: (row?.average ?? 0) * (row?.count ?? 0) };
  };
  const [after, before] = await Promise.all([total(first.version), total(previous)]);
  if (after.count - before.count === 1) return Math.round((after.sum - before.sum) * 100) / 100;
  throw new HttpProblem(409, 'RATESTORE_IDEMPOTENCY_MISMATCH', `the key ${first.batchId} names a batch (version ${first.version}) with no price for this route and day: a retry must repeat the first request, and another request needs another key`, { parameter: 'batch_id' });
}

/** A route or day the store refuses holds no price of the batch. */
function notFound(error: unknown): undefined {
  if (error instanceof RatestoreError) return undefined;
  throw error;
}
