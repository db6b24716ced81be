import { writeSync } from 'node:fs';
import type { DestinationStream } from 'pino';

/** How long a write waits for a full pipe to drain before it tries again. */
const RETRY_MS = 10;
const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Where the server's log lines go by default: standard output, written synchronously as pino's own
 * destination does, but a destination that can no longer be written (the reader went away: EPIPE;
 * a closed descriptor) is given up for good. pino's own retried such a line forever at exit, so a
 * server whose log reader had gone (`ratestore serve | head`) never exited on SIGTERM. A full pipe
 * (EAGAIN) is waited for, as before: lines are not dropped because a reader is slow.
 */
export class StdoutDestination implements DestinationStream {
  readonly #fd: number;
  #broken = false;

  constructor(fd = 1) {
    this.#fd = fd;
  }

  /** Whether writing failed for good (lines are dropped since). */
  get broken(): boolean {
    return this.#broken;
  }

  write(line: string): void {
    if (this.#broken) return;
    const bytes = Buffer.from(line);
    for (let at = 0; at < bytes.length; ) {
      try {
        at += writeSync(this.#fd, bytes, at);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EAGAIN' && code !== 'EBUSY') {
          this.#broken = true;
          return;
        }
        Atomics.wait(pause, 0, 0, RETRY_MS);
      }
    }
  }
}
