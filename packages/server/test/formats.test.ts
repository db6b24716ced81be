import { describe, expect, it } from 'vitest';
import { FormatError, ItemTooLargeError, parseBatches, parseItems, type ItemFormat, type ParsedItem } from '../src/formats/index.js';

/** The text as bytes, cut into pieces of `size` bytes (so characters and lines straddle chunks). */
async function* bytes(text: string, size = 3): AsyncGenerator<Uint8Array> {
  const all = new TextEncoder().encode(text);
  for (let i = 0; i < all.length; i += size) yield all.subarray(i, i + size);
}

async function parse(format: ItemFormat, text: string, size?: number, maxItemChars?: number): Promise<ParsedItem[]> {
  const out: ParsedItem[] = [];
  for await (const parsed of parseItems(format, bytes(text, size), maxItemChars === undefined ? {} : { maxItemChars })) out.push(parsed);
  return out;
}

async function failure(format: ItemFormat, text: string, maxItemChars?: number): Promise<FormatError> {
  const error = await parse(format, text, undefined, maxItemChars).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(FormatError);
  return error as FormatError;
}

describe('one parser per format', () => {
  it('JSON array: elements with the line they start on, across chunk and character boundaries, BOM skipped', async () => {
    const text = '\ufeff[\n  {"origin": "CNSGH", "note": "Zürich, [x] \\"q\\" 😀"},\n  {"a": [1, {"b": 2}]}, 3,\n\n  "s"\n]\n';
    for (const size of [1, 2, 3, 7, 1000]) {
      expect(await parse('json', text, size)).toEqual([
        { item: { origin: 'CNSGH', note: 'Zürich, [x] "q" 😀' }, line: 2 },
        { item: { a: [1, { b: 2 }] }, line: 3 },
        { item: 3, line: 3 },
        { item: 's', line: 5 }
      ]);
    }
    expect(await parse('json', ' [ ] ')).toEqual([]);
  });

  it('JSON array: anything but one array is a FormatError with its line', async () => {
    const cases: Array<[string, RegExp, number]> = [
      ['{"a":1}', /expected a JSON array/, 1],
      ['', /nothing to read/, 1],
      ['[1,\n2', /not closed/, 2],
      ['[1,\n,2]', /item 1 of the JSON array is empty/, 2],
      ['[1,2,\n]', /trailing comma after item 1/, 2],
      ['[1]\nx', /unexpected text after/, 2],
      ['[1,\n {"a":}]', /item 1 of the JSON array is not valid JSON/, 2],
      ['[{"a":1}}]', /item 0 of the JSON array is not valid JSON/, 1]
    ];
    for (const [text, message, line] of cases) {
      const error = await failure('json', text);
      expect([text, error.message, error.line]).toEqual([text, expect.stringMatching(message), line]);
    }
  });

  it('NDJSON: one value a line, LF or CRLF, trimmed, blank lines skipped, BOM skipped, lines counted', async () => {
    expect(await parse('ndjson', '\ufeff{"a":1}\r\n\r\n  {"b":"é"}  \n\n[3]', 2)).toEqual([
      { item: { a: 1 }, line: 1 },
      { item: { b: 'é' }, line: 3 },
      { item: [3], line: 5 }
    ]);
    const error = await failure('ndjson', '{"a":1}\n\n{"b":\n');
    expect([error.line, error.message]).toEqual([3, expect.stringMatching(/^not a JSON value: /)]);
  });

  it('CSV: header in any order and case, BOM, quotes, trimming; prices that are money as numbers, anything else as text', async () => {
    const text = '\ufeffPrice, day ,origin,destination\r\n1234.5,2016-01-01,CNSGH,NLRTM\r\n\r\n" 12 ",2016-01-02,CNSGH,DEHAM\n0x10,2016-01-03,A,B\nInfinity,2016-01-03,A,B\n,2016-01-03,A,B\n-1e3,2016-01-03,A,B\n1.5e3,2016-01-03,A,B\n1.001,2016-01-03,A,B\n';
    const rows = await parse('csv', text, 5);
    expect(rows.map((row) => [row.line, (row.item as { price: unknown }).price])).toEqual([
      [2, 1234.5], [4, 12], [5, '0x10'], [6, 'Infinity'], [7, ''], [8, '-1e3'], [9, 1500], [10, '1.001']
    ]);
    expect(rows[0]!.item).toEqual({ origin: 'CNSGH', destination: 'NLRTM', day: '2016-01-01', price: 1234.5 });
  });

  it('CSV: a wrong header (missing, unknown or repeated column) or a ragged row is a FormatError with its line', async () => {
    const missing = await failure('csv', '\norigin,destination,price\n');
    expect([missing.line, missing.message]).toEqual([2, expect.stringMatching(/header must name the columns origin,destination,day,price.*missing day/)]);
    expect((await failure('csv', 'origin,destination,day,price,when\n')).message).toMatch(/unknown when/);
    expect((await failure('csv', 'origin,destination,day,price,price\n')).message).toMatch(/repeated price/);
    const ragged = await failure('csv', 'origin,destination,day,price\nA,B,2016-01-01,1\nA,B\n');
    expect([ragged.line, ragged.message]).toEqual([3, expect.stringMatching(/^invalid CSV: /)]);
  });

  it('bytes that are not UTF-8 are a FormatError in every format; characters cut across reads are not', async () => {
    const texts = { json: '[{"a": "é😀"}]', ndjson: '{"a": "é😀"}\n', csv: 'origin,destination,day,price\nA,B,2016-01-01,é😀\n' };
    for (const format of ['json', 'ndjson', 'csv'] as const) {
      expect(await parse(format, texts[format], 1)).toHaveLength(1);
      const encoded = new TextEncoder().encode(texts[format]);
      for (const bad of [[0xff], [0xc3], [0xed, 0xa0, 0x80]]) {
        // The bad bytes replace the é (2 bytes), or end the text cut short.
        const at = encoded.indexOf(0xc3);
        for (const body of [[...encoded.subarray(0, at), ...bad, ...encoded.subarray(at + 2)], [...encoded, ...bad]]) {
          async function* source(): AsyncGenerator<Uint8Array> {
            for (const byte of body) yield Uint8Array.of(byte);
          }
          const error = await (async () => {
            for await (const _ of parseItems(format, source())) void _;
          })().catch((e: unknown) => e);
          expect(error, `${format} ${bad.join(',')}`).toBeInstanceOf(FormatError);
          expect((error as Error).message).toMatch(/not valid UTF-8/);
        }
      }
    }
  });

  it('an item longer than maxItemChars is an ItemTooLargeError with its line; one of exactly that length passes', async () => {
    const item = '{"name": "' + 'x'.repeat(20) + '"}';
    const texts = { json: `[1,\n${item}]`, ndjson: `1\n${item}\n`, csv: `origin,destination,day,price\nA,B,2016-01-01,${'1'.repeat(item.length - 15)}\n` };
    for (const format of ['json', 'ndjson', 'csv'] as const) {
      // Every item (row) is at most item.length characters long.
      expect(await parse(format, texts[format], 4, item.length)).toHaveLength(format === 'csv' ? 1 : 2);
      const error = await failure(format, texts[format], item.length - 5);
      expect(error, format).toBeInstanceOf(ItemTooLargeError);
      expect([error.line, error.message]).toEqual([2, expect.stringMatching(/longer than \d+ characters/)]);
    }
  });

  it('passes errors of the byte source through unchanged', async () => {
    const broken = new Error('disk on fire');
    const starts = { json: '[1,\n2,', ndjson: '1\n2\n', csv: 'origin,destination,day,price\nA,B,2016-01-01,1\n' };
    for (const format of ['json', 'ndjson', 'csv'] as const) {
      async function* failing(): AsyncGenerator<Uint8Array> {
        yield new TextEncoder().encode(starts[format]);
        throw broken;
      }
      const error = await (async () => {
        for await (const _ of parseItems(format, failing())) void _;
      })().catch((e: unknown) => e);
      expect(error).toBe(broken);
    }
  });

  it('hands out the same items in batches (one per chunk of text read) as item by item, up to the same error, in every format', async () => {
    const texts = {
      json: '[{"a": 1},\n {"b": [2, 3]},\n "x", 4,\n {"c": "]"}]',
      ndjson: '{"a": 1}\n{"b": [2, 3]}\n\n"x"\n4\n',
      csv: 'origin,destination,day,price\nCNSGH,NLRTM,2016-01-01,100\nCNSGH,DEHAM,2016-01-02,"1,5"\nA,B,2016-01-03,7\n'
    };
    // Malformed in the middle: items before the fault come out, then the same error.
    const broken = { json: '[1,\n2,\n{x},\n4]', ndjson: '1\n2\n{x}\n4\n', csv: 'origin,destination,day,price\nA,B,2016-01-01,1\nA,B\n' };
    const batched = async (format: ItemFormat, text: string, size: number): Promise<[ParsedItem[], unknown]> => {
      const out: ParsedItem[] = [];
      try {
        for await (const { items, lines } of parseBatches(format, bytes(text, size))) items.forEach((item, i) => out.push({ item, line: lines[i]! }));
      } catch (error) {
        return [out, error];
      }
      return [out, undefined];
    };
    for (const format of ['json', 'ndjson', 'csv'] as const) {
      for (const size of [1, 5, 1000]) {
        expect(await batched(format, texts[format], size), `${format}, ${size}`).toEqual([await parse(format, texts[format], size), undefined]);
        const [before, error] = await batched(format, broken[format], size);
        const expected = await failure(format, broken[format]);
        expect(error, `${format}, ${size}`).toEqual(expected);
        expect(before.map(({ item }) => item), `${format}, ${size}`).toEqual(format === 'csv' ? [{ origin: 'A', destination: 'B', day: '2016-01-01', price: 1 }] : [1, 2]);
      }
    }
  });
});
