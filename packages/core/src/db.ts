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

export async function getJson<T>(db: Db, key: string): Promise<T | undefined> {
  const text = (await db.get(key, JSON_VALUE)) as string | undefined;
  return text === undefined ? undefined : (JSON.parse(text) as T);
}

/** Reads every entry of a range as [key, JSON value]. */
export async function rangeJson<T>(db: Db, range: { gte: string; lt: string }): Promise<Array<[string, T]>> {
  const entries = (await db.iterator({ ...range, ...JSON_VALUE }).all()) as Array<[string, string]>;
  return entries.map(([key, value]) => [key, JSON.parse(value) as T]);
}
