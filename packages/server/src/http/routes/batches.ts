import { Router } from 'express';
import type { AppContext } from '../context.js';
import { BatchBody, batchLimits } from '../body.js';
import { cachedRead } from '../cache.js';
import { batchIdOf } from '../params.js';
import { HttpProblem } from '../problem.js';
import { batchToWire, revertToWire } from '@ratestore/core/contract';
import { commitBatch } from '../write.js';

/** Atomic batches in one request (JSON array, NDJSON or CSV, streamed), the batch log, reverts. */
export function batchRoutes(ctx: AppContext): Router {
  const router = Router();
  const { store, reads } = ctx;

  router.post('/v1/batches', ctx.auth.require('write'), async (req, res) => {
    const body = new BatchBody(req, 'POST /v1/batches', batchLimits(ctx));
    const batchId = batchIdOf(req);
    await commitBatch(ctx, res, {
      batchId,
      fingerprint: body,
      prepare: () => ({ commit: (fingerprint) => store.write(body.items(), { fingerprint, ...(batchId === undefined ? {} : { batchId }) }) })
    });
  });

  router.get('/v1/batches', ctx.reading, async (req, res) => {
    const version = store.version;
    await cachedRead(reads, req, res, { version, pinned: false, route: 'v1/batches', normalized: '' }, () => ({
      version,
      body: { version, batches: store.batches().map(batchToWire) }
    }));
  });

  router.get('/v1/batches/:id', ctx.reading, async (req, res) => {
    const version = store.version;
    await cachedRead(reads, req, res, { version, pinned: false, route: 'v1/batch', normalized: String(req.params.id) }, () => {
      const info = store.batch(String(req.params.id));
      if (info === undefined) throw new HttpProblem(404, 'RATESTORE_UNKNOWN_BATCH', `no committed batch ${String(req.params.id)}`, { parameter: 'id' });
      return { version, body: batchToWire(info) };
    });
  });

  router.post('/v1/batches/:id/revert', ctx.auth.require('admin'), async (req, res) => {
    const id = String(req.params.id);
    // One revert of an id at a time, as with commits: counted once, every repeat marked (the engine
    // tells, also of a revert that landed through another node of a cluster at the same time).
    await ctx.batchLocks.run(id, async () => {
      const result = await ctx.admission.run(() => store.revert(id));
      if (result.replayed === true) res.setHeader('Idempotent-Replayed', 'true');
      else ctx.metrics.batches.inc({ kind: 'revert' });
      res.status(201).json(revertToWire(result));
    });
  });

  return router;
}
