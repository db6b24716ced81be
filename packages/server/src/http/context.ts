import type { RequestHandler } from 'express';
import type { RatestoreReader, RatestoreWriter } from '@ratestore/core';
import type { NodeInfo } from '../cluster/node.js';
import type { ServerConfig } from '../config.js';
import type { ExchangeRateSource } from '../currency.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Admission } from './admission.js';
import type { Auth } from './auth.js';
import type { KeyedLock } from './keyed-lock.js';
import type { ReadCacheContext } from './cache.js';
import type { Lifecycle } from './shutdown.js';

/** Everything the routes share. */
export interface AppContext {
  /** What the routes read and write: any arrangement of stores behind the engine's two interfaces. */
  store: RatestoreReader & RatestoreWriter;
  config: ServerConfig;
  logger: Logger;
  metrics: Metrics;
  auth: Auth;
  admission: Admission;
  /** Writes of one batch id run one at a time (see commitBatch). */
  batchLocks: KeyedLock;
  reads: ReadCacheContext;
  exchangeRates: ExchangeRateSource;
  lifecycle: Lifecycle;
  /** This node: single, or one of a cluster (GET /v1/status). */
  node: NodeInfo;
  /** What every read route runs first: the `read` scope, then `min_version`. */
  reading: RequestHandler;
}
