import { createHash, type Hash } from 'node:crypto';
import type { BatchInfo } from '@ratestore/core';
import { HttpProblem } from './problem.js';

/**
 * Idempotency keys (`Idempotency-Key`, `batch_id`) name batches. Each write stores a fingerprint of
 * its request with the batch it commits (in the engine's commit log, so it is durable and atomic with
 * the commit): `<route> sha256:<digest of the normalised request>`. A later request with the same key
 * is a retry when its fingerprint is the same, and is then answered the first result; any other
 * request under that key is refused with 409 RATESTORE_IDEMPOTENCY_MISMATCH.
 *
 * What "the same request" means, per route (docs/guide.md says it for users):
 * - POST /rates: the route, both days, the price and the currency (members normalised: days as
 *   days, the currency upper-cased), not the JSON text;
 * - PUT /v1/ports/{code}, PUT /v1/regions/{slug}: the code or slug and the members;
 * - POST /v1/batches: the format (JSON, NDJSON, CSV) and the body's bytes, hashed as they stream in
 *   (a replay reads its body to hash it, and stores nothing);
 * - staged uploads: the upload itself. Its chunks were sent and acknowledged before the commit, so
 *   creating or committing an upload under an id is a retry of the upload, and a write under that
 *   id by another route is another request.
 *
 * A batch committed without a fingerprint (before fingerprints were kept, or by the CLI or the
 * engine directly) cannot be told apart: any request under its id is answered as a retry.
 */

/** What this request is, for the engine to store and for a replay to compare. */
export interface Fingerprint {
  /** Given to the engine: the string, or (for a streamed body) a function called once the body is read. */
  readonly stored: string | (() => string);
  /** The fingerprint for a replay, reading what is left of a streamed body if need be. */
  complete(): Promise<string>;
}

/** The fingerprint of a request whose content is known at once: its route and normalised members. */
export function fixedFingerprint(route: string, normalized: unknown): Fingerprint & { readonly stored: string } {
  const value = `${route} sha256:${createHash('sha256').update(JSON.stringify(normalized)).digest('base64url')}`;
  return { stored: value, complete: async () => value };
}

/** A digest of a streamed body, taken from its bytes as they pass. */
export class StreamDigest {
  readonly #route: string;
  readonly #hash: Hash;
  #value: string | undefined;

  constructor(route: string, kind: string) {
    this.#route = route;
    this.#hash = createHash('sha256').update(`${kind}\0`);
  }

  /** The bytes, hashed on their way through; the digest is ready once they are all through. */
  async *through<T extends Uint8Array>(bytes: AsyncIterable<T>): AsyncGenerator<T> {
    for await (const chunk of bytes) {
      this.#hash.update(chunk);
      yield chunk;
    }
    this.#value = `${this.#route} sha256:${this.#hash.digest('base64url')}`;
  }

  /** Whether every byte went through (the fingerprint is ready). */
  get finished(): boolean {
    return this.#value !== undefined;
  }

  /** The fingerprint; only once every byte went through. */
  value(): string {
    if (this.#value === undefined) throw new Error('the body has not been read to its end');
    return this.#value;
  }
}

/** The route part of a fingerprint, for messages. */
function routeOf(fingerprint: string): string {
  return fingerprint.slice(0, fingerprint.lastIndexOf(' sha256:'));
}

/**
 * Throws 409 RATESTORE_IDEMPOTENCY_MISMATCH unless `mine` may replay `first`: the same fingerprint,
 * or a batch that has none.
 */
export function checkReplay(first: BatchInfo, mine: string, parameter: string): void {
  if (first.fingerprint === undefined || first.fingerprint === mine) return;
  const route = routeOf(first.fingerprint);
  const what = route === routeOf(mine) ? `another ${route} request` : `a ${route} request`;
  throw new HttpProblem(409, 'RATESTORE_IDEMPOTENCY_MISMATCH', `the key ${first.batchId} names a batch committed by ${what} (version ${first.version}): a retry must repeat the first request, and another request needs another key`, { parameter });
}
