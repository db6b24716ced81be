import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './fixture.js';

/**
 * A figure a deploy test measured: printed, and written to .artifacts/figures/NAME.json, where
 * docs/reliability.md takes its numbers from.
 */
export function record(name: string, value: Record<string, unknown>): void {
  console.log(`[figures] ${name}: ${JSON.stringify(value)}`);
  const dir = join(REPO, '.artifacts', 'figures');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${name.replace(/[^a-z0-9]+/gi, '-')}.json`), `${JSON.stringify({ ...value, measuredAt: new Date().toISOString(), node: process.version }, null, 2)}\n`);
}
