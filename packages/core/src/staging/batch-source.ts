import type { Db } from '../db.js';
import { VIEW_VALUE, rangeJson, rangeKeys } from '../db.js';
import { chunkOfStagedKey, stagedBatchRange, stagedPortsRange, stagedPricesRange, stagedRefsRange } from '../encoding/keys.js';
import { decodePorts, forEachPrice } from '../encoding/price-codec.js';
import type { LocatedRef } from '../catalog/apply-refs.js';
import type { EncodedChunk } from './chunk-builder.js';

/** Prices of one chunk, encoded by price-codec. */
export interface PriceChunk {
  chunk: number;
  bytes: Uint8Array;
}

/**
 * The data of a batch being checked or applied: a batch staged on disk, chunks in hand, or a batch
 * read from a shared commit log. Prices are streamed, never held whole; refs and ports are small.
 */
export interface BatchSource {
  refs(): Promise<LocatedRef[]>;
  /** Every port the prices name, packed (see price-codec): enough to check a batch's references. */
  ports(): Promise<Set<number>>;
  prices(): AsyncIterable<PriceChunk>;
  /** Whether item issues name the chunk (staged uploads) or give the index in the whole batch. */
  reportChunks: boolean;
  /**
   * Keys of the applying store's own database that hold this data (a batch staged there): they are
   * deleted in the same atomic write that makes the batch visible, so a committed batch leaves no
   * staged copy behind, and a crash before it leaves the batch staged.
   */
  stagedKeys?(): Promise<string[]>;
}

/** A batch staged in `db` (see staging/local-staging). */
export function stagedSource(db: Db, batchId: string, reportChunks: boolean): BatchSource {
  const source: BatchSource = {
    reportChunks,
    async refs() {
      const refs: LocatedRef[] = [];
      for (const [key, chunkRefs] of await rangeJson<LocatedRef[]>(db, stagedRefsRange(batchId))) {
        const chunk = chunkOfStagedKey(key);
        for (const ref of chunkRefs) refs.push(reportChunks ? { ...ref, chunk } : ref);
      }
      return refs;
    },
    async ports() {
      const ports = new Set<number>();
      const lists = (await db.iterator({ ...stagedPortsRange(batchId), ...VIEW_VALUE }).all()) as Array<[string, Uint8Array]>;
      for (const [, bytes] of lists) for (const port of decodePorts(bytes)) ports.add(port);
      // Chunks staged before ports were listed with them (an upload that outlived an upgrade).
      if (lists.length < (await rangeKeys(db, stagedPricesRange(batchId))).length) await addPortsOf(source, ports);
      return ports;
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
    },
    stagedKeys() {
      return rangeKeys(db, stagedBatchRange(batchId));
    }
  };
  return source;
}

/** Chunks in hand: `write()` applies a batch of one chunk without staging it. */
export function memorySource(chunks: readonly EncodedChunk[]): BatchSource {
  return {
    ...heldReferences(chunks),
    async *prices() {
      for (const [chunk, { prices }] of chunks.entries()) yield { chunk, bytes: prices };
    }
  };
}

/** The refs and ports of chunks held in memory (whatever holds their prices), for a one-call write's source. */
export function heldReferences(chunks: ReadonlyArray<Pick<EncodedChunk, 'refs' | 'ports'>>): Omit<BatchSource, 'prices'> {
  return {
    reportChunks: false,
    async refs() {
      return chunks.flatMap((chunk) => chunk.refs);
    },
    async ports() {
      const ports = new Set<number>();
      for (const chunk of chunks) for (const port of chunk.ports) ports.add(port);
      return ports;
    }
  };
}

async function addPortsOf(source: BatchSource, ports: Set<number>): Promise<void> {
  for await (const { bytes } of source.prices()) {
    await forEachPrice(bytes, (origin, destination) => {
      ports.add(origin);
      ports.add(destination);
    });
  }
}

