import cors from 'cors';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** The methods the API uses. */
export const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'];
/** Request headers the server reads (and `@ratestore/client` sends) that are not CORS-safelisted. */
export const CORS_REQUEST_HEADERS = ['Authorization', 'Content-Type', 'Idempotency-Key', 'If-None-Match', 'X-Request-Id'];
/** Response headers the server sets that a page may need to read (beyond the safelisted ones). */
export const CORS_EXPOSED_HEADERS = ['ETag', 'Location', 'Retry-After', 'WWW-Authenticate', 'X-Request-Id', 'X-Ratestore-Version', 'Idempotent-Replayed'];
/** How long browsers may reuse a preflight answer. */
export const CORS_MAX_AGE_SECONDS = 600;

/**
 * CORS for `origins` (`*`: any), or undefined when there are none. A request from an allowed origin
 * gets the `Access-Control-*` headers; a preflight (`OPTIONS`) from one is answered 204 here, before
 * any route, so it needs no key and takes nothing from a key's rate limit. Other origins, and
 * requests without `Origin`, get no CORS headers (browsers then refuse the answer to the page), but
 * `Vary: Origin` tells caches the answer depends on it.
 */
export function corsMiddleware(origins: readonly string[]): RequestHandler | undefined {
  if (origins.length === 0) return undefined;
  const anyOrigin = origins.includes('*');
  const allows = allowsOrigin(origins);
  const handler = cors({
    origin: anyOrigin ? '*' : (origin, callback) => callback(null, origin !== undefined && allows(origin)),
    methods: CORS_METHODS,
    allowedHeaders: CORS_REQUEST_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: CORS_MAX_AGE_SECONDS,
    optionsSuccessStatus: 204
  });
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!anyOrigin) res.vary('Origin');
    if (req.headers.origin === undefined) next();
    else handler(req, res, next);
  };
}

/** Whether `cors.origins` lets pages of `origin` in: listed, or `*`. */
export function allowsOrigin(origins: readonly string[]): (origin: string) => boolean {
  if (origins.includes('*')) return () => true;
  const allowed = new Set(origins);
  return (origin) => allowed.has(origin);
}
