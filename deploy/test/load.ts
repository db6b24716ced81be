/**
 * The load of the deploy tests: a stream of mixed queries from autocannon (no retries: every
 * failure it sees is one a client would see), and client-SDK uploads (small batches in a loop, and
 * staged uploads of 200k prices) whose acknowledgements are recorded, so that the batch log can be
 * checked against them afterwards.
 */
import { setTimeout as delay } from 'node:timers/promises';
import autocannon from 'autocannon';
import { RatestoreClient, type RetryEvent } from '@ratestore/client';
import { sampleCatalog, samplePrices, sampleRoutes } from '@ratestore/core';

/** The sample geography every test loads first (200 ports, the default seed). */
export const catalog = () => sampleCatalog();

/** Distinct read URLs: port and region pairs over several ranges, both rates APIs, ports and regions. */
export function queryPaths(): string[] {
  const routes = sampleRoutes().slice(0, 12);
  const regions = catalog().filter((item) => item.type === 'region').map((item) => (item as { slug: string }).slug).slice(0, 6);
  const ranges = [['2017-01-01', '2017-01-31'], ['2017-01-10', '2017-02-20'], ['2018-01-01', '2018-03-31'], ['2018-06-01', '2018-06-30']];
  const paths: string[] = ['/v1/ports', '/v1/regions', '/v1/tree'];
  for (const [from, to] of ranges) {
    for (const { origin, destination } of routes) paths.push(`/v1/rates?${new URLSearchParams({ date_from: from!, date_to: to!, origin, destination })}`);
    for (let i = 0; i + 1 < regions.length; i += 2) paths.push(`/rates?${new URLSearchParams({ date_from: from!, date_to: to!, origin: regions[i]!, destination: regions[i + 1]! })}`);
  }
  return paths;
}

/** An answer autocannon got (its HTTP status), or an error (status 0: no answer), and when. */
export interface QueryEvent {
  at: number;
  status: number;
}

export interface QueryLoad {
  /** Every answer and error so far, in order. */
  readonly events: QueryEvent[];
  /** Stops the load and resolves autocannon's result. */
  stop(): Promise<autocannon.Result>;
}

/** Mixed queries through `url` at about `rate` requests a second over `connections` keep-alive connections. */
export function startQueries(url: string, options: { rate: number; connections: number }): QueryLoad {
  const events: QueryEvent[] = [];
  let finished!: (result: autocannon.Result) => void;
  const done = new Promise<autocannon.Result>((resolve) => (finished = resolve));
  const instance = autocannon({
    url,
    connections: options.connections,
    overallRate: options.rate,
    duration: 3600,
    timeout: 30,
    requests: queryPaths().map((path) => ({ method: 'GET', path }))
  }, (error, result) => {
    if (error !== null && error !== undefined) throw error;
    finished(result);
  });
  instance.on('response', (_client, status) => events.push({ at: Date.now(), status }));
  instance.on('reqError', () => events.push({ at: Date.now(), status: 0 }));
  return {
    events,
    async stop() {
      instance.stop();
      return done;
    }
  };
}

export interface Ack {
  batchId: string;
  version: number;
  prices: number;
  kind: 'small' | 'staged';
  startedAt: number;
  ackedAt: number;
}

/** Client-SDK uploads through the load balancer, with every acknowledgement, failure and retry recorded. */
export class Uploads {
  readonly acks: Ack[] = [];
  readonly failures: Array<{ batchId: string; error: unknown }> = [];
  readonly retries: RetryEvent[] = [];
  readonly client: RatestoreClient;
  readonly #inFlight = new Set<Promise<void>>();
  #small = 0;
  #stopped = false;

  constructor(url: string, readonly tag: string) {
    this.client = new RatestoreClient({ baseUrl: url, onRetry: (event) => this.retries.push(event) });
  }

  /** One upload, recorded; never throws (a failure is recorded instead). */
  upload(kind: Ack['kind'], batchId: string, items: Iterable<unknown>, prices: number): Promise<void> {
    const startedAt = Date.now();
    const run = this.client.uploadBatch(items as never, { batchId, concurrency: 3 }).then(
      ({ version }) => void this.acks.push({ batchId, version, prices, kind, startedAt, ackedAt: Date.now() }),
      (error: unknown) => void this.failures.push({ batchId, error })
    );
    this.#inFlight.add(run);
    void run.finally(() => this.#inFlight.delete(run));
    return run;
  }

  /** A staged upload of `prices` prices (the SDK sends them in chunks of 10,000, three at a time). */
  staged(n: number, prices = 200_000): Promise<void> {
    return this.upload('staged', `${this.tag}-staged-${n}`, samplePrices({ prices, dateFrom: `2018-${String(1 + (n % 12)).padStart(2, '0')}-01`, days: 28 }), prices);
  }

  /** `loops` loops of small batches (`prices` each, one request each), one every `everyMs`, until stop(). */
  startSmall(loops: number, everyMs: number, prices = 200): void {
    for (let loop = 0; loop < loops; loop++) {
      void (async () => {
        while (!this.#stopped) {
          const n = this.#small++;
          const day = new Date(Date.UTC(2017, 0, 1 + (n % 540))).toISOString().slice(0, 10);
          await this.upload('small', `${this.tag}-small-${n}`, samplePrices({ prices, dateFrom: day, days: 1 }), prices);
          await delay(everyMs);
        }
      })();
    }
  }

  /** Stops the small loops and waits for every upload in flight to be acknowledged (or to fail). */
  async finish(): Promise<void> {
    this.#stopped = true;
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }
}
