import type { AbstractChainedBatch } from 'abstract-level';
import { JSON_VALUE, VIEW_VALUE, type Db } from './db.js';

type Batch = AbstractChainedBatch<Db, string, unknown>;

/**
 * How the store adds operations to a chained batch. abstract-level spreads an operation's options
 * into the operation it builds, and once one call has passed options naming encodings, V8 runs that
 * spread several times slower for every later operation of the process, with or without options
 * (measured: a commit of 50,000 prices spent ~28 ms there, against ~3 ms without). A database whose
 * default encodings are `DEFAULT_ENCODINGS` (utf8 keys, view values; the databases the store makes
 * itself) therefore gets no options at all: JSON is put as its UTF-8 bytes, which reads as utf8 see
 * unchanged. Any other database gets the encodings on every operation, correct if slower.
 */
export class BatchOps {
  readonly #plain: boolean;

  constructor(db: Db) {
    this.#plain = db.keyEncoding() === db.keyEncoding('utf8') && db.valueEncoding() === db.valueEncoding('view');
  }

  bytes(batch: Batch, key: string, value: Uint8Array): void {
    if (this.#plain) batch.put(key, value);
    else batch.put(key, value, VIEW_VALUE);
  }

  json(batch: Batch, key: string, text: string): void {
    if (this.#plain) batch.put(key, Buffer.from(text, 'utf8'));
    else batch.put(key, text, JSON_VALUE);
  }

  del(batch: Batch, key: string): void {
    if (this.#plain) batch.del(key);
    else batch.del(key, JSON_VALUE);
  }
}
