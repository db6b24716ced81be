import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import fresh from 'fresh';
import { LRUCache } from 'lru-cache';

/**
 * Read caching. Every read answer is a function of (data version, route, normalised query), so its
 * ETag is derived from exactly that, and `If-None-Match` can be answered before touching the store.
 * A bounded LRU of serialised bodies, keyed by version, serves repeats; a new version makes older
 * entries unreachable and they are dropped.
 */
export class ResponseCache {
  /** Undefined when caching is off (no entries). */
  readonly #entries: LRUCache<string, string> | undefined;
  #version = -1;

  constructor(maxEntries: number) {
    this.#entries = maxEntries > 0 ? new LRUCache({ max: maxEntries }) : undefined;
  }

  get size(): number {
    return this.#entries?.size ?? 0;
  }

  get(key: string): string | undefined {
    return this.#entries?.get(key);
  }

  /** `latest` is the store's current version: entries of older ones are dropped once it moves. */
  set(key: string, body: string, latest: number): void {
    if (this.#entries === undefined) return;
    if (latest !== this.#version) {
      this.#version = latest;
      const current = `${latest}|`;
      // The keys are copied first: the cache does not promise a walk that survives deletions.
      for (const k of [...this.#entries.keys()]) if (!k.startsWith(current) && !k.startsWith('@')) this.#entries.delete(k);
    }
    this.#entries.set(key, body);
  }
}

/**
 * The ETag of a read: the version read plus a short hash of the route and the normalised query.
 * `pinned` reads (with `as_of`) never change, so their tag does not depend on the latest version.
 */
export function etagFor(version: number, route: string, normalized: string): string {
  const hash = createHash('sha1').update(route).update('\0').update(normalized).digest('base64url').slice(0, 16);
  return `"v${version}-${hash}"`;
}

/**
 * Whether the request's `If-None-Match` matches `etag` (weak comparison, as RFC 9110 asks for GET;
 * `*` matches any answer, and is asked only once the request is known good). Only that header goes
 * to `fresh`: its rule that `Cache-Control: no-cache` makes any answer stale is meant for caches, and
 * fetch() adds that header to every request that carries If-None-Match.
 */
export function notModified(req: Request, etag: string): boolean {
  const header = req.headers['if-none-match'];
  return header !== undefined && fresh({ 'if-none-match': header }, { etag });
}

export interface CachedRead {
  /** Cache key prefix: the version the answer is read at (`@N` for `as_of` reads). */
  version: number;
  pinned: boolean;
  route: string;
  /** The normalised query (parameters that change the answer, in a fixed order). */
  normalized: string;
  /**
   * Throws the problem of a bad request without reading data. Without it, the answer is computed
   * before `If-None-Match` is looked at: either way a bad request is never answered 304.
   */
  check?(): void;
}

export interface ReadCacheContext {
  cache: ResponseCache;
  cacheControl: string;
  /** `Vary` header of reads (e.g. `Authorization` when reads need a key). */
  vary?: string;
  latest(): number;
  /** The oldest version still readable: a pinned answer of an older one is no longer served. */
  retainedFrom(): number;
  onResult?(result: 'hit' | 'miss' | 'not_modified'): void;
}

/**
 * Answers a read through the cache: the request is checked first (a bad one is never 304), then a
 * matching `If-None-Match` is answered 304, a cached body is sent, or `compute()`'s value is
 * serialised (and cached). `compute` may return the version it actually read at, which then names
 * the answer. A cached entry proves its request good (while its version is retained), so it needs no check.
 */
export async function cachedRead(
  ctx: ReadCacheContext,
  req: Request,
  res: Response,
  read: CachedRead,
  compute: () => Promise<{ body: unknown; version: number }> | { body: unknown; version: number }
): Promise<void> {
  const key = `${read.pinned ? '@' : ''}${read.version}|${read.route}|${read.normalized}`;
  const etag = etagFor(read.version, read.route, read.normalized);
  res.setHeader('Cache-Control', ctx.cacheControl);
  // Added to, not replacing, what is there (`Origin` with CORS on).
  if (ctx.vary !== undefined) res.vary(ctx.vary);
  // An `as_of` answer never changes, but is no longer served once its version was folded away.
  let body = read.pinned && read.version < ctx.retainedFrom() ? undefined : ctx.cache.get(key);
  if (body === undefined) read.check?.();
  if ((body !== undefined || read.check !== undefined) && notModified(req, etag)) {
    ctx.onResult?.('not_modified');
    res.setHeader('ETag', etag);
    res.status(304).end();
    return;
  }
  if (body !== undefined) {
    ctx.onResult?.('hit');
    res.setHeader('ETag', etag);
    res.type('application/json').send(body);
    return;
  }
  ctx.onResult?.('miss');
  const result = await compute();
  body = JSON.stringify(result.body);
  // A commit between reading `latest` and the query is harmless: name the answer by what was read.
  const actual = result.version === read.version ? etag : etagFor(result.version, read.route, read.normalized);
  if (result.version === read.version) ctx.cache.set(key, body, ctx.latest());
  res.setHeader('ETag', actual);
  if (notModified(req, actual)) {
    res.status(304).end();
    return;
  }
  res.type('application/json').send(body);
}
