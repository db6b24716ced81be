import express, { type Express, type RequestHandler, type NextFunction, type Request, type Response } from 'express';
import type { RatestoreReader, RatestoreWriter } from '@ratestore/core';
import type { ServerConfig } from '../config.js';
import { createRateSource, type ExchangeRateSource } from '../currency.js';
import { createLogger, requestLogger, type Logger } from '../logger.js';
import { Metrics } from '../metrics.js';
import { Admission } from './admission.js';
import { Auth } from './auth.js';
import { ResponseCache } from './cache.js';
import { KeyedLock } from './keyed-lock.js';
import { allowedHosts } from './allowed-hosts.js';
import { corsMiddleware } from './cors.js';
import { crossOriginWrites } from './cross-origin-writes.js';
import type { AppContext } from './context.js';
import { HttpProblem, problemHandler } from './problem.js';
import { Lifecycle } from './shutdown.js';
import { batchRoutes } from './routes/batches.js';
import { healthRoutes } from './routes/health.js';
import { locationRoutes } from './routes/locations.js';
import { metricsRoutes } from './routes/metrics.js';
import { openApiRoutes } from './routes/openapi.js';
import { ratesRoutes } from './routes/rates.js';
import { uploadRoutes } from './routes/uploads.js';
import { v1RatesRoutes } from './routes/v1-rates.js';
import { webRoutes } from './routes/web.js';
import { minVersion } from './min-version.js';
import { statusRoutes } from './routes/status.js';
import { defaultNodeId } from '../cluster/cluster.js';
import { singleNode, type NodeInfo } from '../cluster/node.js';

export interface AppOptions {
  logger?: Logger;
  exchangeRates?: ExchangeRateSource;
  lifecycle?: Lifecycle;
  /** Collect Node's default process metrics. Default true. */
  defaultMetrics?: boolean;
  /** This node, for GET /v1/status. Default: a single node. */
  node?: NodeInfo;
}

export interface RatestoreApp {
  app: Express;
  context: AppContext;
}

/** RFC 9112: an HTTP/1.1 request without a Host header is 400 (Node's own check answers no document). */
function requireHost(req: Request, _res: Response, next: NextFunction): void {
  next(req.httpVersion === '1.1' && req.headers.host === undefined ? new HttpProblem(400, 'RATESTORE_MALFORMED_REQUEST', 'an HTTP/1.1 request needs a Host header') : undefined);
}

/**
 * One handler that runs `first`, then `second` unless `first` failed or answered. Express passes on
 * the rejection of a handler it calls itself, not of these: they go to `next` here.
 */
function inTurn(first: RequestHandler, second: RequestHandler): RequestHandler {
  const run = (handler: RequestHandler, req: Request, res: Response, next: NextFunction): void => {
    Promise.resolve(handler(req, res, next)).catch(next);
  };
  return (req, res, next) => run(first, req, res, (error?: unknown) => (error === undefined || error === null ? run(second, req, res, next) : next(error)));
}

/** The HTTP API over an (opened or opening) store. Listening, signals and the store's life are the caller's. */
export function createApp(store: RatestoreReader & RatestoreWriter, config: ServerConfig, options: AppOptions = {}): RatestoreApp {
  const logger = options.logger ?? createLogger(config.logLevel);
  // The admission queue reports refusals to the metrics, which read its state at each scrape.
  const admission = new Admission({ ...config.uploads, onRefused: () => metrics.uploadsRefused.inc() });
  const metrics = new Metrics(store, { defaultMetrics: options.defaultMetrics ?? true, uploads: () => admission });
  const auth = new Auth(config.auth);
  const cache = new ResponseCache(config.cache.entries);
  const context: AppContext = {
    store,
    config,
    logger,
    metrics,
    auth,
    admission,
    batchLocks: new KeyedLock(),
    reads: {
      cache,
      cacheControl: config.cache.control,
      ...(auth.enabled && config.auth.readsNeedKey ? { vary: 'Authorization' } : {}),
      latest: () => store.version,
      retainedFrom: () => store.retainedFrom,
      onResult: (result) => metrics.cache.inc({ result })
    },
    exchangeRates: options.exchangeRates ?? createRateSource(config.currency),
    lifecycle: options.lifecycle ?? new Lifecycle(),
    node: options.node ?? singleNode(store, config.cluster.nodeId ?? defaultNodeId(config.memory ? 'memory' : config.data)),
    reading: inTurn(auth.require('read'), minVersion(store, config.cluster.waitMs))
  };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.use(context.lifecycle.middleware());
  app.use(requireHost);
  app.use(requestLogger(logger, (req, res, seconds, finished) => {
    // A response cut off before it was sent is logged, not counted.
    if (finished) metrics.request(req.method, req.route?.path === undefined ? 'unmatched' : String(req.route.path), res.statusCode, seconds);
  }));
  const hosts = allowedHosts(config.allowedHosts, !auth.enabled);
  if (hosts !== undefined) app.use(hosts);
  const cors = corsMiddleware(config.cors.origins);
  if (cors !== undefined) app.use(cors);
  app.use(crossOriginWrites(config.cors.origins));
  app.use(healthRoutes(context));
  app.use(statusRoutes(context));
  app.use(metricsRoutes(context));
  app.use(openApiRoutes());
  app.use(webRoutes());
  app.use(ratesRoutes(context));
  app.use(v1RatesRoutes(context));
  app.use(locationRoutes(context));
  app.use(batchRoutes(context));
  app.use(uploadRoutes(context));
  app.use((req, _res, next) => next(new HttpProblem(404, 'RATESTORE_NOT_FOUND', `no route ${req.method} ${req.path}`)));
  app.use(problemHandler());
  return { app, context };
}
