import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, open, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { RatestoreError } from '../errors.js';
import { heldReferences, type BatchSource, type PriceChunk } from './batch-source.js';
import type { EncodedChunk } from './chunk-builder.js';
import type { NormalRef } from '../validate/items.js';

/** Where one chunk's prices are in the file, and what of it stays in memory (small). */
interface SpilledChunk {
  offset: number;
  length: number;
  ports: Uint32Array;
  refs: NormalRef[];
}

/**
 * The chunks of one `write()` in a temporary file until its commit (the store's `spillDirectory`),
 * rather than in the database: appended once and read back once in order, where the database would
 * write them, compact them, read them through memory-mapped tables and delete them again (for a 10M
 * batch, about 80 MB of mapped pages counted in the process's resident memory). Prices go to the
 * file; each chunk's ports and refs, a few hundred bytes, stay in memory.
 *
 * The file is unlinked as soon as it is made, so a crash leaves nothing behind; it lives until
 * `close()` closes its handle.
 */
export class FileSpill {
  readonly #file: FileHandle;
  readonly #chunks: SpilledChunk[] = [];
  #end = 0;

  private constructor(file: FileHandle) {
    this.#file = file;
  }

  /**
   * Refuses, when the store opens, a `spillDirectory` that is no directory it may write in: a bad
   * option is the caller's to fix. A failure to make or write the file later (no descriptors left, a
   * full or read-only disk) is the system's, and fails the write as it is.
   */
  static async checkDirectory(directory: string): Promise<void> {
    try {
      if (!(await stat(directory)).isDirectory()) throw new Error('not a directory');
      await access(directory, constants.W_OK | constants.X_OK);
    } catch (error) {
      throw new RatestoreError('RATESTORE_INVALID_ARGUMENT', `spillDirectory ${directory} cannot take temporary files: ${(error as Error).message}`, { field: 'spillDirectory', cause: error });
    }
  }

  static async create(directory: string): Promise<FileSpill> {
    const path = join(directory, `ratestore-spill-${randomUUID()}.tmp`);
    // Readable by this user only, for the moment before it is unlinked.
    const file = await open(path, 'wx+', 0o600);
    try {
      await unlink(path);
    } catch (error) {
      await file.close();
      throw error;
    }
    return new FileSpill(file);
  }

  async append(chunk: EncodedChunk): Promise<void> {
    const { prices } = chunk;
    for (let written = 0; written < prices.length;) {
      const { bytesWritten } = await this.#file.write(prices, written, prices.length - written, this.#end + written);
      written += bytesWritten;
    }
    this.#chunks.push({ offset: this.#end, length: prices.length, ports: chunk.ports, refs: chunk.refs });
    this.#end += prices.length;
  }

  /** The spilled batch, for its commit; valid until `close()`. */
  source(): BatchSource {
    const chunks = this.#chunks;
    const file = this.#file;
    return {
      ...heldReferences(chunks),
      async *prices(): AsyncGenerator<PriceChunk> {
        for (const [number, { offset, length }] of chunks.entries()) {
          const bytes = Buffer.allocUnsafeSlow(length);
          for (let read = 0; read < length;) {
            const { bytesRead } = await file.read(bytes, read, length - read, offset + read);
            if (bytesRead === 0) throw new Error(`the spill file ends at ${offset + read} bytes, before chunk ${number}'s ${length}`);
            read += bytesRead;
          }
          yield { chunk: number, bytes };
        }
      }
    };
  }

  async close(): Promise<void> {
    await this.#file.close();
  }
}
