import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import { chunkToWire, committedUploadToWire, stagedUploadToWire } from '@ratestore/core/contract';
import type { AppContext } from '../context.js';
import { batchLimits, bodyFormat, bodyItems, jsonObjectBody } from '../body.js';
import { batchIdOf, objectBody } from '../params.js';
import { HttpProblem, engineCall } from '../problem.js';
import { checkReplay, fixedFingerprint } from '../idempotency.js';
import { admitted, commitBatch } from '../write.js';

/** The fingerprint of a staged upload: the upload itself (its chunks were acknowledged one by one). */
const UPLOAD = fixedFingerprint('POST /v1/uploads', []);

/**
 * Staged uploads, for batches too big for one request: create (with a batch id), PUT numbered chunks
 * in any order (re-sending one replaces it), then commit or abort. Staged chunks live in the store,
 * so an upload survives a restart.
 */
export function uploadRoutes(ctx: AppContext): Router {
  const router = Router();
  const { store } = ctx;
  const write = ctx.auth.require('write');
  const read = ctx.reading;
  const json = jsonObjectBody(ctx.config.limits.jsonBodyBytes);
  const idParams = { batchId: 'id' };

  /** Reads and bookkeeping of uploads; their writes go through `admitted`. */
  const engine = <T>(work: () => T | Promise<T>): Promise<T> => engineCall(work, idParams);

  router.post('/v1/uploads', write, json, async (req, res) => {
    const body = req.body === undefined ? {} : objectBody(req, ['batch_id']);
    const batchId = batchIdOf(req, body.batch_id) ?? randomUUID();
    const replayed = async (): Promise<boolean> => {
      const done = await engine(() => store.batch(batchId));
      if (done === undefined) return false;
      checkReplay(done, UPLOAD.stored, 'batch_id');
      res.setHeader('Idempotent-Replayed', 'true');
      res.status(200).json(committedUploadToWire(done));
      return true;
    };
    await ctx.batchLocks.run(batchId, async () => {
      if (await replayed()) return;
      // begin() resumes an upload staged before: that is no new one.
      const { created } = await engine(() => store.begin(batchId));
      const info = await engine(() => store.staged(batchId));
      // Nothing staged after begin(): the id was committed in between (by a write that bypassed this
      // server's lock: answered as a replay), or a DELETE aborted the upload in between.
      if (info === undefined) {
        if (await replayed()) return;
        throw new HttpProblem(409, 'RATESTORE_UNKNOWN_BATCH', `upload ${batchId} was aborted while it was being created`, { parameter: 'batch_id' });
      }
      res.setHeader('Location', `/v1/uploads/${encodeURIComponent(batchId)}`);
      res.status(created ? 201 : 200).json(stagedUploadToWire(info));
    });
  });

  router.get('/v1/uploads', read, async (_req, res) => {
    res.json({ uploads: (await engine(() => store.stagedBatches())).map(stagedUploadToWire) });
  });

  router.get('/v1/uploads/:id', read, async (req, res) => {
    const id = String(req.params.id);
    const done = await engine(() => store.batch(id));
    if (done !== undefined) {
      res.json(committedUploadToWire(done));
      return;
    }
    const info = await engine(() => store.staged(id));
    if (info === undefined) throw new HttpProblem(404, 'RATESTORE_UNKNOWN_BATCH', `no upload ${id}`, { parameter: 'id' });
    res.json(stagedUploadToWire(info));
  });

  router.put('/v1/uploads/:id/chunks/:chunk', write, async (req, res) => {
    const id = String(req.params.id);
    if (!/^\d{1,10}$/.test(String(req.params.chunk)) || Number(String(req.params.chunk)) > 0xffff_fffe) {
      throw new HttpProblem(400, 'RATESTORE_INVALID_PARAMETER', `the chunk number must be an integer from 0 to ${0xffff_fffe}`, { parameter: 'chunk' });
    }
    const chunk = Number(String(req.params.chunk));
    const format = bodyFormat(req);
    const items = bodyItems(req, format, batchLimits(ctx));
    const result = await admitted(ctx, () => store.addChunk(id, items, { chunk }), { parameters: idParams });
    res.json(chunkToWire(result));
  });

  router.post('/v1/uploads/:id/commit', write, async (req, res) => {
    const id = String(req.params.id);
    await commitBatch(ctx, res, {
      batchId: id,
      parameters: idParams,
      fingerprint: UPLOAD,
      // The item limit is per batch: chunks are checked one by one as they arrive, the whole by the
      // commit, under its lock (counted before it, chunks still arriving slipped past the limit).
      prepare: async () => ({ commit: () => store.commit(id, { fingerprint: UPLOAD.stored, maxItems: ctx.config.limits.batchItems }) })
    });
  });

  router.delete('/v1/uploads/:id', write, async (req, res) => {
    const id = String(req.params.id);
    const aborted = await engine(() => store.abort(id));
    if (!aborted) throw new HttpProblem(404, 'RATESTORE_UNKNOWN_BATCH', `no upload ${id}`, { parameter: 'id' });
    res.status(204).end();
  });

  return router;
}
