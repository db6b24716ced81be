/**
 * Writes the sample data set as NDJSON, one item a line: regions, ports, then prices.
 *
 *   node benchmarks/dist/generate.js --prices 1000000 --out sample.ndjson [--seed 1] [--ports 200]
 *        [--date-from 2016-01-01] [--days 31] [--depth 4] [--prices-only]
 *
 * Without --out it writes to stdout.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { generateSample, samplePrices, type SampleOptions } from '@ratestore/core';
import { intArg, parseArgs } from './util.js';

const args = parseArgs(process.argv.slice(2));
const options: SampleOptions = {
  seed: intArg(args, 'seed', 1),
  prices: intArg(args, 'prices', 50_000),
  ports: intArg(args, 'ports', 200),
  dateFrom: args.get('date-from') ?? '2016-01-01',
  days: intArg(args, 'days', 31),
  depth: intArg(args, 'depth', 4)
};
const out = args.get('out');
const stream: Writable = out === undefined ? process.stdout : createWriteStream(out);
const items = args.has('prices-only') ? samplePrices(options) : generateSample(options);

let buffer = '';
let lines = 0;
for (const item of items) {
  buffer += JSON.stringify(item) + '\n';
  lines++;
  if (buffer.length >= 1 << 20) {
    if (!stream.write(buffer)) await once(stream, 'drain');
    buffer = '';
  }
}
if (out === undefined) {
  stream.write(buffer);
} else {
  stream.end(buffer);
  await once(stream, 'finish');
  console.error(`wrote ${lines} items to ${out}`);
}
