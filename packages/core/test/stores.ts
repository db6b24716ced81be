/**
 * What the shared behaviour suite runs on: a factory of stores. A suite sees only the reader and
 * writer interfaces, so the same suite runs on one store and on any arrangement of stores behind
 * them (harness/replicated.ts: written through one store, read through another that follows its log).
 */
import { Ratestore, type RatestoreOptions, type RatestoreReader, type RatestoreWriter } from '../src/index.js';
import type { Backend } from './backends.js';

/** A store as the behaviour suite uses it. */
export type SuiteStore = RatestoreReader & RatestoreWriter & { close(): Promise<void> };

/** The options a suite may set; the arrangement decides the database and the log. */
export type StoreOptions = Omit<RatestoreOptions, 'db' | 'location' | 'log'>;

export interface StoreFactory<S extends SuiteStore = SuiteStore> {
  /** Names the arrangement in test titles. */
  name: string;
  /** Opens a new arrangement of stores on fresh databases. */
  open(options?: StoreOptions): Promise<S>;
  /** Closes the stores and opens them again on the same data; absent where data does not outlive its store (memory-level). */
  reopen?(store: S, options?: StoreOptions): Promise<S>;
  /** Closes whatever is still open and removes the data. */
  cleanup(): Promise<void>;
}

/** One store on a fresh database of `backend`. */
export function singleStores(backend: Backend): StoreFactory<Ratestore> {
  const opened: Ratestore[] = [];
  const start = async (store: Ratestore): Promise<Ratestore> => {
    opened.push(store);
    await store.open();
    return store;
  };
  const reopen = backend.reopen;
  return {
    name: backend.name,
    open: (options = {}) => start(new Ratestore({ ...options, db: backend.create() })),
    ...(reopen === undefined ? {} : {
      async reopen(store: Ratestore, options: StoreOptions = {}) {
        await store.close();
        return start(new Ratestore({ ...options, db: reopen(store.db) }));
      }
    }),
    async cleanup() {
      for (const store of opened.splice(0)) await store.close();
      backend.cleanup();
    }
  };
}

/** The same arrangement with `defaults` under every store's options (a suite's own options win). */
export function withDefaults<S extends SuiteStore>(stores: StoreFactory<S>, defaults: StoreOptions, name: string): StoreFactory<S> {
  const reopen = stores.reopen;
  return {
    name,
    open: (options = {}) => stores.open({ ...defaults, ...options }),
    ...(reopen === undefined ? {} : { reopen: (store: S, options: StoreOptions = {}) => reopen(store, { ...defaults, ...options }) }),
    cleanup: () => stores.cleanup()
  };
}
