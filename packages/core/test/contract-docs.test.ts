/**
 * The error tables of the README and of docs/guide.md are the contract's table of codes
 * (src/contract/codes.ts) as users read it: each is held to a rendering of it, row for row. After a
 * change of the table, `RATESTORE_UPDATE_DOCS=1 npx vitest run packages/core/test/contract-docs.test.ts`
 * writes the tables into the documents.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, codesWith, httpAnswers, type ErrorCode } from '../src/contract/index.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../../..');
const UPDATE = process.env.RATESTORE_UPDATE_DOCS === '1';

const meaning = (code: ErrorCode, key: 'engine' | 'item' | 'client' | 'cli'): string => (ERROR_CODES[code] as Partial<Record<typeof key, string>>)[key]!;
const codeRows = (key: 'engine' | 'item' | 'client' | 'cli') => codesWith(key).map((code) => `| \`${code}\` | ${meaning(code, key)} |`);

/** A table of a document: the first one after `anchor`. */
interface DocTable {
  file: string;
  anchor: string;
  lines(): string[];
}

const TABLES: Record<string, DocTable> = {
  'README: the engine\'s errors': {
    file: 'README.md',
    anchor: '\n## Errors\n',
    lines: () => ['| code | when |', '| --- | --- |', ...codeRows('engine')]
  },
  'README: the item codes': {
    file: 'README.md',
    anchor: 'carries its own code',
    lines: () => ['| code | the item |', '| --- | --- |', ...codeRows('item')]
  },
  'guide: the HTTP answers': {
    file: 'docs/guide.md',
    anchor: '\n## Error codes\n',
    lines: () => ['| status | code | when |', '|---|---|---|', ...httpAnswers().map((a) => `| ${a.status} | ${a.label ?? `\`${a.codes[0]}\``} | ${a.when} |`)]
  },
  'guide: the client\'s own codes': {
    file: 'docs/guide.md',
    anchor: 'The client\'s own codes, for failures without an answer of the server:',
    lines: () => ['| code | when |', '|---|---|', ...codeRows('client')]
  },
  'guide: the command line\'s own codes': {
    file: 'docs/guide.md',
    anchor: 'CLI error codes, besides the engine\'s',
    lines: () => ['| code | when |', '|---|---|', ...codeRows('cli')]
  }
};

/** Where the table after `anchor` is in `text`: its first line and the end of its last, as offsets. */
function locate(text: string, anchor: string): { start: number; end: number } {
  const at = text.indexOf(anchor);
  if (at < 0 || text.indexOf(anchor, at + 1) >= 0) throw new Error(`the anchor ${JSON.stringify(anchor)} is not in the text once`);
  const start = text.indexOf('\n|', at) + 1;
  let end = start;
  while (text.startsWith('|', end)) {
    const next = text.indexOf('\n', end);
    end = next < 0 ? text.length : next + 1;
  }
  return { start, end };
}

const documents = new Map<string, string>();
const read = (file: string): string => documents.get(file) ?? readFileSync(resolve(ROOT, file), 'utf8');

describe('the documentation\'s error tables are the contract\'s', () => {
  for (const [name, table] of Object.entries(TABLES)) {
    it(name, () => {
      const text = read(table.file);
      const { start, end } = locate(text, table.anchor);
      const rendered = table.lines();
      if (UPDATE) {
        const updated = text.slice(0, start) + rendered.map((line) => `${line}\n`).join('') + text.slice(end);
        documents.set(table.file, updated);
        writeFileSync(resolve(ROOT, table.file), updated);
      } else {
        expect(text.slice(start, end).split('\n').slice(0, -1)).toEqual(rendered);
      }
    });
  }

  it('guide: the list of item codes', () => {
    const text = read('docs/guide.md');
    const paragraph = /\nItem codes, in `issues\[\]\.code` of a rejected batch: ([^]*?)\.\n\n/.exec(text);
    expect(paragraph).not.toBeNull();
    expect([...paragraph![1]!.matchAll(/`(RATESTORE_[A-Z_]+)`/g)].map((m) => m[1])).toEqual(codesWith('item'));
  });

  it('README: the contract\'s section names everything it exports', async () => {
    const text = read('README.md');
    const section = text.slice(text.indexOf('\n### The contract: `@ratestore/core/contract`'), text.indexOf('\n## Errors\n'));
    const exported = Object.keys(await import('../src/contract/index.js'));
    expect(exported.length).toBeGreaterThan(30);
    expect(exported.filter((name) => !section.includes(`\`${name}`))).toEqual([]);
  });

  it('every code of the table is in a table of the documentation', () => {
    const documented = new Set([...codesWith('engine'), ...codesWith('item'), ...codesWith('client'), ...codesWith('cli'), ...httpAnswers().flatMap((a) => (a.label === undefined ? a.codes : []))]);
    expect(Object.keys(ERROR_CODES).filter((code) => !documented.has(code as ErrorCode))).toEqual([]);
  });
});
