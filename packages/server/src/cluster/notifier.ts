import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';

export interface NotifierOptions {
  url: string;
  channel: string;
  onError(error: unknown): void;
}

/** How long to wait before connecting again after the LISTEN connection was lost. */
const RECONNECT_MS = 1000;

/**
 * A LISTEN connection of its own (a pooled one would lose it), reconnected whenever it drops. A
 * notification says there is news (payload: the new version, or `retention:N`); a follower also
 * polls, so a notification missed while the connection was down only delays it.
 */
export class Notifier {
  readonly #options: NotifierOptions;
  readonly #changes = new EventTarget();
  #client: pg.Client | undefined;
  #latestVersion = 0;
  #latestHorizon = 0;
  #stopped = false;
  #reconnecting: Promise<void> | undefined;

  constructor(options: NotifierOptions) {
    this.#options = options;
  }

  /** Connects and listens; fails if PostgreSQL cannot be reached. */
  async start(): Promise<void> {
    await this.#connect();
  }

  /**
   * Resolves once a notification says the log is past `version` or the horizon past
   * `foldedThrough` (at once if one already did), after `pollMs`, or when `signal` aborts.
   */
  async next(version: number, foldedThrough: number, pollMs: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted || this.#latestVersion > version || this.#latestHorizon > foldedThrough) return;
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await Promise.race([
        new Promise<void>((resolve) => this.#changes.addEventListener('change', () => resolve(), { once: true, signal: stop.signal })),
        delay(pollMs, undefined, { signal: stop.signal }).catch(() => undefined)
      ]);
    } finally {
      stop.abort();
      signal.removeEventListener('abort', onAbort);
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#reconnecting;
    await this.#client?.end().catch(() => undefined);
    this.#client = undefined;
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.#options.url });
    client.on('notification', (message) => {
      const payload = message.payload ?? '';
      if (payload.startsWith('retention:')) this.#latestHorizon = Math.max(this.#latestHorizon, Number(payload.slice(10)));
      else this.#latestVersion = Math.max(this.#latestVersion, Number(payload));
      this.#changes.dispatchEvent(new Event('change'));
    });
    client.on('error', (error) => {
      this.#options.onError(error);
      this.#lost(client);
    });
    client.on('end', () => this.#lost(client));
    await client.connect();
    await client.query(`LISTEN ${this.#options.channel}`);
    this.#client = client;
  }

  #lost(client: pg.Client): void {
    if (this.#stopped || this.#client !== client || this.#reconnecting !== undefined) return;
    this.#client = undefined;
    this.#reconnecting = (async () => {
      while (!this.#stopped) {
        await delay(RECONNECT_MS);
        if (this.#stopped) break;
        try {
          await this.#connect();
          // Anything may have been committed while no one listened.
          this.#changes.dispatchEvent(new Event('change'));
          break;
        } catch (error) {
          this.#options.onError(error);
        }
      }
    })().finally(() => {
      this.#reconnecting = undefined;
    });
  }
}
