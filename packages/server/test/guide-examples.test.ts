import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/ratestask-dump.js';

/**
 * The guide's command-line examples, run as written on the files in examples/: every fenced block
 * of docs/guide.md that starts with `$ ratestore ...` is run, in the guide's order, into one
 * scratch store (for `--data ./example-data`), and must print what the block shows. Only what
 * changes from run to run is left out of the comparison: times and rates, the full batch ids
 * (the guide shortens them) and the store's absolute path.
 */

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const guide = readFileSync(`${ROOT}docs/guide.md`, 'utf8');
const scratch = tempDir();
afterAll(() => scratch.cleanup());

interface Example {
  command: string;
  output: string[];
}

function examples(): Example[] {
  const found: Example[] = [];
  for (const match of guide.matchAll(/```[a-z]*\n(\$ ratestore [^\n]*)\n([\s\S]*?)```/g)) {
    found.push({ command: match[1]!.slice(2), output: match[2]!.trimEnd().split('\n') });
  }
  return found;
}

/** What may differ between two runs of the same example. */
function normalize(line: string): string {
  return line
    .replace(/ in \d+\.\d s \([\d,]+ rows\/s\)/, ' in T s (R rows/s)')
    .replace(/(batch import:[a-z]+:[0-9a-f]{16})[0-9a-f]*…?/, '$1…')
    .replace(/^store \S+ is at version/, 'store DIR is at version');
}

describe('the guide\'s command-line examples', () => {
  const all = examples();

  it('are there: importing the example files, a rejected file, a rates query, one with percentiles', () => {
    expect(all.map((example) => example.command.split(' ').slice(0, 2).join(' '))).toEqual(['ratestore import', 'ratestore import', 'ratestore rates', 'ratestore rates']);
  });

  it.each(all)('$command', async ({ command, output }) => {
    const args = command.split(' ').slice(1).map((arg) => {
      if (arg === './example-data') return `${scratch.dir}/example-data`;
      return arg.startsWith('examples/') ? `${ROOT}${arg}` : arg;
    });
    const run = await cli(args);
    const printed = (run.stdout + run.stderr).replaceAll(ROOT, '').trimEnd().split('\n');
    expect(printed.map(normalize)).toEqual(output.map(normalize));
  });
});
