import { StringDecoder } from 'node:string_decoder';
import type { ByteSource } from './errors.js';

/** UTF-8 text of a byte stream, chunk by chunk (never split inside a character), without a leading BOM. */
export async function* utf8Chunks(bytes: ByteSource): AsyncGenerator<string> {
  const decoder = new StringDecoder('utf8');
  let first = true;
  const strip = (text: string): string => {
    if (!first || text === '') return text;
    first = false;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  };
  for await (const chunk of bytes) {
    const text = strip(decoder.write(chunk as Buffer));
    if (text !== '') yield text;
  }
  const rest = strip(decoder.end());
  if (rest !== '') yield rest;
}
