/**
 * Small helpers shared by the benchmark scripts: arguments, random numbers, statistics, dates, process
 * figures and the pieces of their markdown reports. One copy each, so that every script parses, rounds
 * and prints the same way.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs as nodeParseArgs, type ParseArgsConfig } from 'node:util';

// ---------------------------------------------------------------------------------------------
// Arguments

/** What an option's text becomes. */
interface OptionTypes {
  /** A flag: `--quick`, no value. */
  boolean: boolean;
  string: string;
  /** A non-negative integer; `_` may group digits (`1_000_000`). */
  int: number;
  /** Any finite number. */
  number: number;
  /** Comma-separated non-negative integers: `--query-sizes 1000000,10000000`. */
  ints: number[];
  /** Comma-separated words: `--skip http,dump`. */
  strings: string[];
}

/** One option of a script: `--name` on the command line. */
export interface OptionSpec {
  type: keyof OptionTypes;
  /** One line for --help. */
  description: string;
  /** The value when the option is not given, shown in --help. */
  default?: OptionTypes[keyof OptionTypes] | readonly number[] | readonly string[];
  required?: boolean;
  /** The words a string (or each entry of strings) may be. */
  choices?: readonly string[];
  /** The value's name in --help, e.g. DIR; else N for numbers, the choices, or VALUE. */
  arg?: string;
}

export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** The parsed options: a flag is true or false; an option with neither a default nor `required` may be undefined. */
export type Values<O extends OptionSpecs> = {
  -readonly [K in keyof O]: O[K]['type'] extends 'boolean' ? boolean
    : O[K] extends { default: unknown } | { required: true } ? OptionTypes[O[K]['type']] : OptionTypes[O[K]['type']] | undefined;
};

/** A script's command line, or that of one kind of its children. */
export interface Command<O extends OptionSpecs> {
  /** The script's `import.meta.url`: its name in messages and in the usage line. */
  script: string;
  /** What the script does, for --help. */
  summary: string;
  options: O;
  /** Arguments that are not options, by name (e.g. FILE), each required; none unless listed. */
  operands?: readonly string[];
  /** Arguments before the options in the usage line and messages, e.g. `--child commit`. */
  prefix?: string;
  /** After the list of options in --help. */
  notes?: string;
}

const DIST = dirname(fileURLToPath(import.meta.url));

/** The script's path under benchmarks/dist, its `.js` replaced by `suffix`, and the prefix: `core`, `compare/main`, `core --child commit`. */
function commandName(command: Command<OptionSpecs>, suffix = ''): string {
  const name = relative(DIST, fileURLToPath(command.script)).replace(/\.js$/, suffix);
  return command.prefix === undefined ? name : `${name} ${command.prefix}`;
}

/** Prints `<command>: <message>; see --help` and exits with 2, the status of a usage error. */
export function usageError(command: Command<OptionSpecs>, message: string): never {
  console.error(`${commandName(command)}: ${message}; see --help`);
  process.exit(2);
}

/**
 * Parses `argv` (by default this process's arguments) strictly with node:util's parseArgs: an unknown
 * option, a missing value or a bad number is a usage error (see `usageError`). `--help` or `-h`
 * prints the usage and the options and exits with 0.
 */
export function parseCommand<O extends OptionSpecs>(command: Command<O>, argv = process.argv.slice(2)): { values: Values<O>; operands: string[] } {
  const fail = (message: string): never => usageError(command, message);
  const config = {
    args: argv,
    allowPositionals: command.operands !== undefined,
    options: {
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries(Object.entries(command.options).map(([name, spec]) => [name, { type: spec.type === 'boolean' ? 'boolean' : 'string' }]))
    }
  } satisfies ParseArgsConfig;
  // A lenient pass first, for --help anywhere and for naming what the strict one refuses.
  const { tokens } = nodeParseArgs({ ...config, allowPositionals: true, strict: false, tokens: true });
  if (tokens.some((token) => token.kind === 'option' && token.name === 'help')) {
    console.log(usage(command));
    process.exit(0);
  }
  const parsed = (() => {
    try {
      return nodeParseArgs({ ...config, strict: true });
    } catch (error) {
      // Node's own message, only if the lenient parse finds nothing to name (it should not happen).
      return fail(argumentProblem(tokens, config) ?? (error as Error).message.split('\n')[0]!);
    }
  })();
  const operands = parsed.positionals;
  const names = command.operands ?? [];
  if (operands.length < names.length) fail(`missing ${names[operands.length]}`);
  if (operands.length > names.length) fail(`unexpected argument ${operands[names.length]}`);
  const values: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(command.options)) {
    const text = (parsed.values as Record<string, string | boolean | undefined>)[name];
    if (text === undefined && spec.required === true) fail(`--${name} is required`);
    values[name] = text === undefined ? (spec.default ?? (spec.type === 'boolean' ? false : undefined))
      : typeof text === 'boolean' ? text : optionValue(name, spec, text, fail);
  }
  return { values: values as Values<O>, operands };
}

/** The first argument that strict parsing refuses, in words (from the tokens of a lenient parse). */
function argumentProblem(tokens: Array<{ kind: string; name?: string; rawName?: string; value?: string; inlineValue?: boolean }>,
  config: { options: Record<string, { type: 'string' | 'boolean' }>; allowPositionals: boolean }): string | undefined {
  for (const { kind, name, rawName, value, inlineValue } of tokens) {
    if (kind === 'positional' && !config.allowPositionals) return `unexpected argument ${value}`;
    if (kind !== 'option') continue;
    const type = Object.hasOwn(config.options, name!) ? config.options[name!]!.type : undefined;
    if (type === undefined) return `unknown option ${rawName}`;
    if (type === 'boolean' && value !== undefined) return `${rawName} takes no value`;
    if (type === 'string' && value === undefined) return `${rawName} needs a value`;
    if (type === 'string' && !inlineValue && value!.startsWith('-')) return `${rawName} needs a value (to give one that starts with "-", write ${rawName}=${value})`;
  }
  return undefined;
}

function optionValue(name: string, spec: OptionSpec, text: string, fail: (message: string) => never): unknown {
  const int = (part: string): number => {
    const value = part.trim() === '' ? NaN : Number(part.replace(/_/g, ''));
    return Number.isSafeInteger(value) && value >= 0 ? value : fail(`--${name} must be ${spec.type === 'ints' ? 'comma-separated non-negative integers' : 'a non-negative integer'}, got ${text}`);
  };
  const word = (part: string): string => (spec.choices === undefined || spec.choices.includes(part) ? part
    : fail(`--${name}: unknown ${JSON.stringify(part)}; use ${spec.type === 'strings' ? 'some of' : 'one of'} ${spec.choices.join(', ')}`));
  switch (spec.type) {
    case 'int':
      return int(text);
    case 'ints':
      return text.split(',').map(int);
    case 'number': {
      const value = text.trim() === '' ? NaN : Number(text);
      return Number.isFinite(value) ? value : fail(`--${name} must be a number, got ${text}`);
    }
    case 'strings':
      return text.split(',').filter(Boolean).map(word);
    default:
      return word(text);
  }
}

/** The text of --help. */
function usage(command: Command<OptionSpecs>): string {
  const rows = Object.entries(command.options).map(([name, spec]): [string, string] => {
    const arg = spec.arg ?? (spec.choices?.join(spec.type === 'strings' ? ',' : '|') ?? (spec.type === 'string' ? 'VALUE' : spec.type === 'ints' ? 'N,N,...' : 'N'));
    const fallback = spec.required === true ? ' (required)'
      : spec.default !== undefined && spec.type !== 'boolean' ? ` (default ${Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default)})` : '';
    return [spec.type === 'boolean' ? `--${name}` : `--${name} ${arg}`, spec.description + fallback];
  });
  rows.push(['-h, --help', 'print this help and exit']);
  const width = Math.max(...rows.map(([left]) => left.length));
  const operands = (command.operands ?? []).map((name) => ` ${name}`).join('');
  return [
    `usage: node benchmarks/dist/${commandName(command, '.js')}${operands} [options]`,
    '', command.summary, '', 'options:', ...rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
    ...(command.notes === undefined ? [] : ['', command.notes])
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------
// Numbers

/** mulberry32, for choosing queries reproducibly. */
export function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The q-quantile (0..1) of sorted values, nearest rank. */
function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export interface LatencySummary {
  p50: number;
  p99: number;
  mean: number;
}

/** Percentiles (nearest rank) and mean of one run's latencies; the mean of none is 0, not NaN, so a level no query hit still prints. */
export function summarizeLatencies(latencies: number[]): LatencySummary {
  const sorted = Float64Array.from(latencies).sort();
  const mean = latencies.reduce((sum, value) => sum + value, 0) / Math.max(1, latencies.length);
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), mean };
}

/** The day `days` after `day` (both `YYYY-MM-DD`, UTC); negative goes back. */
export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------------
// Process figures

/** process.hrtime in microseconds: the clock of --cpu-prof profiles, so a run's window can be cut out of one. */
export const hrtimeUs = (): number => Number(process.hrtime.bigint() / 1000n);
/** Peak resident set size of this process so far. */
export const maxRssMb = (): number => process.resourceUsage().maxRSS / 1024;
/** The resident set now, in MB. */
export const rssMb = (): number => process.memoryUsage().rss / 2 ** 20;

// ---------------------------------------------------------------------------------------------
// Reports

export function fmtInt(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

/** Milliseconds as seconds with two decimals. */
export const seconds = (ms: number): string => (ms / 1000).toFixed(2);
/** A throughput: `count` items in `ms` milliseconds, per second. */
export const perSecond = (count: number, ms: number): string => fmtInt((count * 1000) / ms);
/** How many times faster (or, below 1, slower); whole numbers from 10x up. */
export const ratio = (x: number): string => (x >= 10 ? `${x.toFixed(0)}x` : `${x.toFixed(2)}x`);
export const percent = (share: number): string => `${(share * 100).toFixed(0)}%`;
/** A target's verdict cell. */
export const verdict = (ok: boolean): string => (ok ? '**pass**' : '**miss**');
/** ` (min–max)` of the runs, to follow a median; nothing for a single run. */
export const minMax = (values: number[], format: (value: number) => string): string =>
  values.length < 2 ? '' : ` (${format(Math.min(...values))}–${format(Math.max(...values))})`;

/** A markdown table. */
export function table(header: string[], rows: string[][]): string {
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

/** The machine of a report's header: Node version, CPUs and memory. */
export function machine(): string {
  return `node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM`;
}

/** The 1, 5 and 15 minute load averages, since other work on the machine moves the figures. */
export function loadAverages(): string {
  return loadavg().map((v) => v.toFixed(2)).join(' ');
}

/**
 * `git <commit>` of the checkout in `cwd`, and its files under `paths` that differ from it as
 * `describe` lists them (from git's paths, relative to the top of the checkout), so that a report
 * says which code it measured.
 */
export function gitState(cwd: string, paths: string[], describe: (changed: string[]) => string): string {
  try {
    const git = (...gitArgs: string[]): string => execFileSync('git', gitArgs, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const changed = git('status', '--porcelain', '--', ...paths).split('\n').filter(Boolean).map((line) => line.slice(3));
    return `git ${git('rev-parse', '--short', 'HEAD').trim()}${changed.length > 0 ? ` + uncommitted changes in ${describe(changed)}` : ''}`;
  } catch {
    return 'git state unknown';
  }
}
