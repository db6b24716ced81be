import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
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
 * Whether the request's `If-None-Match` matches `etag` (weak comparison, as RFC 9110 asks for GET).
 * `*` matches only once the answer exists (`exists`): an unknown batch or a bad query is no match.
 */
export function notModified(req: Request, etag: string, exists = false): boolean {
  const header = req.headers['if-none-match'];
  if (header === undefined) return false;
  const bare = etag.replace(/^W\//, '');
  return header.split(',').some((tag) => {
    const t = tag.trim();
    return (exists && t === '*') || t.replace(/^W\//, '') === bare;
  });
}

export interface CachedRead {
  /** Cache key prefix: the version the answer is read at (`@N` for `as_of` reads). */
  version: number;
  pinned: boolean;
  route: string;
  /** The normalised query (parameters that change the answer, in a fixed order). */
  normalized: string;
}

export interface ReadCacheContext {
  cache: ResponseCache;
  cacheControl: string;
  /** `Vary` header of reads (e.g. `Authorization` when reads need a key). */
  vary?: string;
  latest(): number;
  onResult?(result: 'hit' | 'miss' | 'not_modified'): void;
}

/**
 * Answers a read through the cache: 304 on a matching `If-None-Match`, the cached body when there is
 * one, otherwise `compute()`'s value serialised (and cached). `compute` may return the version it
 * actually read at, which then names the answer.
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
  if (notModified(req, etag)) {
    ctx.onResult?.('not_modified');
    res.setHeader('ETag', etag);
    res.status(304).end();
    return;
  }
  let body = ctx.cache.get(key);
  if (body !== undefined) {
    ctx.onResult?.('hit');
    res.setHeader('ETag', etag);
    if (notModified(req, etag, true)) res.status(304).end();
    else res.type('application/json').send(body);
    return;
  }
  ctx.onResult?.('miss');
  const result = await compute();
  body = JSON.stringify(result.body);
  // A commit between reading `latest` and the query is harmless: name the answer by what was read.
  const actual = result.version === read.version ? etag : etagFor(result.version, read.route, read.normalized);
  if (result.version === read.version) ctx.cache.set(key, body, ctx.latest());
  res.setHeader('ETag', actual);
  if (notModified(req, actual, true)) {
    res.status(304).end();
    return;
  }
  res.type('application/json').send(body);
}
