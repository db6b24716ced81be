/**
 * The encoding of one day's bins (see mapping.ts) in a record: the first bin, then a token per bin
 * up to the last one in use, all unsigned LEB128 varints: a count above zero is the count of the
 * current bin, and 0 followed by z skips z empty bins. A wide day (a region pair: hundreds of bins,
 * most in use) costs about a byte or two per bin, a narrow one (a port pair: a few prices far apart)
 * two or three bytes per price.
 *
 * An empty encoding is a day whose bins follow from its count, min and max (see `impliedBins`): one
 * price, two (min and max), or all at one price. For any other day it means the bins are unknown:
 * records written before sketches existed have none.
 */

/** Bytes of `value` (an integer from 0 to 2^53) as a varint. */
export function varintBytes(value: number): number {
  let bytes = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    bytes++;
  }
  return bytes;
}

/** Writes `value` as a varint into `bytes` at `at`; returns where the next byte goes. */
export function writeVarint(bytes: Uint8Array, at: number, value: number): number {
  while (value >= 128) {
    bytes[at++] = (value % 128) | 128;
    value = Math.floor(value / 128);
  }
  bytes[at++] = value;
  return at;
}

/** A varint read from `bytes` at `at`: its value, and in `cursor.at` where the next one starts. */
export function readVarint(bytes: Uint8Array, cursor: { at: number }): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    const byte = bytes[cursor.at++];
    if (byte === undefined) throw new RangeError('truncated varint in a sketch');
    value += (byte & 127) * scale;
    if (byte < 128) return value;
    scale *= 128;
  }
}

/** Bytes of the token of a bin in use after `empty` empty bins (see above). */
export function binTokenBytes(empty: number, count: number): number {
  return (empty > 0 ? 1 + varintBytes(empty) : 0) + varintBytes(count);
}

/** Writes the token `binTokenBytes` measures into `bytes` at `at`; returns where it ends. */
export function writeBinToken(bytes: Uint8Array, at: number, empty: number, count: number): number {
  if (empty > 0) {
    bytes[at++] = 0;
    at = writeVarint(bytes, at, empty);
  }
  return writeVarint(bytes, at, count);
}

/**
 * Bytes of the encoding of bins `firstBin`.. whose counts are `counts[start..end)`; the first and
 * last of them are in use (above zero). No bins (start = end) encode as nothing.
 */
export function binsBytes(counts: ArrayLike<number>, start: number, end: number, firstBin: number): number {
  if (start === end) return 0;
  let bytes = varintBytes(firstBin);
  let empty = 0;
  for (let at = start; at < end; at++) {
    const count = counts[at]!;
    if (count === 0) {
      empty++;
    } else {
      bytes += binTokenBytes(empty, count);
      empty = 0;
    }
  }
  return bytes;
}

/** Writes the encoding `binsBytes` measures into `bytes` at `at`; returns where it ends. */
export function writeBins(bytes: Uint8Array, at: number, counts: ArrayLike<number>, start: number, end: number, firstBin: number): number {
  if (start === end) return at;
  at = writeVarint(bytes, at, firstBin);
  let empty = 0;
  for (let i = start; i < end; i++) {
    const count = counts[i]!;
    if (count === 0) {
      empty++;
    } else {
      at = writeBinToken(bytes, at, empty, count);
      empty = 0;
    }
  }
  return at;
}

/** Visits each bin in use of an encoded day, in bin order: the bin and its count. */
export function forEachBin(body: Uint8Array, visit: (bin: number, count: number) => void): void {
  if (body.length === 0) return;
  const cursor = { at: 0 };
  let bin = readVarint(body, cursor);
  while (cursor.at < body.length) {
    const token = readVarint(body, cursor);
    if (token === 0) {
      bin += readVarint(body, cursor);
    } else {
      visit(bin, token);
      bin++;
    }
  }
}

/** Whether a day's bins follow from its count, min and max alone, so that none need storing. */
export function impliedBins(count: number, min: number, max: number): boolean {
  return count <= 2 || min === max;
}
