/**
 * Every answer the server writes with a fixed status and code is one the contract's table of codes
 * gives (and so the guide's error table, which is rendered from it): the source is read for them,
 * so that a new answer cannot go undocumented.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { documentedCodes } from './fuzz/oracle.js';

const SRC = resolve(fileURLToPath(import.meta.url), '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []);
}

/** `new HttpProblem(409, 'RATESTORE_...'` and Node's parser errors' `[431, 'RATESTORE_...'` answers, by file. */
function fixedAnswers(): Array<{ file: string; status: number; code: string }> {
  return sources(SRC).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/(?:new HttpProblem\(|\[)\s*(\d{3}),\s*'(RATESTORE_[A-Z_]+)'/g)]
      .map((m) => ({ file: file.slice(SRC.length + 1), status: Number(m[1]), code: m[2]! })));
}

describe('the server\'s problems', () => {
  it('are answered only with statuses and codes the table of codes gives', () => {
    const answers = fixedAnswers();
    // The scan finds the answers (a change of how they are written must not empty it).
    expect(answers.length).toBeGreaterThan(40);
    expect(answers).toContainEqual({ file: 'http/routes/uploads.ts', status: 409, code: 'RATESTORE_UNKNOWN_BATCH' });
    const documented = documentedCodes();
    expect(answers.filter(({ status, code }) => !(documented.get(status)?.has(code) ?? false))).toEqual([]);
  });
});
