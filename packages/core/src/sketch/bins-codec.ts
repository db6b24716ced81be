import { binOf } from './mapping.js';

/**
 * The encoding of one day's bins in a record: a stream of bits, most significant first, of Elias
 * gamma codes (n ≥ 1 as ⌊log2 n⌋ zeros, then n in binary), zero bits to the end of the last byte:
 * - the first bin in use, as its distance from the bin of the day's min price (zigzag, plus one):
 *   one bit, as the min's bin is the first in use;
 * - its count;
 * - for each further bin in use: its distance from the one before, and its count.
 * A code always holds a one bit, so a tail of zero bits ends the day.
 *
 * Why gamma codes: most bins in use hold one to three prices and follow the one before closely
 * (measured on the sample's 1M-price month: half the counts are 1, two thirds of the distances 1),
 * which gamma writes in one to three bits each. The sample's days took 2.5 times fewer bytes than
 * with a varint per bin and per run of empty bins, and wide days of large counts cost about what
 * varints did.
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

/** At least the bytes of the encoding of a day of `bins` bins in use. */
export function encodedBound(bins: number): number {
  // Per bin two gamma codes: a distance or offset below 2^12 (23 bits) and a count below 2^32 (63 bits).
  return Math.ceil((bins * 86) / 8);
}

/** 2^k, for k up to 53. */
const POWERS = Float64Array.from({ length: 54 }, (_, k) => 2 ** k);

/**
 * Writes one day's bins, given in ascending order with their counts, or only measures them (no
 * bytes). One writer serves many days in turn: `start`, `bin` for each bin in use, `end`.
 */
export class BinsWriter {
  #bytes: Uint8Array | undefined;
  #at = 0;
  /** Bits not yet written out: fewer than 8 between calls, held in a double (at most 40 at once). */
  #pending = 0;
  #pendingBits = 0;
  /** Bits measured, when there are no bytes. */
  #bits = 0;
  #minBin = 0;
  #previous = -1;

  /** Starts a day whose min price is `min` cents, written into `bytes` at `at`, or measured (no bytes). */
  start(bytes: Uint8Array | undefined, at: number, min: number): void {
    this.#bytes = bytes;
    this.#at = at;
    this.#pending = 0;
    this.#pendingBits = 0;
    this.#bits = 0;
    this.#minBin = binOf(min);
    this.#previous = -1;
  }

  /** Adds a bin in use (above the one before) and its count (at least 1). */
  bin(bin: number, count: number): void {
    if (this.#previous < 0) {
      const offset = bin - this.#minBin;
      this.#gamma((offset >= 0 ? 2 * offset : -2 * offset - 1) + 1);
    } else {
      this.#gamma(bin - this.#previous);
    }
    this.#gamma(count);
    this.#previous = bin;
  }

  /** Ends the day: where its encoding ends, or, measuring, its bytes. */
  end(): number {
    if (this.#bytes === undefined) return Math.ceil(this.#bits / 8);
    if (this.#pendingBits > 0) this.#bytes[this.#at++] = this.#pending * POWERS[8 - this.#pendingBits]!;
    return this.#at;
  }

  /** n (1 to 2^32 - 1) as its gamma code. */
  #gamma(n: number): void {
    const width = 31 - Math.clz32(n);
    if (this.#bytes === undefined) {
      this.#bits += 2 * width + 1;
      return;
    }
    if (this.#pendingBits + 2 * width + 1 <= 31) {
      // The common short code: the zeros and n at once, in 32-bit integer arithmetic.
      const bytes = this.#bytes;
      let bits = this.#pendingBits + 2 * width + 1;
      const pending = (this.#pending << (2 * width + 1)) | n;
      while (bits >= 8) {
        bits -= 8;
        bytes[this.#at++] = (pending >>> bits) & 255;
      }
      this.#pending = pending & ((1 << bits) - 1);
      this.#pendingBits = bits;
      return;
    }
    this.#put(0, width);
    this.#put(n, width + 1);
  }

  /** The low `width` (up to 32) bits of `value`, most significant first. */
  #put(value: number, width: number): void {
    const bytes = this.#bytes!;
    let pending = this.#pending * POWERS[width]! + value;
    let bits = this.#pendingBits + width;
    while (bits >= 8) {
      bits -= 8;
      const byte = Math.floor(pending / POWERS[bits]!);
      bytes[this.#at++] = byte;
      pending -= byte * POWERS[bits]!;
    }
    this.#pending = pending;
    this.#pendingBits = bits;
  }
}

/**
 * Reads a day's bins encoded by BinsWriter in bin order: `start`, then `next()` while it returns
 * true, each time with the bin in `bin` and its count in `count`. A reader serves many days in turn.
 * Reads that want a few ranks stop early (see DayBins.valuesAt); no callback per bin.
 */
export class BinReader {
  /** The bin read last, and its count. */
  bin = 0;
  count = 0;
  #bytes: Uint8Array = new Uint8Array(0);
  /** Bit positions in `#bytes`: where the day's encoding starts, the next code, where it ends. */
  #first = 0;
  #at = 0;
  #end = 0;

  /**
   * Starts a day's encoding, at [start, end) of `bytes` (a record's bytes, read in place: a view per
   * day would cost a read more than its bins), whose min price is `min` cents.
   */
  start(bytes: Uint8Array, min: number, start = 0, end = bytes.length): void {
    this.#bytes = bytes;
    this.#first = this.#at = start * 8;
    this.#end = end * 8;
    // The first bin is read as its distance from the min's bin (see BinsWriter.bin).
    this.bin = end === start ? -1 : binOf(min);
  }

  /** Reads the next bin; false at the end of the day. */
  next(): boolean {
    const end = this.#end;
    const at = this.#at;
    const first = at === this.#first;
    // Codes go on while a one bit is left: the encoding ends in fewer than 8 bits of zeros.
    if (first ? end === at : end - at < 8 && (end <= at || (this.#bytes[(end >>> 3) - 1]! & ((1 << (end - at)) - 1)) === 0)) return false;
    // The bin's two codes (its distance and its count) are read from one window of 32 bits when they fit in it, as most do.
    const window = this.#window(at);
    const zeros = Math.clz32(window);
    let step: number;
    if (zeros < 16) {
      const length = 2 * zeros + 1;
      step = window >>> (32 - length);
      const rest = window << length;
      const restLength = 2 * Math.clz32(rest) + 1;
      if (length + restLength <= 32) {
        this.count = rest >>> (32 - restLength);
        this.#at = at + length + restLength;
      } else {
        this.#at = at + length;
        this.count = this.#gamma();
      }
    } else {
      step = this.#gamma();
      this.count = this.#gamma();
    }
    if (!first) {
      this.bin += step;
    } else {
      // The first bin is its distance from the min's bin, zigzagged (see BinsWriter.bin).
      const zigzag = step - 1;
      this.bin += zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2;
    }
    if (this.#at > end) throw new RangeError('truncated gamma code in a sketch');
    return true;
  }

  /** The gamma code at `#at`, whose leading zeros (in the window there) say its width. */
  #gamma(): number {
    const window = this.#window(this.#at);
    const zeros = Math.clz32(window);
    if (zeros < 16) {
      this.#at += 2 * zeros + 1;
      return window >>> (31 - 2 * zeros);
    }
    // Codes of 2^16 and above (counts that large in one bin): bit by bit.
    const bytes = this.#bytes;
    let at = this.#at + zeros;
    let value = 0;
    for (let i = 0; i <= zeros; i++, at++) value = value * 2 + ((bytes[at >>> 3]! >>> (7 - (at & 7))) & 1);
    this.#at = at;
    return value;
  }

  /** The 32 bits from bit `at`. */
  #window(at: number): number {
    const bytes = this.#bytes;
    const byte = at >>> 3;
    const shift = at & 7;
    const last = this.#end >>> 3;
    // Bytes past the day's end count as zeros. They are not read: a read out of bounds gives
    // undefined, and bit operators on it fall off the fast path (measured: half a percentile query's time).
    return byte + 4 < last
      ? (((bytes[byte]! << 24) | (bytes[byte + 1]! << 16) | (bytes[byte + 2]! << 8) | bytes[byte + 3]!) << shift) | (bytes[byte + 4]! >>> (8 - shift))
      : (((byteAt(bytes, byte, last) << 24) | (byteAt(bytes, byte + 1, last) << 16) | (byteAt(bytes, byte + 2, last) << 8) | byteAt(bytes, byte + 3, last)) << shift) |
          (byteAt(bytes, byte + 4, last) >>> (8 - shift));
  }
}

/** The byte at `at`, or 0 from `end` on. */
function byteAt(bytes: Uint8Array, at: number, end: number): number {
  return at < end ? bytes[at]! : 0;
}

/**
 * Visits each bin in use of a day encoded by BinsWriter at [start, end) of `bytes`, in bin order:
 * the bin and its count. `min`: the day's min price in cents.
 */
export function forEachBin(bytes: Uint8Array, min: number, visit: (bin: number, count: number) => void, start = 0, end = bytes.length): void {
  const reader = new BinReader();
  reader.start(bytes, min, start, end);
  while (reader.next()) visit(reader.bin, reader.count);
}

/** Whether a day's bins follow from its count, min and max alone, so that none need storing. */
export function impliedBins(count: number, min: number, max: number): boolean {
  return count <= 2 || min === max;
}
