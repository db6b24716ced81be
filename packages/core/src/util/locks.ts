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
  readonly #states = new Map<string, LockState>();

  async shared<T>(name: string, task: () => Promise<T>): Promise<T> {
    const state = this.#enter(name);
    try {
      while (state.exclusive !== undefined) await state.exclusive.catch(() => undefined);
      state.shared++;
      try {
        return await task();
      } finally {
        state.shared--;
        if (state.shared === 0) for (const wake of state.idle.splice(0)) wake();
      }
    } finally {
      this.#leave(name, state);
    }
  }

  async exclusive<T>(name: string, task: () => Promise<T>): Promise<T> {
    const state = this.#enter(name);
    try {
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
      }
    } finally {
      this.#leave(name, state);
    }
  }

  #enter(name: string): LockState {
    let state = this.#states.get(name);
    if (state === undefined) this.#states.set(name, (state = { users: 0, shared: 0, exclusive: undefined, idle: [] }));
    state.users++;
    return state;
  }

  /** A name's state is dropped only when nobody holds or awaits it, so all callers share one. */
  #leave(name: string, state: LockState): void {
    if (--state.users === 0) this.#states.delete(name);
  }
}

interface LockState {
  /** Callers holding or waiting for the lock. */
  users: number;
  shared: number;
  exclusive: Promise<unknown> | undefined;
  idle: Array<() => void>;
}
