import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FormatError, ItemTooLargeError, ndjsonItems, type ParsedItem } from '../src/formats/index.js';
import { bytesInPieces as bytes, parsedOutcome as outcome } from './helpers/parsed.js';
import { parseJsonItem } from '../src/formats/price-text.js';
import { utf8Chunks } from '../src/formats/text.js';

/** What ndjsonItems did before it parsed a read at a time: a yield per line, the reference. */
async function* lineByLine(chunks: AsyncIterable<string>, max: number): AsyncGenerator<ParsedItem> {
  let rest = '';
  let line = 0;
  const parse = (text: string): ParsedItem | undefined => {
    if (text.length > max) throw new ItemTooLargeError(max, line);
    const trimmed = text.trim();
    if (trimmed === '') return undefined;
    try {
      return { item: parseJsonItem(trimmed), line };
    } catch (error) {
      throw new FormatError(`not a JSON value: ${(error as Error).message}`, line, { cause: error });
    }
  };
  for await (const text of chunks) {
    let from = 0;
    for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', from)) {
      line++;
      const current = parse(rest + text.slice(from, nl));
      rest = '';
      from = nl + 1;
      if (current !== undefined) yield current;
    }
    rest += text.slice(from);
    if (rest.length > max) throw new ItemTooLargeError(max, line + 1);
  }
  line++;
  const last = parse(rest);
  if (last !== undefined) yield last;
}

const LINES = ['{"origin":"CNSGH","destination":"NLRTM","day":"2016-01-01","price":1234.5}', '{"price":1.0000000000000000001}', ' 12 ', '', '  ', '{', 'null', '"x"', '\r', '[1,2]', '\u00e9'];

describe('NDJSON: a batch per read', () => {
  // Every item and line up to the error too: a reader that counts items sees all of them.
  it('gives, flattened, what a yield per line gave: items, lines and errors, whatever the reads', async () => {
    const text = fc.tuple(fc.array(fc.constantFrom(...LINES), { maxLength: 12 }), fc.constantFrom('', '\n', '\r\n')).map(([lines, end]) => `${lines.join('\n')}${end}`);
    await fc.assert(fc.asyncProperty(text, fc.integer({ min: 1, max: 60 }), fc.constantFrom(20, 65_536), async (ndjson, size, max) => {
      expect(await outcome(ndjsonItems(bytes(ndjson, size), { maxItemChars: max }))).toEqual(await outcome(lineByLine(utf8Chunks(bytes(ndjson, size)), max)));
    }), { numRuns: 500, seed: 15 });
  });

  it('gives the same when a read is decoded in pieces: an overlong line across pieces, then a bad one', async () => {
    const price = '{"origin":"CNSGH","destination":"NLRTM","day":"2016-01-01","price":1234.5}';
    // 862 lines of 76 bytes end at 65,512: the long line straddles the first piece's end (64 KiB).
    const lines = [...Array.from({ length: 862 }, () => price), 'x'.repeat(3000), price, '{', price];
    for (const max of [2000, 65_536]) {
      const ndjson = `${lines.join('\n')}\n`;
      // One read of 256 KiB, the reference decoding it whole, as a fatal TextDecoder did.
      const whole = (async function* () { yield new TextDecoder('utf-8', { fatal: true }).decode(new TextEncoder().encode(ndjson)); })();
      const expected = await outcome(lineByLine(whole, max));
      expect(expected.at(-1)).toMatchObject({ error: max === 2000 ? 'ItemTooLargeError' : 'FormatError', line: 863 });
      expect(await outcome(ndjsonItems(bytes(ndjson, 256 * 1024), { maxItemChars: max }))).toEqual(expected);
    }
  });
});
