/**
 * Staged prices are stored as fixed-width binary rows, 20 bytes each, so that a chunk is one compact
 * value on disk and decoding it allocates nothing per price:
 *   origin u32 | destination u32 | day index u32 | cents u32 | item index u32
 * Port codes (5 letters A-Z) are packed base 26 into an integer (26^5 < 2^24).
 */

import { yieldToEventLoop } from '../util/yield.js';

const ROW_BYTES = 20;

export interface StagedPrice {
  origin: string;
  destination: string;
  day: number;
  cents: number;
  index: number;
}

export function packCode(code: string): number {
  let packed = 0;
  for (let i = 0; i < 5; i++) packed = packed * 26 + (code.charCodeAt(i) - 65);
  return packed;
}

export function unpackCode(packed: number): string {
  let code = '';
  for (let i = 0; i < 5; i++, packed = Math.floor(packed / 26)) code = String.fromCharCode(65 + (packed % 26)) + code;
  return code;
}

export function encodePrices(prices: readonly StagedPrice[]): Uint8Array {
  const bytes = Buffer.allocUnsafe(prices.length * ROW_BYTES);
  let at = 0;
  for (const price of prices) {
    bytes.writeUInt32LE(packCode(price.origin), at);
    bytes.writeUInt32LE(packCode(price.destination), at + 4);
    bytes.writeUInt32LE(price.day, at + 8);
    bytes.writeUInt32LE(price.cents, at + 12);
    bytes.writeUInt32LE(price.index, at + 16);
    at += ROW_BYTES;
  }
  return bytes;
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
