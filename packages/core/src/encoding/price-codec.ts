/**
 * Staged prices are stored as fixed-width binary rows, 22 bytes each, so that a chunk is one compact
 * value on disk and decoding it allocates nothing per price:
 *   origin (5 ASCII) | destination (5 ASCII) | day index u32 | cents u32 | item index u32
 */

const ROW_BYTES = 22;

export interface StagedPrice {
  origin: string;
  destination: string;
  day: number;
  cents: number;
  index: number;
}

export function encodePrices(prices: readonly StagedPrice[]): Uint8Array {
  const bytes = Buffer.allocUnsafe(prices.length * ROW_BYTES);
  let at = 0;
  for (const price of prices) {
    bytes.write(price.origin, at, 5, 'latin1');
    bytes.write(price.destination, at + 5, 5, 'latin1');
    bytes.writeUInt32LE(price.day, at + 10);
    bytes.writeUInt32LE(price.cents, at + 14);
    bytes.writeUInt32LE(price.index, at + 18);
    at += ROW_BYTES;
  }
  return bytes;
}

/** Calls `visit` for each row; strings are sliced from the buffer, numbers read in place. */
export function forEachPrice(bytes: Uint8Array, visit: (origin: string, destination: string, day: number, cents: number, index: number) => void): void {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at < buffer.length; at += ROW_BYTES) {
    visit(
      buffer.toString('latin1', at, at + 5),
      buffer.toString('latin1', at + 5, at + 10),
      buffer.readUInt32LE(at + 10),
      buffer.readUInt32LE(at + 14),
      buffer.readUInt32LE(at + 18)
    );
  }
}

export function priceCount(bytes: Uint8Array): number {
  return bytes.byteLength / ROW_BYTES;
}
