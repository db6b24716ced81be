import { MessageChannel, type MessagePort } from 'node:worker_threads';
import type { Piscina } from 'piscina';
import { Mutex } from '../../util/locks.js';
import type { AggregationRequest } from './aggregate.js';
import type { FromWorker, ShareTask, ToWorker } from './protocol.js';

/** Chunks sent to a worker and not yet aggregated, at most: enough to keep it busy, few enough to bound memory. */
const CHUNKS_AHEAD = 2;

/**
 * The worker's module. The engine's tests run it from source (TypeScript), which a worker thread
 * cannot load, so from source it is the built module beside it in dist (the test command builds
 * first); from the package it is the module beside this one.
 */
const WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL(import.meta.url.replace(/\/src\/write\/aggregation\/workers\.ts$/, '/dist/write/aggregation/worker.js'))
  : new URL('./worker.js', import.meta.url);

/**
 * Worker threads that aggregate a commit's prices in parallel (the store's `commitWorkers`): each
 * takes a share of the batch's months (see protocol.ts), so a batch over many months keeps every
 * worker busy, and one within a month keeps one. The commit's own thread reads the chunks, sends
 * each to every worker, and writes the parts of records the workers send back; it stays free for
 * queries meanwhile. The threads start with the first commit and stay for the next ones.
 */
export class AggregationWorkers {
  readonly #threads: number;
  #pool: Piscina<ShareTask, number> | undefined;

  constructor(threads: number) {
    this.#threads = threads;
  }

  /** Aggregates every price of the chunks, writing the records through `request.flush`; resolves to how many prices there were. */
  async aggregate(chunks: AsyncIterable<{ bytes: Uint8Array }>, request: AggregationRequest): Promise<number> {
    this.#pool ??= await this.#start();
    // The shares' parts go through one writer, whose writes must not interleave: one at a time, in the order they come.
    const writes = new Mutex();
    const shares = Array.from({ length: this.#threads }, (_, share) => new Share(this.#pool!, share, this.#threads, request, writes));
    try {
      for await (const { bytes } of chunks) {
        // One copy that every worker reads (each keeps its months of it), in memory they share.
        const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
        shared.set(bytes);
        for (const share of shares) await share.send(shared);
      }
      for (const share of shares) share.end();
      let prices = 0;
      for (const share of shares) prices += await share.done();
      return prices;
    } finally {
      // After a failure the workers wait for chunks or acks that will not come: closing their ports ends their tasks.
      for (const share of shares) share.close();
    }
  }

  /** The pool, loaded only now: importing it costs every process that opens a store tens of milliseconds. */
  async #start(): Promise<Piscina<ShareTask, number>> {
    const { Piscina } = await import('piscina');
    return new Piscina<ShareTask, number>({ filename: WORKER_URL.href, minThreads: this.#threads, maxThreads: this.#threads, idleTimeout: Infinity });
  }

  /** Stops the threads. */
  async close(): Promise<void> {
    await this.#pool?.destroy();
    this.#pool = undefined;
  }
}

/** One worker's share of a commit: its channel, the chunks it has not aggregated yet, and its parts written in turn. */
class Share {
  readonly #port: MessagePort;
  readonly #task: Promise<number>;
  /** Rejects when the worker fails or a part cannot be written: whatever the commit waits for then fails too. */
  readonly #failed: Promise<never>;
  #ahead = 0;
  #wake: (() => void) | undefined;

  constructor(pool: Piscina<ShareTask, number>, share: number, shares: number, request: AggregationRequest, writes: Mutex) {
    const { port1, port2 } = new MessageChannel();
    this.#port = port1;
    const task: ShareTask = { port: port2, share, shares, chains: request.chains, maxCells: Math.max(1, Math.floor(request.maxCells / shares)), sketches: request.sketches, batchId: request.batchId };
    this.#task = pool.run(task, { transferList: [port2] });
    let fail!: (error: unknown) => void;
    this.#failed = new Promise<never>((_, reject) => (fail = reject));
    // Awaited only while the commit waits on this share; a failure otherwise surfaces through done().
    this.#failed.catch(() => undefined);
    this.#task.catch(fail);
    port1.on('message', (message: FromWorker) => {
      if (message.kind === 'consumed') {
        this.#ahead--;
        this.#wake?.();
        return;
      }
      writes.run(() => request.flush(message.part)).then(() => this.#post({ kind: 'ack' }), fail);
    });
  }

  /** Sends a chunk (in shared memory, which the message does not copy) once the worker has room for it. */
  async send(bytes: Uint8Array): Promise<void> {
    while (this.#ahead >= CHUNKS_AHEAD) await Promise.race([new Promise<void>((resolve) => (this.#wake = resolve)), this.#failed]);
    this.#ahead++;
    this.#post({ kind: 'chunk', bytes });
  }

  end(): void {
    this.#post({ kind: 'end' });
  }

  /** The share's count of prices, once its records are all written. */
  done(): Promise<number> {
    return Promise.race([this.#task, this.#failed]);
  }

  close(): void {
    this.#port.close();
  }

  #post(message: ToWorker): void {
    this.#port.postMessage(message);
  }
}
