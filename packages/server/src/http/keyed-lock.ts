/**
 * Runs tasks of the same key one at a time, in call order; tasks of other keys run alongside. The
 * server runs each write of a batch id through it, so "is this id committed? then replay, else
 * commit" is one step per id: a commit is counted once and every retry racing it is a replay.
 */
export class KeyedLock {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Keys with a task running or waiting. */
  get size(): number {
    return this.#tails.size;
  }

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const result = (this.#tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.catch(() => undefined);
    this.#tails.set(key, tail);
    try {
      return await result;
    } finally {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}
