import { Router } from 'express';
import type { AppContext } from '../context.js';

/** `GET /v1/status`: this node, the version it answers at, and how far behind the log it is. */
export function statusRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/v1/status', ctx.reading, async (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json(await ctx.node.status());
  });
  return router;
}
