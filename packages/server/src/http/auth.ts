import type { NextFunction, Request, Response } from 'express';
import type { ApiKey, Scope } from '../config.js';
import { HttpProblem } from './problem.js';

declare module 'express-serve-static-core' {
  interface Request {
    /** The key the request was made with, if any. */
    auth?: { name: string; scopes: Scope[] };
  }
}

/** Token bucket per key: `requests` tokens, refilled evenly over `perSeconds`. */
class Bucket {
  #tokens: number;
  #at: number;
  constructor(private readonly capacity: number, private readonly perMs: number) {
    this.#tokens = capacity;
    this.#at = Date.now();
  }
  /** 0 when allowed, else seconds until a token is available. */
  take(now = Date.now()): number {
    this.#tokens = Math.min(this.capacity, this.#tokens + (now - this.#at) * this.perMs);
    this.#at = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return (1 - this.#tokens) / this.perMs / 1000;
  }
}

export interface AuthOptions {
  keys: ApiKey[];
  readsNeedKey: boolean;
}

/**
 * API keys: `Authorization: Bearer KEY`. With no key configured everything is open (the server then
 * only listens on loopback). With keys, writes need `write`, reverts `admin`, and reads `read` when
 * `readsNeedKey`. A key that is sent must be valid, whatever the route. Per-key rate limits answer 429.
 */
export class Auth {
  readonly #keys = new Map<string, { name: string; scopes: Scope[]; bucket?: Bucket }>();
  readonly #readsNeedKey: boolean;

  constructor(options: AuthOptions) {
    for (const key of options.keys) {
      this.#keys.set(key.key, {
        name: key.name ?? `${key.key.slice(0, 4)}…`,
        scopes: key.scopes,
        ...(key.rateLimit === undefined ? {} : { bucket: new Bucket(key.rateLimit.requests, key.rateLimit.requests / (key.rateLimit.perSeconds * 1000)) })
      });
    }
    this.#readsNeedKey = options.readsNeedKey;
  }

  get enabled(): boolean {
    return this.#keys.size > 0;
  }

  /** Middleware requiring `scope` (when keys are configured). */
  require(scope: Scope) {
    return (req: Request, _res: Response, next: NextFunction): void => {
      next(this.#check(req, scope));
    };
  }

  #check(req: Request, scope: Scope): HttpProblem | undefined {
    const header = req.headers.authorization;
    if (header === undefined) {
      if (!this.enabled || (scope === 'read' && !this.#readsNeedKey)) return undefined;
      return new HttpProblem(401, 'RATESTORE_UNAUTHORIZED', `this request needs an API key with the ${scope} scope: send Authorization: Bearer KEY`);
    }
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    const entry = match === null ? undefined : this.#keys.get(match[1]!);
    if (entry === undefined) {
      return new HttpProblem(401, 'RATESTORE_UNAUTHORIZED', match === null ? 'the Authorization header must be Bearer KEY' : 'unknown API key');
    }
    req.auth = { name: entry.name, scopes: entry.scopes };
    if (!entry.scopes.includes(scope) && (scope !== 'read' || this.#readsNeedKey)) {
      return new HttpProblem(403, 'RATESTORE_FORBIDDEN', `this API key lacks the ${scope} scope`);
    }
    const wait = entry.bucket?.take() ?? 0;
    if (wait > 0) return new HttpProblem(429, 'RATESTORE_RATE_LIMITED', `the rate limit of this API key is exhausted; retry in ${Math.ceil(wait)} s`, { retryAfter: wait });
    return undefined;
  }
}
