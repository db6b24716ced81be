/**
 * Top functions by self time of a V8 CPU profile (`node --cpu-prof`).
 *
 *   node benchmarks/dist/cpuprofile-top.js FILE.cpuprofile [--top 25] [--from US --to US]
 *
 * --from/--to keep only the samples in that window, in microseconds of process.hrtime (the profile's
 * clock), e.g. the commitStartUs/commitEndUs a benchmark child prints. `--help` lists the options.
 */
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommand, table, usageError } from './util.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

const COMMAND = {
  script: import.meta.url,
  summary: 'Top functions by self time of a V8 CPU profile (node --cpu-prof), located in the TypeScript sources where there are source maps.',
  operands: ['FILE'],
  options: {
    top: { type: 'int', default: 25, description: 'functions to list' },
    from: { type: 'number', arg: 'US', description: 'count only the samples from this process.hrtime, in microseconds (the profile\'s clock)' },
    to: { type: 'number', arg: 'US', description: 'count only the samples up to this process.hrtime, in microseconds' }
  }
} as const;
const { values: args, operands } = parseCommand(COMMAND);
const file = operands[0]!;
if (!existsSync(file)) usageError(COMMAND, `no such file ${file}`);
const { top, from = -Infinity, to = Infinity } = args;
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;

const byId = new Map(profile.nodes.map((node) => [node.id, node]));
const self = new Map<number, number>();
let time = profile.startTime;
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const delta = profile.timeDeltas[i] ?? 0;
  time += delta;
  if (time < from || time > to) continue;
  // A sample's time is the gap to the next sample.
  const next = profile.timeDeltas[i + 1] ?? 0;
  self.set(profile.samples[i]!, (self.get(profile.samples[i]!) ?? 0) + next);
  total += next;
}

const cwd = process.cwd();
const maps = new Map<string, SourceMap | undefined>();
/** Where a function is, mapped through the compiled file's source map to the TypeScript source when there is one. */
const where = (url: string, line: number, column: number): string => {
  if (url === '') return '';
  if (!url.startsWith('file://')) return `${url}:${line + 1}`;
  const file = fileURLToPath(url);
  if (!maps.has(file)) maps.set(file, existsSync(`${file}.map`) ? new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8'))) : undefined);
  const entry = maps.get(file)?.findEntry(line, column) as { originalSource?: string; originalLine?: number } | undefined;
  if (entry?.originalSource !== undefined && entry.originalLine !== undefined) {
    const source = entry.originalSource.startsWith('file://') ? fileURLToPath(entry.originalSource) : resolve(dirname(file), entry.originalSource);
    return `${relative(cwd, source)}:${entry.originalLine + 1}`;
  }
  return `${relative(cwd, file)}:${line + 1}`;
};
const functions = new Map<string, number>();
for (const [id, us] of self) {
  const { functionName, url, lineNumber, columnNumber } = byId.get(id)!.callFrame;
  const key = `${functionName || '(anonymous)'}\t${where(url, lineNumber, columnNumber)}`;
  functions.set(key, (functions.get(key) ?? 0) + us);
}
const rows = [...functions].sort((a, b) => b[1] - a[1]).slice(0, top).map(([key, us]) => {
  const [name, location] = key.split('\t') as [string, string];
  return [`\`${name}\``, location, (us / 1000).toFixed(0), `${((us / total) * 100).toFixed(1)}%`];
});
console.log(`${(total / 1000).toFixed(0)} ms of samples${Number.isFinite(from) ? ' in the window' : ''}\n`);
console.log(table(['function', 'location', 'self ms', 'self %'], rows));
