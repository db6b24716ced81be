import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { csvBatches, csvItems, csvParseItems } from '../src/formats/csv.js';
import { FormatError, type ParsedItem } from '../src/formats/index.js';

/** The text as bytes in pieces of `size`, so rows and characters straddle reads. */
async function* bytes(text: string, size: number): AsyncGenerator<Uint8Array> {
  const all = new TextEncoder().encode(text);
  for (let i = 0; i < all.length; i += size) yield all.subarray(i, i + size);
}

/**
 * The items and lines, or the error's class, message and line. Which rows came out before an error
 * depends on how csv-parse buffers, and a file with an error writes nothing, so they are left out.
 */
async function outcome(items: AsyncIterable<ParsedItem>): Promise<unknown> {
  const out: ParsedItem[] = [];
  try {
    for await (const parsed of items) out.push(parsed);
    return out;
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    return { error: error.name, message: error.message, line: error.line };
  }
}

const HEADERS = ['origin,destination,day,price', 'Price, day ,origin,destination', ' origin ,destination,day,price,', 'origin,destination,"day",price', 'origin,destination,day'];
/** Pieces of rows, plain ones most often, and every character whose handling differs between parsers. */
const PIECES = ['CNSGH', 'NLRTM', '2016-01-01', '1234.5', '12', '', ',', ',', ',', ' ', '\t', '"', '""', '\r', '\r\n', '\n', '\n', '\u00a0', '\v', 'é', 'x y'];

describe('CSV: rows split without csv-parse', () => {
  it('give exactly what csv-parse gives: items, lines and errors, whatever the rows and the reads', async () => {
    const row = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom('CNSGH,NLRTM,2016-01-01,1234.5', ' CNSGH , NLRTM ,2016-01-02,\t12 ', 'A,B,2016-01-03,1.001', ',,,') },
      { weight: 4, arbitrary: fc.array(fc.constantFrom(...PIECES), { maxLength: 8 }).map((pieces) => pieces.join('')) }
    );
    const text = fc.tuple(fc.constantFrom('', '\n', '\r\n'), fc.constantFrom(...HEADERS), fc.array(row, { maxLength: 12 }), fc.constantFrom('', '\n', '\r\n', '\r'))
      .map(([before, header, rows, end]) => `${before}${header}\n${rows.join('\n')}${end}`);
    await fc.assert(fc.asyncProperty(text, fc.integer({ min: 1, max: 40 }), fc.constantFrom(30, 65_536), async (csv, size, max) => {
      const expected = await outcome(csvParseItems((async function* () { yield csv; })(), max));
      expect(await outcome(csvItems(bytes(csv, size), { maxItemChars: max }))).toEqual(expected);
    }), { numRuns: 400, seed: 15 });
  });

  // The property above holds just as well if every row went to csv-parse: this is what makes it
  // about the rows split here (csv-parse's rows come out one batch each).
  it('splits plain rows itself: a read of plain rows, spaces and empty fields among them, comes out as one batch', async () => {
    const rows = ['CNSGH,NLRTM,2016-01-01,1234.5', ' CNSGH , NLRTM ,2016-01-02,\t12 ', ',,,', 'A,B,2016-01-03,1.001'];
    const batches = [];
    for await (const batch of csvBatches(bytes(`Price, day ,origin,destination\r\n${rows.join('\r\n')}\r\n`, 1 << 16))) batches.push(batch);
    expect(batches).toEqual([{
      items: [
        { origin: '2016-01-01', destination: '1234.5', day: 'NLRTM', price: 'CNSGH' },
        { origin: '2016-01-02', destination: '12', day: 'NLRTM', price: 'CNSGH' },
        { origin: '', destination: '', day: '', price: '' },
        { origin: '2016-01-03', destination: '1.001', day: 'B', price: 'A' }
      ],
      lines: [2, 3, 4, 5]
    }]);
  });
});
