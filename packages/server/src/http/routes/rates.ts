import express, { Router } from 'express';
import { RatestoreError, type PriceItem } from '@ratestore/core';
import type { AppContext } from '../context.js';
import { cachedRead } from '../cache.js';
import { batchIdOf, objectBody, required } from '../params.js';
import { HttpProblem, toProblem } from '../problem.js';
import { commitJson, roundHalfUp } from '../wire.js';
import { toUsd } from '../../currency.js';

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Days since the epoch of a real calendar date `YYYY-MM-DD`, or undefined. */
function epochDay(text: string): number | undefined {
  const m = DAY.exec(text);
  if (m === null) return undefined;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(ms).toISOString().slice(0, 10) === text ? ms / 86_400_000 : undefined;
}

function dayText(epoch: number): string {
  return new Date(epoch * 86_400_000).toISOString().slice(0, 10);
}

/** The original API: `GET /rates` (bare list, integer averages) and `POST /rates` (one price over a range). */
export function ratesRoutes(ctx: AppContext): Router {
  const router = Router();
  const { store, reads } = ctx;

  router.get('/rates', ctx.auth.require('read'), async (req, res) => {
    const q = {
      dateFrom: required(req, 'date_from'),
      dateTo: required(req, 'date_to'),
      origin: required(req, 'origin'),
      destination: required(req, 'destination')
    };
    const version = store.version;
    res.setHeader('X-Ratestore-Version', String(version));
    await cachedRead(reads, req, res, { version, pinned: false, route: 'rates', normalized: JSON.stringify([q.dateFrom, q.dateTo, q.origin, q.destination]) }, async () => {
      const result = await store.rates(q);
      if (result.version !== version) res.setHeader('X-Ratestore-Version', String(result.version));
      return {
        version: result.version,
        body: result.rows.map((row) => ({ day: row.day, average_price: row.average === null ? null : roundHalfUp(row.average) }))
      };
    });
  });

  router.post('/rates', ctx.auth.require('write'), express.json({ limit: ctx.config.limits.jsonBodyBytes, type: () => true }), async (req, res) => {
    const body = objectBody(req);
    for (const name of ['date_from', 'date_to', 'origin_code', 'destination_code', 'price']) {
      if (body[name] === undefined || body[name] === null || body[name] === '') {
        throw new HttpProblem(400, 'RATESTORE_MISSING_PARAMETER', `the body member ${name} is required`, { parameter: name });
      }
    }
    const days: number[] = [];
    for (const name of ['date_from', 'date_to'] as const) {
      const day = typeof body[name] === 'string' ? epochDay(body[name]) : undefined;
      if (day === undefined) throw new HttpProblem(400, 'RATESTORE_INVALID_DATE', `${name} must be a calendar date YYYY-MM-DD, got ${JSON.stringify(body[name])}`, { parameter: name });
      days.push(day);
    }
    const [from, to] = days as [number, number];
    if (from > to) throw new HttpProblem(400, 'RATESTORE_DATE_RANGE_REVERSED', `date_from ${String(body.date_from)} is after date_to ${String(body.date_to)}`, { parameter: 'date_from' });
    if (to - from + 1 > ctx.config.limits.postRangeDays) {
      throw new HttpProblem(400, 'RATESTORE_RANGE_TOO_LONG', `the range spans ${to - from + 1} days; at most ${ctx.config.limits.postRangeDays} are allowed`, { parameter: 'date_to' });
    }
    for (const name of ['origin_code', 'destination_code']) {
      if (typeof body[name] !== 'string') throw new HttpProblem(400, 'RATESTORE_INVALID_PARAMETER', `${name} must be a port code`, { parameter: name });
    }
    if (typeof body.price !== 'number' || !Number.isFinite(body.price) || body.price <= 0) {
      throw new HttpProblem(400, 'RATESTORE_INVALID_PARAMETER', `price must be a positive number, got ${JSON.stringify(body.price)}`, { parameter: 'price' });
    }
    if (body.currency !== undefined && typeof body.currency !== 'string') throw new HttpProblem(400, 'RATESTORE_UNKNOWN_CURRENCY', 'currency must be a currency code such as EUR', { parameter: 'currency' });
    const price = await toUsd(ctx.exchangeRates, body.price, (body.currency as string | undefined) ?? 'USD');
    const origin = body.origin_code as string;
    const destination = body.destination_code as string;
    function* items(): Generator<PriceItem> {
      for (let day = from; day <= to; day++) yield { origin, destination, day: dayText(day), price };
    }
    const batchId = batchIdOf(req);
    const replay = batchId !== undefined && store.batch(batchId) !== undefined;
    const result = await ctx.admission.run(async () => {
      try {
        return await store.write(items(), batchId === undefined ? {} : { batchId });
      } catch (error) {
        // Anything but a rejected batch goes to the shared handler as it is, stack and all.
        if (!(error instanceof RatestoreError) || error.code !== 'RATESTORE_INVALID_BATCH') throw error;
        const problem = toProblem(error);
        ctx.metrics.rejected.inc();
        // One item per day, all alike: name the body member at fault instead of listing items.
        const issue = (problem.extra?.issues as Array<{ field: string; code: string; reason: string }> | undefined)?.[0];
        const parameter = issue === undefined ? undefined : { origin: 'origin_code', destination: 'destination_code', price: 'price', day: 'date_from' }[issue.field];
        const code = issue?.code ?? problem.code;
        throw new HttpProblem(400, code, issue === undefined ? problem.message : `${parameter ?? issue.field}: ${issue.reason}`, parameter === undefined ? {} : { parameter });
      }
    });
    if (replay) res.setHeader('Idempotent-Replayed', 'true');
    else ctx.metrics.committed(result.counts);
    res.status(201).json({ ...commitJson(result), price_usd: price });
  });

  return router;
}
