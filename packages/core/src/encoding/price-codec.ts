/**
 * Staged prices are stored as fixed-width binary rows, 20 bytes each, so that a chunk is one compact
 * value on disk and decoding it allocates nothing per price:
 *   origin u32 | destination u32 | day index u32 | cents u32 | item index u32
 * Port codes (5 letters A-Z) are packed base 26 into an integer (26^5 < 2^24).
 */

import { yieldToEventLoop } from '../util/yield.js';

const ROW_BYTES = 20;

/** A port code (5 letters A-Z) packed base 26, or -1 if `value` is not one. */
export function packCode(value: unknown): number {
  if (typeof value !== 'string' || value.length !== 5) return -1;
  let packed = 0;
  for (let i = 0; i < 5; i++) {
    const letter = value.charCodeAt(i) - 65;
    if (letter < 0 || letter > 25) return -1;
    packed = packed * 26 + letter;
  }
  return packed;
}

export function unpackCode(packed: number): string {
  let code = '';
  for (let i = 0; i < 5; i++, packed = Math.floor(packed / 26)) code = String.fromCharCode(65 + (packed % 26)) + code;
  return code;
}

const INITIAL_ROWS = 1024;
const MAX_INITIAL_ROWS = 65_536;
const EMPTY_ROWS = new Uint8Array(0);

/** Encodes price rows as they come, into a buffer that grows by doubling. */
export class PriceRows {
  readonly #initialRows: number;
  #bytes: Uint8Array;
  #view: DataView;
  #length = 0;

  /** `expectedRows`: room made at the first row, e.g. a chunk's size (at most MAX_INITIAL_ROWS). */
  constructor(expectedRows = INITIAL_ROWS) {
    this.#initialRows = Math.min(MAX_INITIAL_ROWS, Math.max(1, expectedRows));
    this.#bytes = EMPTY_ROWS;
    this.#view = new DataView(this.#bytes.buffer);
  }

  get rows(): number {
    return this.#length / ROW_BYTES;
  }

  push(origin: number, destination: number, day: number, cents: number, index: number): void {
    if (this.#length === this.#bytes.byteLength) this.#grow();
    const view = this.#view;
    const at = this.#length;
    view.setUint32(at, origin, true);
    view.setUint32(at + 4, destination, true);
    view.setUint32(at + 8, day, true);
    view.setUint32(at + 12, cents, true);
    view.setUint32(at + 16, index, true);
    this.#length = at + ROW_BYTES;
  }

  /** The rows so far, and a fresh start. */
  take(): Uint8Array {
    const rows = this.#bytes.subarray(0, this.#length);
    this.#bytes = EMPTY_ROWS;
    this.#view = new DataView(this.#bytes.buffer);
    this.#length = 0;
    return rows;
  }

  #grow(): void {
    const bytes = new Uint8Array(Math.max(this.#initialRows * ROW_BYTES, this.#bytes.byteLength * 2));
    bytes.set(this.#bytes);
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer);
  }
}

/** Rows handed to `visit` between two yields to the event loop. */
const ROWS_PER_SLICE = 8192;

/**
 * Calls `visit` for each row, with the port codes packed, letting the event loop run between
 * slices: a chunk of 50,000 prices takes tens of milliseconds to aggregate.
 */
export async function forEachPrice(bytes: Uint8Array, visit: (origin: number, destination: number, day: number, cents: number, index: number) => void): Promise<void> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let start = 0; start < bytes.byteLength; start += ROWS_PER_SLICE * ROW_BYTES) {
    if (start > 0) await yieldToEventLoop();
    const end = Math.min(bytes.byteLength, start + ROWS_PER_SLICE * ROW_BYTES);
    for (let at = start; at < end; at += ROW_BYTES) {
      visit(view.getUint32(at, true), view.getUint32(at + 4, true), view.getUint32(at + 8, true), view.getUint32(at + 12, true), view.getUint32(at + 16, true));
    }
  }
}

/** A list of packed port codes as bytes (u32 little-endian each), as a staged chunk keeps the ports its prices name. */
export function encodePorts(ports: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(ports.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < ports.length; i++) view.setUint32(i * 4, ports[i]!, true);
  return bytes;
}

export function decodePorts(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ports: number[] = [];
  for (let at = 0; at + 4 <= bytes.byteLength; at += 4) ports.push(view.getUint32(at, true));
  return ports;
}
