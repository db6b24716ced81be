import pLimit, { type LimitFunction } from 'p-limit';
import { HttpProblem } from './problem.js';

export interface AdmissionOptions {
  concurrency: number;
  queue: number;
  retryAfterSeconds: number;
  onRefused?(): void;
}

/**
 * Admission control for uploads: up to `concurrency` run at once, up to `queue` more wait in order
 * (p-limit's queue), and beyond that `run` fails at once with 503 and Retry-After. Reads never pass
 * through here.
 */
export class Admission {
  readonly #options: AdmissionOptions;
  readonly #limit: LimitFunction;

  constructor(options: AdmissionOptions) {
    this.#options = options;
    this.#limit = pLimit(options.concurrency);
  }

  get active(): number {
    return this.#limit.activeCount;
  }

  get queued(): number {
    return this.#limit.pendingCount;
  }

  run<T>(work: () => Promise<T>): Promise<T> {
    if (this.active + this.queued >= this.#options.concurrency + this.#options.queue) {
      this.#options.onRefused?.();
      return Promise.reject(new HttpProblem(503, 'RATESTORE_OVERLOADED', `${this.active} uploads are running and ${this.queued} waiting; retry later`, { retryAfter: this.#options.retryAfterSeconds }));
    }
    return this.#limit(work);
  }
}
