import type { Db } from '../db.js';
import { VIEW_VALUE, rangeJson } from '../db.js';
import { chunkOfStagedKey, stagedPricesRange, stagedRefsRange } from '../encoding/keys.js';
import type { LocatedRef } from '../catalog/apply-refs.js';
import type { EncodedChunk } from './chunk-builder.js';

/** Prices of one chunk, encoded by price-codec. */
export interface PriceChunk {
  chunk: number;
  bytes: Uint8Array;
}

/**
 * Where the items of a batch being applied come from: a staged batch on disk, or one chunk in hand. Each method may be called once; prices are streamed, never held whole.
 */
export interface BatchSource {
  refs(): Promise<LocatedRef[]>;
  prices(): AsyncIterable<PriceChunk>;
  /** Whether item issues name the chunk (staged uploads) or give the index in the whole batch. */
  reportChunks: boolean;
}

export function stagedSource(db: Db, batchId: string, reportChunks: boolean): BatchSource {
  return {
    reportChunks,
    async refs() {
      const refs: LocatedRef[] = [];
      for (const [key, chunkRefs] of await rangeJson<LocatedRef[]>(db, stagedRefsRange(batchId))) {
        const chunk = chunkOfStagedKey(key);
        for (const ref of chunkRefs) refs.push(reportChunks ? { ...ref, chunk } : ref);
      }
      return refs;
    },
    async *prices() {
      const iterator = db.iterator({ ...stagedPricesRange(batchId), ...VIEW_VALUE });
      try {
        for (;;) {
          const entries = (await iterator.nextv(4)) as Array<[string, Uint8Array]>;
          if (entries.length === 0) return;
          for (const [key, bytes] of entries) yield { chunk: chunkOfStagedKey(key), bytes };
        }
      } finally {
        await iterator.close();
      }
    }
  };
}

/** A batch of one chunk, in hand: `write()` applies small batches without staging them. */
export function memorySource(chunk: EncodedChunk): BatchSource {
  return {
    reportChunks: false,
    async refs() {
      return chunk.refs;
    },
    async *prices() {
      yield { chunk: 0, bytes: chunk.prices };
    }
  };
}
