/**
 * Writes the sample data set as NDJSON, one item a line: regions, ports, then prices.
 *
 *   node benchmarks/dist/generate.js [--prices 50000] [--out sample.ndjson] [--seed 1] [--ports 200]
 *        [--date-from 2016-01-01] [--days 31] [--depth 4] [--prices-only]
 *
 * Without --out it writes to stdout. `--help` lists the options with their defaults.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { generateSample, samplePrices, type SampleOptions } from '@ratestore/core';
import { parseCommand } from './util.js';

const { values: args } = parseCommand({
  script: import.meta.url,
  summary: 'Writes the sample data set as NDJSON, one item a line: regions, ports, then prices.',
  options: {
    prices: { type: 'int', default: 50_000, description: 'prices to generate' },
    out: { type: 'string', arg: 'FILE', description: 'write to FILE (default stdout)' },
    seed: { type: 'int', default: 1, description: 'seed of the generator' },
    ports: { type: 'int', default: 200, description: 'ports in the catalog' },
    'date-from': { type: 'string', default: '2016-01-01', arg: 'YYYY-MM-DD', description: 'first day of the prices' },
    days: { type: 'int', default: 31, description: 'days the prices are spread over' },
    depth: { type: 'int', default: 4, description: 'levels of the region tree' },
    'prices-only': { type: 'boolean', description: 'write the prices only, without the regions and ports' }
  }
});
const options: SampleOptions = { seed: args.seed, prices: args.prices, ports: args.ports, dateFrom: args['date-from'], days: args.days, depth: args.depth };
const out = args.out;
const stream: Writable = out === undefined ? process.stdout : createWriteStream(out);
const items = args['prices-only'] ? samplePrices(options) : generateSample(options);

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
