import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { notModified } from '../cache.js';

/**
 * The pages for people: the rates explorer at `/` and the API reference at `/docs/`. Both are
 * static files, served without an API key (they hold no data; what the explorer shows comes from
 * the API, with the key the person enters). Nothing is loaded from another origin: the charting
 * library (uPlot) and the reference renderer (Swagger UI) are served from this package's own
 * dependencies, and a Content-Security-Policy holds every page to that.
 *
 * The page sources are in packages/server/web (HTML and CSS as they are, TypeScript compiled to
 * dist/web by `npm run build`).
 */

const here = dirname(fileURLToPath(import.meta.url));
/** packages/server/web: the HTML and CSS. */
const SOURCES = join(here, '..', '..', '..', 'web');
/** packages/server/dist/web: the compiled scripts. */
const SCRIPTS = join(here, '..', '..', 'web');
const require = createRequire(import.meta.url);
const UPLOT = dirname(require.resolve('uplot/package.json'));
const SWAGGER_UI = dirname(require.resolve('swagger-ui-dist/package.json'));
/** @ratestore/client's build: the explorer talks to the API through the SDK's browser-safe remote client. */
const CLIENT = dirname(require.resolve('@ratestore/client'));
/** @ratestore/core's contract, the one part of core the remote client imports. */
const CONTRACT = dirname(require.resolve('@ratestore/core/contract'));

/**
 * The client's modules import the contract by its package name, which a browser resolves only
 * through an import map (an inline script, which the pages' CSP refuses): they are served with
 * that one specifier pointed at the URL the contract is served at, beside them.
 */
const CONTRACT_IMPORT = /(\bfrom\s*|\bimport\s*\(\s*)(['"])@ratestore\/core\/contract\2/g;

async function sendClientModule(req: Request, res: Response, next: NextFunction): Promise<void> {
  let code: string;
  try {
    code = (await readFile(join(CLIENT, basename(req.path)), 'utf8')).replace(CONTRACT_IMPORT, '$1$2../contract/index.js$2');
  } catch {
    next();
    return;
  }
  const etag = `"${createHash('sha1').update(code).digest('base64url')}"`;
  pageHeaders(res);
  res.setHeader('ETag', etag);
  if (notModified(req, etag)) res.status(304).end();
  else res.type('text/javascript').send(code);
}

/**
 * Only this origin's scripts, styles, images and fetches; no framing. Swagger UI's and uPlot's
 * styles all come from their stylesheets or the CSSOM, which `style-src 'self'` allows.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'"
].join('; ');

/** Security headers, and revalidation on every use (the ETag makes that a 304), so an upgrade shows at once. */
function pageHeaders(res: Response): void {
  res.setHeader('Content-Security-Policy', PAGE_CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cache-Control', 'no-cache');
}

/** Files by URL path: each page's own files, and the few files of its libraries it needs. */
const FILES: Record<string, string> = {
  '/': join(SOURCES, 'explorer', 'index.html'),
  '/explorer/explorer.css': join(SOURCES, 'explorer', 'explorer.css'),
  '/explorer/vendor/uplot.js': join(UPLOT, 'dist', 'uPlot.esm.js'),
  '/explorer/vendor/uplot.css': join(UPLOT, 'dist', 'uPlot.min.css'),
  '/docs': join(SOURCES, 'docs', 'index.html'),
  '/docs/': join(SOURCES, 'docs', 'index.html'),
  '/docs/swagger-ui.css': join(SWAGGER_UI, 'swagger-ui.css'),
  '/docs/swagger-ui-bundle.js': join(SWAGGER_UI, 'swagger-ui-bundle.js')
};

export function webRoutes(): Router {
  // Strict: `/docs` and `/docs/` are both the page (its links are absolute), nothing else is.
  const router = Router({ strict: true });
  for (const [path, file] of Object.entries(FILES)) {
    router.get(path, (_req, res, next) => {
      pageHeaders(res);
      // A failure after the headers went out is a client that left: nothing to answer.
      res.sendFile(file, { cacheControl: false }, (error) => {
        if (error !== undefined && !res.headersSent) next(error);
      });
    });
  }
  // The compiled page scripts, the client's modules and the contract's: only .js (not their source maps or anything else in the folders).
  const options = { index: false, redirect: false, cacheControl: false, setHeaders: pageHeaders } as const;
  router.get(/^\/(explorer|docs)\/[a-z-]+\.js$/, express.static(SCRIPTS, options));
  router.get(/^\/explorer\/vendor\/client\/[a-z-]+\.js$/, sendClientModule);
  router.use('/explorer/vendor/contract', Router().get(/^\/[a-z-]+\.js$/, express.static(CONTRACT, options)));
  return router;
}
