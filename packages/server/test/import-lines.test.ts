import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { readLines } from '../src/import/lines.js';
import { LineIndex } from '../src/import/source.js';
import { tempDir } from './helpers/ratestask-dump.js';

/** The size of one read of the line reader: a CRLF can be split across two of them. */
const READ_BYTES = 256 * 1024;

describe('readLines', () => {
  const files = tempDir();
  afterAll(() => files.cleanup());

  it('splits on LF, CRLF and lone CR alike, also where a CRLF straddles two reads, and keeps a last line without a break', async () => {
    const lines: string[] = [];
    const ends: string[] = [];
    let text = '';
    const add = (line: string, end: string) => {
      lines.push(line);
      ends.push(end);
      text += line + end;
    };
    // Fill the first read so that its last byte is the CR of a CRLF.
    add('x'.repeat(READ_BYTES - 1), '\r\n');
    for (let i = 0; text.length < 3 * READ_BYTES; i++) add(`line ${i} ${'y'.repeat(i % 97)}`, ['\n', '\r\n', '\r'][i % 3]!);
    add('', '\n');
    lines.push('no break at the end');
    text += 'no break at the end';
    expect(text.indexOf('\r\n')).toBe(READ_BYTES - 1);

    const read: string[] = [];
    for await (const line of readLines(files.file('mixed.txt', text), { bytesRead: 0, item: () => undefined })) read.push(line);
    expect(read).toEqual(lines);
  });
});

describe('readLines at the end of a file', () => {
  const files = tempDir();
  afterAll(() => files.cleanup());
  const read = async (text: string): Promise<string[]> => {
    const lines: string[] = [];
    for await (const line of readLines(files.file('end.txt', text), { bytesRead: 0, item: () => undefined })) lines.push(line);
    return lines;
  };

  // Was a bug (this session's strict decoding): a lone CR before a last line without a break joined
  // the two lines, and a dump lost its last statement.
  it('splits the last lines on a lone CR, with or without a final break', async () => {
    expect(await read('a\rb')).toEqual(['a', 'b']);
    expect(await read('a\rb\r')).toEqual(['a', 'b']);
    expect(await read('a\r\rb')).toEqual(['a', '', 'b']);
    expect(await read('a\r\nb')).toEqual(['a', 'b']);
    expect(await read('a\nb\rc')).toEqual(['a', 'b', 'c']);
    expect(await read('a\r')).toEqual(['a']);
    expect(await read('')).toEqual([]);
  });

  // Was a bug: a dump saved with a BOM had it glued to its first statement, which was refused.
  it('drops a leading BOM, and only that one', async () => {
    expect(await read('\uFEFFSET x = 1;\nb\uFEFF')).toEqual(['SET x = 1;', 'b\uFEFF']);
    expect(await read('\uFEFF')).toEqual([]);
    expect(await read('\uFEFFa')).toEqual(['a']);
  });
});

describe('LineIndex', () => {
  it('gives back the line of every item, whatever the steps between lines (a property)', () => {
    // Lines never go back: items come in file order. Steps mix runs of one item per line, many on
    // one line (a multi-row INSERT), blank lines between, and uneven jumps.
    const steps = fc.array(fc.oneof(fc.constant(1), fc.constant(0), fc.constant(2), fc.integer({ min: 0, max: 50 })), { maxLength: 300 });
    fc.assert(fc.property(fc.integer({ min: 1, max: 10 }), steps, fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 300 }), (first, deltas, repeats) => {
      const lines: number[] = [];
      let line = first;
      deltas.forEach((delta, n) => {
        line += delta;
        for (let k = 0; k < (repeats[n] ?? 1); k++) lines.push(line);
      });
      const index = new LineIndex();
      for (const at of lines) index.add(at);
      expect(index.size).toBe(lines.length);
      expect(lines.map((_, i) => index.get(i))).toEqual(lines);
      expect([index.get(-1), index.get(lines.length), index.get(0.5)]).toEqual([undefined, undefined, undefined]);
    }), { numRuns: 300 });
  });

  it('finds the lines of a million items, one per line after a header', () => {
    const index = new LineIndex();
    for (let line = 2; line <= 1_000_001; line++) index.add(line);
    expect(index.get(0)).toBe(2);
    expect(index.get(999_999)).toBe(1_000_001);
    expect(index.get(123_456)).toBe(123_458);
  });
});
