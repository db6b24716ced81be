import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { pino, type DestinationStream, type Logger } from 'pino';
import { LogDestination } from './log-destination.js';

export type { Logger };

declare module 'express-serve-static-core' {
  interface Request {
    /** This request's logger: every line carries `req_id`. */
    log: Logger;
    /** The request id (from `X-Request-Id` when the client sent a sane one). */
    id: string;
  }
}

export const REDACTED = '[REDACTED]';

/** Headers that carry credentials: blanked wherever a logged object holds them. */
const SECRET_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key'];

/** The default destinations of the loggers createLogger made, for flushLog. */
const destinations = new WeakMap<Logger, LogDestination>();

/**
 * A logger at `level` writing JSON lines to `destination`; by default to standard output, in the
 * background (see LogDestination): a program that ends with `process.exit` awaits `flushLog` first,
 * or the lines still on their way are dropped.
 */
export function createLogger(level = 'info', destination?: DestinationStream): Logger {
  const own = destination === undefined ? new LogDestination() : undefined;
  const logger = pino({
    level,
    base: { service: 'ratestore' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: SECRET_HEADERS.flatMap((name) => [`headers["${name}"]`, `*.headers["${name}"]`]), censor: REDACTED }
  }, destination ?? own);
  if (own !== undefined) destinations.set(logger, own);
  return logger;
}

/**
 * Waits until the lines logged so far are written, or their reader is found gone, for at most
 * `timeoutMs`: call it before `process.exit`, which writes nothing more (see LogDestination).
 */
export async function flushLog(logger: Logger, timeoutMs = 1000): Promise<void> {
  const destination = destinations.get(logger);
  if (destination === undefined) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([destination.idle(), new Promise<void>((done) => (timer = setTimeout(done, timeoutMs)))]);
  clearTimeout(timer);
}

/** Query parameters that carry credentials, whatever the API reads: clients put keys there anyway. */
const SECRET_PARAMETER = /^(api[-_]?key|key|access[-_]?token|token|auth|authorization|password|passwd|secret|client[-_]?secret|app[-_]?id|signature|sig)$/i;

/** `url` (a path with a query) with the values of credential parameters replaced by [REDACTED]. */
export function redactUrl(url: string): string {
  const query = url.indexOf('?');
  if (query === -1) return url;
  const redacted = url.slice(query + 1).split('&').map((pair) => {
    const equals = pair.indexOf('=');
    const name = equals === -1 ? pair : pair.slice(0, equals);
    let decoded = name;
    try {
      decoded = decodeURIComponent(name.replace(/\+/g, ' '));
    } catch {
      // A malformed name is kept as it came.
    }
    return equals !== -1 && SECRET_PARAMETER.test(decoded.trim()) ? `${name}=${REDACTED}` : pair;
  });
  return `${url.slice(0, query)}?${redacted.join('&')}`;
}

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Called once per response with its duration, measured once for the log line and the metrics. */
export type RequestDone = (req: Request, res: Response, seconds: number, finished: boolean) => void;

/**
 * Gives each request an id and a child logger, and logs one line when its response is done (or
 * the connection dropped first: `finished` false), then hands the same timing to `onDone`.
 */
export function requestLogger(logger: Logger, onDone?: RequestDone) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = req.headers['x-request-id'];
    req.id = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    req.log = logger.child({ req_id: req.id });
    res.setHeader('X-Request-Id', req.id);
    const started = process.hrtime.bigint();
    res.on('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const finished = res.writableFinished;
      const line = { method: req.method, url: redactUrl(req.originalUrl), status: res.statusCode, ms: Math.round(seconds * 1e5) / 100, key: req.auth?.name };
      if (!finished) req.log.warn({ ...line, aborted: true }, 'request aborted');
      else req.log.info(line, 'request');
      onDone?.(req, res, seconds, finished);
    });
    next();
  };
}
