import { Router } from 'express';
import { openApiDocument } from '../../openapi.js';

/** `/openapi.json`: the OpenAPI 3.1 description of this server. */
export function openApiRoutes(): Router {
  const router = Router();
  const body = JSON.stringify(openApiDocument());
  router.get('/openapi.json', (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.type('application/json').send(body);
  });
  return router;
}
