/** Runs tasks one at a time, in call order. */
export class Mutex {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task, task);
    this.#tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * Shared and exclusive holders of one name (a staged batch): chunks may be added in parallel, but
 * not while the batch is being committed or aborted.
 */
export class NamedSharedLock {
  readonly #states = new Map<string, { shared: number; exclusive: Promise<unknown> | undefined; idle: Array<() => void> }>();

  async shared<T>(name: string, task: () => Promise<T>): Promise<T> {
    const state = this.#state(name);
    while (state.exclusive !== undefined) await state.exclusive.catch(() => undefined);
    state.shared++;
    try {
      return await task();
    } finally {
      state.shared--;
      if (state.shared === 0) for (const wake of state.idle.splice(0)) wake();
      this.#forget(name, state);
    }
  }

  async exclusive<T>(name: string, task: () => Promise<T>): Promise<T> {
    const state = this.#state(name);
    while (state.exclusive !== undefined || state.shared > 0) {
      if (state.exclusive !== undefined) await state.exclusive.catch(() => undefined);
      else await new Promise<void>((resolve) => state.idle.push(resolve));
    }
    const running = task();
    state.exclusive = running;
    try {
      return await running;
    } finally {
      state.exclusive = undefined;
      this.#forget(name, state);
    }
  }

  #state(name: string) {
    let state = this.#states.get(name);
    if (state === undefined) this.#states.set(name, (state = { shared: 0, exclusive: undefined, idle: [] }));
    return state;
  }

  #forget(name: string, state: { shared: number; exclusive: unknown; idle: unknown[] }): void {
    if (state.shared === 0 && state.exclusive === undefined && state.idle.length === 0) this.#states.delete(name);
  }
}
