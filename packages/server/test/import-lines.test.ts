import { afterAll, describe, expect, it } from 'vitest';
import { readLines } from '../src/import/lines.js';
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
