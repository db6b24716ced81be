import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { httpStatusOf, type RatestoreErrorCode } from '@ratestore/core';
import { SERVER_ERROR_CODES } from '../src/http/problem.js';
import { documentedCodes } from './fuzz/oracle.js';

const README = readFileSync(resolve(fileURLToPath(import.meta.url), '../../../../README.md'), 'utf8');

/** The codes of the README's table under `heading` (the engine's errors, or its item codes). */
function readmeCodes(heading: RegExp): string[] {
  const from = README.search(heading);
  const table = README.slice(from, README.indexOf('\n\n', README.indexOf('| --- |', from)));
  return [...table.matchAll(/^\| `(RATESTORE_[A-Z_]+)` \|/gm)].map((m) => m[1]!);
}

describe('the guide\'s error table', () => {
  const guide = documentedCodes();
  const listed = new Set([...guide.values()].flatMap((codes) => [...codes]));
  const engine = readmeCodes(/\n## Errors\n/);
  const items = readmeCodes(/\| code \| the item \|/);

  it('lists every code of the server, and no code that nothing sends', () => {
    expect(engine.length).toBeGreaterThan(5);
    expect(items.length).toBeGreaterThan(5);
    expect(SERVER_ERROR_CODES.filter((code) => !listed.has(code))).toEqual([]);
    const known = new Set<string>([...SERVER_ERROR_CODES, ...engine, ...items]);
    expect([...listed].filter((code) => !known.has(code))).toEqual([]);
  });

  it('gives each engine code the status the server answers it with', () => {
    for (const code of engine.filter((c) => listed.has(c))) {
      const statuses = [...guide].filter(([, codes]) => codes.has(code)).map(([status]) => status);
      expect(statuses, code).toContain(httpStatusOf({ code: code as RatestoreErrorCode, field: undefined }));
    }
  });
});
