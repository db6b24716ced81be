import { Router, type Request, type Response } from 'express';
import type { BatchItem } from '@ratestore/core';
import { regionDetail } from '@ratestore/core/contract';
import type { AppContext } from '../context.js';
import { jsonObjectBody } from '../body.js';
import { cachedRead } from '../cache.js';
import { batchIdOf, objectBody, readVersion } from '../params.js';
import { HttpProblem, engineCall } from '../problem.js';
import { fixedFingerprint } from '../idempotency.js';
import { commitBatch, firstIssueProblem } from '../write.js';

/** Ports, regions and the region tree: read them (optionally `as_of` a version), change them through batches. */
export function locationRoutes(ctx: AppContext): Router {
  const router = Router();
  const { store, reads } = ctx;
  const read = ctx.reading;
  const write = ctx.auth.require('write');
  const json = jsonObjectBody(ctx.config.limits.jsonBodyBytes);

  const versioned = async (req: Request, res: Response, route: string, key: string, body: (asOf: number | undefined, version: number) => unknown) => {
    const { asOf, version, pinned } = readVersion(req, store.version);
    await cachedRead(reads, req, res, { version, pinned, route, normalized: JSON.stringify([key, asOf ?? null]) }, () =>
      engineCall(() => ({ version, body: body(asOf, asOf ?? version) }), { code: 'code', slug: 'slug' }));
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
      return { version, region: regionDetail(region, store.regionChildren(region.slug, options)!) };
    }));

  router.get('/v1/tree', read, (req, res) =>
    versioned(req, res, 'v1/tree', '', (asOf, version) => ({ version, regions: store.tree(asOf === undefined ? {} : { asOf }) })));

  /** A change of one port or region is a batch of one item; a bad member is answered as that member. */
  const change = (req: Request, res: Response, route: string, item: BatchItem, parameters: Record<string, string>) => {
    const batchId = batchIdOf(req);
    return commitBatch(ctx, res, {
      batchId,
      fingerprint: fixedFingerprint(route, item),
      prepare: () => ({ commit: (fingerprint) => store.write([item], { fingerprint, ...(batchId === undefined ? {} : { batchId }) }) }),
      rejected: (error) => firstIssueProblem(error, { status: 422, listIssues: true, parameterOf: (issue) => parameters[issue.field] })
    });
  };

  router.put('/v1/ports/:code', write, json, async (req, res) => {
    const body = objectBody(req, ['name', 'region']);
    await change(req, res, 'PUT /v1/ports', { type: 'port', code: String(req.params.code), name: body.name as string, region: body.region as string }, { code: 'code' });
  });

  router.put('/v1/regions/:slug', write, json, async (req, res) => {
    const body = objectBody(req, ['name', 'parent']);
    await change(req, res, 'PUT /v1/regions', { type: 'region', slug: String(req.params.slug), name: body.name as string, parent: (body.parent as string | null | undefined) ?? null }, { slug: 'slug' });
  });

  return router;
}
