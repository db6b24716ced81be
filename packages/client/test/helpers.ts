import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BatchItem } from '../src/index.js';

export { CLI, startServerProcess, type ServeOptions, type ServerProcess } from '../../server/test/server-process.js';

/** A temporary directory, removed by `cleanup`. */
export function tempDir(prefix: string): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A small world: nested regions and a few ports. */
export function world(): BatchItem[] {
  return [
    { type: 'region', slug: 'europe', name: 'Europe' },
    { type: 'region', slug: 'north_europe', name: 'North Europe', parent: 'europe' },
    { type: 'region', slug: 'china', name: 'China' },
    { type: 'port', code: 'NLRTM', name: 'Rotterdam', region: 'north_europe' },
    { type: 'port', code: 'DEHAM', name: 'Hamburg', region: 'north_europe' },
    { type: 'port', code: 'CNSGH', name: 'Shanghai', region: 'china' },
    { type: 'port', code: 'CNNGB', name: 'Ningbo', region: 'china' }
  ];
}

/** `count` prices over consecutive days from `firstDay`, deterministic. */
export function* priceStream(count: number, options: { origin?: string; destination?: string; firstDay?: string; days?: number } = {}): Generator<BatchItem> {
  const origin = options.origin ?? 'CNSGH';
  const destination = options.destination ?? 'NLRTM';
  const first = Date.parse(`${options.firstDay ?? '2020-01-01'}T00:00:00Z`);
  const days = options.days ?? 100;
  for (let i = 0; i < count; i++) {
    const day = new Date(first + (i % days) * 86_400_000).toISOString().slice(0, 10);
    yield { origin, destination, day, price: 1000 + (i % 97) };
  }
}

/** How many prices each day of {@link priceStream} gets. */
export function expectedCounts(count: number, days = 100): number[] {
  return Array.from({ length: days }, (_, d) => Math.floor(count / days) + (d < count % days ? 1 : 0));
}
