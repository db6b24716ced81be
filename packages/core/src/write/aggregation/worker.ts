import type { MessagePort } from 'node:worker_threads';
import { PairAggregator } from '../pair-aggregator.js';
import { addPrices } from './add-prices.js';
import { shareOfDay, type FromWorker, type ShareTask, type ToWorker } from './protocol.js';

/**
 * A worker thread's task (run by the pool in workers.ts): aggregates its share of a batch's months
 * from the chunks the commit's thread sends, and hands back its records a part at a time, each
 * once the last was written, so that it holds no more than its share of `maxCells`. Resolves to
 * the number of prices of its share.
 */
export default async function aggregateShare(task: ShareTask): Promise<number> {
  const inbox = new Inbox(task.port);
  const aggregator = new PairAggregator({
    chains: task.chains,
    maxCells: task.maxCells,
    sketches: task.sketches,
    flush: async (part) => {
      // The part's arrays are its own (see PairAggregatorOptions.flush): moved, not copied.
      post(task.port, { kind: 'part', part }, [part.bytes.buffer as ArrayBuffer, part.ends.buffer as ArrayBuffer, part.keys.buffer as ArrayBuffer]);
      await inbox.ack();
    }
  });
  const keepDay = (day: number): boolean => shareOfDay(day, task.shares) === task.share;
  let prices = 0;
  try {
    for (let bytes = await inbox.chunk(); bytes !== undefined; bytes = await inbox.chunk()) {
      prices += await addPrices(aggregator, bytes, task.batchId, keepDay);
      await aggregator.checkpoint();
      post(task.port, { kind: 'consumed' });
    }
    await aggregator.finish();
    return prices;
  } finally {
    task.port.close();
  }
}

function post(port: MessagePort, message: FromWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

/**
 * The messages of the commit's thread, as the task asks for them. The port closing (the commit
 * gave up: another worker failed, or writing did) fails whatever the task waits for.
 */
class Inbox {
  readonly #chunks: Array<Uint8Array | undefined> = [];
  #acks = 0;
  #closed = false;
  #wake: (() => void) | undefined;

  constructor(port: MessagePort) {
    port.on('message', (message: ToWorker) => {
      if (message.kind === 'chunk') this.#chunks.push(message.bytes);
      else if (message.kind === 'end') this.#chunks.push(undefined);
      else this.#acks++;
      this.#wake?.();
    });
    port.on('close', () => {
      this.#closed = true;
      this.#wake?.();
    });
  }

  /** The next chunk, or undefined once they have all come. */
  async chunk(): Promise<Uint8Array | undefined> {
    await this.#until(() => this.#chunks.length > 0);
    return this.#chunks.shift();
  }

  /** Resolves once the part sent last is written. */
  async ack(): Promise<void> {
    await this.#until(() => this.#acks > 0);
    this.#acks--;
  }

  async #until(ready: () => boolean): Promise<void> {
    while (!ready()) {
      if (this.#closed) throw new Error('the commit stopped its aggregation workers');
      await new Promise<void>((resolve) => (this.#wake = resolve));
      this.#wake = undefined;
    }
  }
}
