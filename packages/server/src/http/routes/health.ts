import { Router } from 'express';
import type { AppContext } from '../context.js';

/** `/healthz`: the process is alive. `/readyz`: 200 only when open and not draining (503 while starting or draining). */
export function healthRoutes(ctx: AppContext): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  router.get('/readyz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const state = ctx.lifecycle.state;
    if (state === 'ready' && ctx.store.status === 'open') res.json({ status: 'ready', version: ctx.store.version });
    else res.status(503).setHeader('Retry-After', '1').json({ status: state === 'ready' ? 'starting' : state });
  });
  return router;
}
