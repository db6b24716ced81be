import type { AbstractLevel } from 'abstract-level';

/**
 * The database the store runs on: any abstract-level database with string keys. The store sets the
 * encodings it needs on every operation, so the database's own defaults do not matter.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Db = AbstractLevel<any, string, any>;

export const JSON_VALUE = { keyEncoding: 'utf8', valueEncoding: 'utf8' } as const;

/** The last transaction id handed out, stored under TXN_KEY. */
export function txnValue(txn: number): string {
  return JSON.stringify(txn);
}
/**
 * Every write the store acknowledges is fsynced: LevelDB closes a full log unsynced when it rolls
 * over, so one synced commit marker would not make earlier unsynced records survive a power cut.
 * Writes are few and large (bounded chunks of thousands of keys), so the cost is small.
 */
export const DURABLE = { sync: true } as const;

export const VIEW_VALUE = { keyEncoding: 'utf8', valueEncoding: 'view' } as const;

/** The default encodings of the databases the store makes itself: see BatchOps for why. */
export const DEFAULT_ENCODINGS = VIEW_VALUE;

/**
 * Options of the ClassicLevel the store makes itself. LevelDB's default write buffer (4 MB) suits
 * small writes; commits write megabytes at a time. Measured (docs/benchmarks.md): after a commit of
 * 1M prices with a 4 MB buffer, range reads in the same process took ~2 ms instead of ~0.1 ms until
 * the database was reopened; with 16 or 32 MB they did not slow down, and peak RSS stayed the same.
 */
export const CLASSIC_OPTIONS = { ...DEFAULT_ENCODINGS, writeBufferSize: 32 * 1024 * 1024 } as const;

export async function getJson<T>(db: Db, key: string): Promise<T | undefined> {
  const text = (await db.get(key, JSON_VALUE)) as string | undefined;
  return text === undefined ? undefined : (JSON.parse(text) as T);
}

/** The keys of a range. */
export async function rangeKeys(db: Db, range: { gte: string; lt: string }): Promise<string[]> {
  return (await db.keys({ ...range, keyEncoding: 'utf8' }).all()) as string[];
}

/** Reads every entry of a range as [key, JSON value]. */
export async function rangeJson<T>(db: Db, range: { gte: string; lt: string }): Promise<Array<[string, T]>> {
  const entries = (await db.iterator({ ...range, ...JSON_VALUE }).all()) as Array<[string, string]>;
  return entries.map(([key, value]) => [key, JSON.parse(value) as T]);
}
