/**
 * Sharing of calls in flight: whoever asks for a key while a call for it is pending joins that call
 * instead of starting another.
 *
 * @internal
 * @module
 */

/** @internal At most one pending call per key; once it settles, the next request starts a new one. */
export class InFlight<K, V> {
  readonly #pending = new Map<K, Promise<V>>();

  /** The pending call for `key`, or the one `start` begins now. */
  join(key: K, start: () => Promise<V>): Promise<V> {
    const pending = this.#pending.get(key);
    if (pending !== undefined) return pending;
    const call = start().finally(() => this.#pending.delete(key));
    this.#pending.set(key, call);
    return call;
  }
}
