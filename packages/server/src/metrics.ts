import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { RatestoreReader } from '@ratestore/core';

/** The server's Prometheus metrics, in a registry of their own (so several apps can share a process). */
export class Metrics {
  readonly registry = new Registry();
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly duration: Histogram<'method' | 'route'>;
  readonly batches: Counter<'kind'>;
  readonly rows: Counter<'kind'>;
  readonly rejected: Counter;
  readonly cache: Counter<'result'>;
  readonly uploadsActive: Gauge;
  readonly uploadsQueued: Gauge;
  readonly uploadsRefused: Counter;

  /** `uploads` tells the uploads running and waiting for admission, read at each scrape. */
  constructor(store: RatestoreReader, options: { defaultMetrics?: boolean; uploads?: () => { active: number; queued: number } } = {}) {
    const uploads = options.uploads ?? (() => ({ active: 0, queued: 0 }));
    const registers = [this.registry];
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({ name: 'ratestore_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'], registers });
    this.duration = new Histogram({
      name: 'ratestore_http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['method', 'route'], registers,
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]
    });
    this.batches = new Counter({ name: 'ratestore_batches_total', help: 'Batches committed and reverted through this server', labelNames: ['kind'], registers });
    this.rows = new Counter({ name: 'ratestore_batch_items_total', help: 'Items committed through this server, by kind', labelNames: ['kind'], registers });
    this.rejected = new Counter({ name: 'ratestore_batches_rejected_total', help: 'Batches and chunks rejected as invalid', registers });
    this.cache = new Counter({ name: 'ratestore_cache_total', help: 'Reads answered by the response cache (hit), by 304 (not_modified) or computed (miss)', labelNames: ['result'], registers });
    this.uploadsActive = new Gauge({ name: 'ratestore_uploads_active', help: 'Uploads being processed', registers, collect() {
      this.set(uploads().active);
    } });
    this.uploadsQueued = new Gauge({ name: 'ratestore_uploads_queued', help: 'Uploads waiting for admission', registers, collect() {
      this.set(uploads().queued);
    } });
    this.uploadsRefused = new Counter({ name: 'ratestore_uploads_refused_total', help: 'Uploads refused with 503 because the queue was full', registers });
    new Gauge({
      name: 'ratestore_data_version', help: 'Latest committed data version', registers,
      collect() {
        this.set(store.status === 'open' ? store.version : 0);
      }
    });
  }

  /** One response sent, with the time the request logger measured for it. */
  request(method: string, route: string, status: number, seconds: number): void {
    this.requests.inc({ method, route, status: String(status) });
    this.duration.observe({ method, route }, seconds);
  }

  committed(counts: { prices: number; ports: number; regions: number }): void {
    this.batches.inc({ kind: 'commit' });
    this.rows.inc({ kind: 'price' }, counts.prices);
    this.rows.inc({ kind: 'port' }, counts.ports);
    this.rows.inc({ kind: 'region' }, counts.regions);
  }
}
