import { write } from 'node:fs';
import type { DestinationStream } from 'pino';

/** How long a write waits for a full pipe (EAGAIN) before it tries again. */
const RETRY_MS = 10;
/** Characters of lines kept waiting while the reader is slow; lines beyond are dropped, not held. */
const MAX_PENDING = 16 * 1024 * 1024;

/**
 * Where the server's log lines go by default: a file descriptor (standard output), written in the
 * background one write at a time, so that a slow reader never holds up the event loop, as pino's
 * own destination (sonic-boom) does. Unlike that one, it gives up for good on a descriptor that
 * can no longer be written (EPIPE: the reader went away), and it writes nothing at process exit:
 * sonic-boom's exit flush retried a closed pipe's line forever, so `ratestore serve | head` never
 * exited on SIGTERM. Call `idle()` before `process.exit` to let the last lines out.
 */
export class LogDestination implements DestinationStream {
  readonly #fd: number;
  #pending = '';
  #writing = false;
  #broken = false;
  #waiting: Array<() => void> = [];

  constructor(fd = 1) {
    this.#fd = fd;
  }

  write(line: string): void {
    if (this.#broken) return;
    if (this.#pending.length + line.length > MAX_PENDING) return;
    this.#pending += line;
    if (!this.#writing) this.#next();
  }

  /** Resolves once every line written so far is out, or writing has failed for good. */
  idle(): Promise<void> {
    return this.#writing ? new Promise((resolve) => this.#waiting.push(resolve)) : Promise.resolve();
  }

  #next(): void {
    if (this.#pending.length === 0 || this.#broken) {
      this.#writing = false;
      for (const resolve of this.#waiting.splice(0)) resolve();
      return;
    }
    this.#writing = true;
    const bytes = Buffer.from(this.#pending);
    this.#pending = '';
    this.#send(bytes, 0);
  }

  #send(bytes: Buffer, from: number): void {
    write(this.#fd, bytes, from, bytes.length - from, null, (error, written) => {
      if (error === null) {
        if (from + written < bytes.length) this.#send(bytes, from + written);
        else this.#next();
      } else if (error.code === 'EAGAIN' || error.code === 'EBUSY') {
        setTimeout(() => this.#send(bytes, from), RETRY_MS);
      } else {
        this.#broken = true;
        this.#pending = '';
        this.#next();
      }
    });
  }
}
