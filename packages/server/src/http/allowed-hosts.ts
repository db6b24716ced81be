import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { isLoopback } from '../config.js';
import { HttpProblem } from './problem.js';

/**
 * Refuses, on a server without API keys, a request for a host name that is neither a loopback name
 * nor in `allowedHosts`: 403 RATESTORE_HOST_NOT_ALLOWED, before anything is read or written.
 *
 * A keyless server listens on loopback only, yet a web page can still reach it: its site makes one
 * of its own names resolve to 127.0.0.1 (DNS rebinding), and to the browser the server is then that
 * site's own origin, so neither CORS nor the cross-origin write check stands in the way. Such a
 * request carries the site's name in `Host`. With API keys configured, names are not checked: the
 * server is reached by whatever name its proxy or DNS gives it, and keys guard what matters.
 * A request without `Host` (HTTP/1.0 health checks) is not a browser's and goes on.
 */
export function allowedHosts(hosts: readonly string[], keyless: boolean): RequestHandler | undefined {
  if (!keyless || hosts.includes('*')) return undefined;
  const allows = allowsHost(hosts);
  return (req: Request, _res: Response, next: NextFunction): void => {
    const host = req.headers.host;
    if (host === undefined || allows(host)) {
      next();
      return;
    }
    next(new HttpProblem(403, 'RATESTORE_HOST_NOT_ALLOWED', `a request for host ${JSON.stringify(host.slice(0, 100))} is refused: a server without API keys answers to loopback names only; list the name in allowedHosts to allow it`));
  };
}

/** Whether a `Host` header names loopback or an allowed name (`.example.com`: it and its subdomains). */
function allowsHost(hosts: readonly string[]): (host: string) => boolean {
  const exact = new Set(hosts.filter((name) => !name.startsWith('.')));
  const suffixes = hosts.filter((name) => name.startsWith('.'));
  return (host) => {
    const name = hostName(host);
    if (name === undefined) return false;
    if (name === 'localhost' || name.endsWith('.localhost') || isLoopback(name) || exact.has(name)) return true;
    return suffixes.some((suffix) => name.endsWith(suffix) || name === suffix.slice(1));
  };
}

/** The host name of a `Host` header (`name[:port]`) as URLs normalise it (lowercase, `127.1` as `127.0.0.1`), or undefined when it is none. */
export function hostName(host: string): string | undefined {
  if (/[/?#@\\\s]/.test(host)) return undefined;
  try {
    return new URL(`http://${host}`).hostname;
  } catch {
    return undefined;
  }
}
