import { setTimeout as delay } from 'node:timers/promises';
import type { CommitLog, LogNode } from '../log/commit-log.js';
import { Mutex } from '../util/locks.js';

/** How long the follower waits after a failed round before it reads the log again. */
const RETRY_MS = 1000;

/**
 * Keeps a node up with a shared log: applies every entry after the node's version, in order, and
 * folds history once the log's horizon allows it; then waits for the log to change. A log that only
 * this node writes (the local log) never changes behind its back, so the follower idles.
 */
export class Follower {
  readonly #log: CommitLog;
  readonly #node: LogNode;
  readonly #onError: (error: unknown) => void;
  readonly #lock = new Mutex();
  readonly #stop = new AbortController();
  #loop: Promise<void> | undefined;
  /** The log's horizon as last read. */
  #horizon = 0;

  constructor(log: CommitLog, node: LogNode, onError: (error: unknown) => void) {
    this.#log = log;
    this.#node = node;
    this.#onError = onError;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /**
   * Applies the log's entries after the node's version, up to `head` (all of them by default), then
   * hands the node the log's horizon if it is past what the node has folded (the node folds once it
   * has applied as far as the horizon was decided at). One round at a time.
   */
  catchUp(head = Infinity): Promise<void> {
    return this.#lock.run(async () => {
      if (this.#node.version >= head) return;
      for await (const { entry, source } of this.#log.read(this.#node.version)) {
        if (entry.version > head) break;
        await this.#node.apply(entry, source);
      }
      const retention = await this.#log.retention();
      this.#horizon = retention.foldedThrough;
      if (retention.foldedThrough > this.#node.foldedThrough) await this.#node.fold(retention);
    });
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
    await this.#lock.run(async () => undefined);
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      try {
        await this.catchUp();
        await this.#log.changed(this.#node.version, this.#horizon, signal);
      } catch (error) {
        if (signal.aborted) return;
        this.#onError(error);
        await delay(RETRY_MS, undefined, { signal }).catch(() => undefined);
      }
    }
  }
}
