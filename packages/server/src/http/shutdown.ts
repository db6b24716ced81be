import type { Server } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.js';

export type LifecycleState = 'starting' | 'ready' | 'draining' | 'stopped';

/** Where the server is in its life; /readyz answers 200 only when `ready`. */
export class Lifecycle {
  state: LifecycleState = 'starting';
  readonly #inflight = new Set<Response>();

  get draining(): boolean {
    return this.state === 'draining' || this.state === 'stopped';
  }

  /** Tracks responses in flight; while draining, every response carries `Connection: close`. */
  middleware() {
    return (_req: Request, res: Response, next: NextFunction): void => {
      if (this.draining) res.setHeader('Connection', 'close');
      this.#inflight.add(res);
      res.on('close', () => this.#inflight.delete(res));
      next();
    };
  }

  get inflight(): number {
    return this.#inflight.size;
  }

  /** Starts draining: responses not yet sent get `Connection: close`. */
  drain(): void {
    this.state = 'draining';
    for (const res of this.#inflight) if (!res.headersSent) res.setHeader('Connection', 'close');
  }
}

export interface ShutdownOptions {
  server: Server;
  lifecycle: Lifecycle;
  logger: Logger;
  /** Closes the store; runs after every connection is done. */
  closeStore: () => Promise<void>;
  deadlineMs: number;
  drainDelayMs: number;
}

/**
 * Graceful shutdown: /readyz turns 503 and every response carries `Connection: close`; after
 * `drainDelayMs` the listener closes (new connections are refused) and idle keep-alive connections
 * are closed as they go idle; in-flight requests, and the commits they run, finish; at the deadline
 * the remaining connections are cut. The store closes last (after its running commits).
 */
export async function gracefulShutdown(options: ShutdownOptions): Promise<void> {
  const { server, lifecycle, logger } = options;
  const started = Date.now();
  lifecycle.drain();
  logger.info({ inflight: lifecycle.inflight, deadline_ms: options.deadlineMs }, 'draining');
  const deadline = new Promise<'deadline'>((resolve) => {
    const timer = setTimeout(() => resolve('deadline'), options.deadlineMs);
    timer.unref();
  });
  if (options.drainDelayMs > 0) await Promise.race([new Promise((resolve) => setTimeout(resolve, options.drainDelayMs)), deadline]);
  const closed = new Promise<'closed'>((resolve) => {
    if (!server.listening) resolve('closed');
    else server.close(() => resolve('closed'));
  });
  const sweeper = setInterval(() => server.closeIdleConnections(), 100);
  const outcome = await Promise.race([closed, deadline]);
  clearInterval(sweeper);
  if (outcome === 'deadline') {
    logger.warn({ inflight: lifecycle.inflight }, 'shutdown deadline reached: closing the remaining connections');
    server.closeAllConnections();
    await closed;
  }
  await options.closeStore();
  lifecycle.state = 'stopped';
  logger.info({ ms: Date.now() - started }, 'stopped');
}
