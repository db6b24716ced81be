import express, { Router, type Request, type Response } from 'express';
import type { BatchItem } from '@ratestore/core';
import type { AppContext } from '../context.js';
import { cachedRead } from '../cache.js';
import { batchIdOf, objectBody, optionalInteger } from '../params.js';
import { HttpProblem, fromEngineError } from '../problem.js';
import { RatestoreError } from '@ratestore/core';
import { commitJson } from '../wire.js';

/** Ports, regions and the region tree: read them (optionally `as_of` a version), change them through batches. */
export function locationRoutes(ctx: AppContext): Router {
  const router = Router();
  const { store, reads } = ctx;
  const read = ctx.auth.require('read');
  const write = ctx.auth.require('write');
  const json = express.json({ limit: ctx.config.limits.jsonBodyBytes, type: () => true });

  const versioned = async (req: Request, res: Response, route: string, key: string, body: (asOf: number | undefined, version: number) => unknown) => {
    const asOf = optionalInteger(req, 'as_of', 0);
    const pinned = asOf !== undefined && asOf <= store.version;
    const version = pinned ? asOf : store.version;
    await cachedRead(reads, req, res, { version, pinned, route, normalized: JSON.stringify([key, asOf ?? null]) }, () => {
      try {
        return { version, body: body(asOf, asOf ?? version) };
      } catch (error) {
        throw error instanceof RatestoreError ? fromEngineError(error, { code: 'code', slug: 'slug' }) : error;
      }
    });
  };

  router.get('/v1/ports', read, (req, res) =>
    versioned(req, res, 'v1/ports', '', (asOf, version) => ({ version, ports: store.ports(asOf === undefined ? {} : { asOf }) })));

  router.get('/v1/ports/:code', read, (req, res) =>
    versioned(req, res, 'v1/port', String((req.params.code)), (asOf, version) => {
      const port = store.port(String((req.params.code)), asOf === undefined ? {} : { asOf });
      if (port === undefined) throw new HttpProblem(404, 'RATESTORE_NOT_FOUND', `no port ${String(req.params.code)}`, { parameter: 'code' });
      return { version, port };
    }));

  router.get('/v1/regions', read, (req, res) =>
    versioned(req, res, 'v1/regions', '', (asOf, version) => ({ version, regions: store.regions(asOf === undefined ? {} : { asOf }) })));

  router.get('/v1/regions/:slug', read, (req, res) =>
    versioned(req, res, 'v1/region', String((req.params.slug)), (asOf, version) => {
      const options = asOf === undefined ? {} : { asOf };
      const region = store.region(String((req.params.slug)), options);
      if (region === undefined) throw new HttpProblem(404, 'RATESTORE_NOT_FOUND', `no region ${String(req.params.slug)}`, { parameter: 'slug' });
      const ports = store.ports(options).filter((port) => port.region === region.slug).map((port) => port.code);
      const regions = store.regions(options).filter((child) => child.parent === region.slug).map((child) => child.slug);
      return { version, region: { ...region, ports, regions } };
    }));

  router.get('/v1/tree', read, (req, res) =>
    versioned(req, res, 'v1/tree', '', (asOf, version) => ({ version, regions: store.tree(asOf === undefined ? {} : { asOf }) })));

  /** A change of one port or region is a batch of one item. */
  const change = async (req: Request, res: Response, item: BatchItem, parameters: Record<string, string>) => {
    const batchId = batchIdOf(req);
    const replay = batchId !== undefined && store.batch(batchId) !== undefined;
    const result = await ctx.admission.run(async () => {
      try {
        return await store.write([item], batchId === undefined ? {} : { batchId });
      } catch (error) {
        if (!(error instanceof RatestoreError) || error.code !== 'RATESTORE_INVALID_BATCH') throw error;
        ctx.metrics.rejected.inc();
        const issue = error.issues?.[0];
        throw new HttpProblem(422, issue?.code ?? error.code, issue === undefined ? error.message : `${issue.field}: ${issue.reason}`, {
          ...(issue === undefined ? {} : { parameter: parameters[issue.field] ?? issue.field }),
          extra: { issues: error.issues, issue_count: error.issueCount }
        });
      }
    });
    if (!replay) ctx.metrics.committed(result.counts);
    res.status(201).json(commitJson(result));
  };

  router.put('/v1/ports/:code', write, json, async (req, res) => {
    const body = objectBody(req);
    await change(req, res, { type: 'port', code: String((req.params.code)), name: body.name as string, region: body.region as string }, { code: 'code' });
  });

  router.put('/v1/regions/:slug', write, json, async (req, res) => {
    const body = objectBody(req);
    await change(req, res, { type: 'region', slug: String((req.params.slug)), name: body.name as string, parent: (body.parent as string | null | undefined) ?? null }, { slug: 'slug' });
  });

  return router;
}
