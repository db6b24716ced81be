import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { pino, type DestinationStream, type Logger } from 'pino';

export type { Logger };

declare module 'express-serve-static-core' {
  interface Request {
    /** This request's logger: every line carries `req_id`. */
    log: Logger;
    /** The request id (from `X-Request-Id` when the client sent a sane one). */
    id: string;
  }
}

export function createLogger(level = 'info', destination?: DestinationStream): Logger {
  return pino({ level, base: { service: 'ratestore' }, timestamp: pino.stdTimeFunctions.isoTime }, destination);
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
      const line = { method: req.method, url: req.originalUrl, status: res.statusCode, ms: Math.round(seconds * 1e5) / 100, key: req.auth?.name };
      if (!finished) req.log.warn({ ...line, aborted: true }, 'request aborted');
      else req.log.info(line, 'request');
      onDone?.(req, res, seconds, finished);
    });
    next();
  };
}
