import { HttpProblem } from './problem.js';

export interface AdmissionOptions {
  concurrency: number;
  queue: number;
  retryAfterSeconds: number;
  onChange?(active: number, queued: number): void;
  onRefused?(): void;
}

/**
 * Admission control for uploads: up to `concurrency` run at once, up to `queue` more wait in order,
 * and beyond that `run` fails at once with 503 and Retry-After. Reads never pass through here.
 */
export class Admission {
  readonly #options: AdmissionOptions;
  readonly #waiting: Array<() => void> = [];
  #active = 0;

  constructor(options: AdmissionOptions) {
    this.#options = options;
  }

  get active(): number {
    return this.#active;
  }

  get queued(): number {
    return this.#waiting.length;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#active >= this.#options.concurrency) {
      if (this.#waiting.length >= this.#options.queue) {
        this.#options.onRefused?.();
        throw new HttpProblem(503, 'RATESTORE_OVERLOADED', `${this.#active} uploads are running and ${this.#waiting.length} waiting; retry later`, { retryAfter: this.#options.retryAfterSeconds });
      }
      await new Promise<void>((resolve) => {
        this.#waiting.push(resolve);
        this.#changed();
      });
    } else {
      this.#active++;
      this.#changed();
    }
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      // The slot passes straight to the next waiter, so `active` stays as it is.
      if (next !== undefined) next();
      else this.#active--;
      this.#changed();
    }
  }

  #changed(): void {
    this.#options.onChange?.(this.#active, this.#waiting.length);
  }
}
