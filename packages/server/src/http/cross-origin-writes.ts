import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { allowsOrigin } from './cors.js';
import { HttpProblem } from './problem.js';

/** Methods that read; any other may write. */
const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses a write that a browser sends for a page of another origin not listed in `cors.origins`:
 * 403 RATESTORE_CROSS_ORIGIN, before anything is read or written. CORS alone keeps such a page
 * from reading answers, not from sending a "simple" request (a form's POST, `text/plain`, a body-
 * less revert), which a server without API keys on loopback would carry out. Browsers name the
 * page's origin in `Origin` on every cross-origin write; a request without `Origin` (curl, the
 * client SDK, a server) and one from the server's own origin (its `Host`) go on.
 */
export function crossOriginWrites(origins: readonly string[]): RequestHandler {
  const allows = allowsOrigin(origins);
  return (req: Request, _res: Response, next: NextFunction): void => {
    const origin = req.headers.origin;
    if (origin === undefined || READS.has(req.method) || allows(origin) || sameOrigin(origin, req.headers.host)) {
      next();
      return;
    }
    next(new HttpProblem(403, 'RATESTORE_CROSS_ORIGIN', `a write from a page of ${origin} is refused: list the origin in cors.origins to allow it`));
  };
}

/** Whether `origin` is the server's own, as the request's Host names it. */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined) return false;
  try {
    return new URL(origin).host === new URL(`http://${host}`).host;
  } catch {
    return false;
  }
}
