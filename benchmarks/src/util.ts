/**
 * Small helpers shared by the benchmark scripts: arguments, random numbers, statistics, dates, process
 * figures and the pieces of their markdown reports. One copy each, so that every script parses, rounds
 * and prints the same way.
 */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';

// ---------------------------------------------------------------------------------------------
// Arguments

/** Parses `--name value` and `--flag` arguments. */
export function parseArgs(argv: string[]): Map<string, string> {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument ${arg}`);
    const [name, inline] = arg.slice(2).split('=', 2) as [string, string | undefined];
    if (inline !== undefined) args.set(name, inline);
    else if (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) args.set(name, argv[++i]!);
    else args.set(name, 'true');
  }
  return args;
}

export function intArg(args: Map<string, string>, name: string, fallback: number): number {
  const text = args.get(name);
  if (text === undefined) return fallback;
  const value = Number(text.replace(/_/g, ''));
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`--${name} must be a non-negative integer, got ${text}`);
  return value;
}

/** A comma-separated list of numbers, e.g. `--query-sizes 1000000,10000000`; `fallback` is in the same form. */
export function numbersArg(args: Map<string, string>, name: string, fallback: string): number[] {
  return (args.get(name) ?? fallback).split(',').map(Number);
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
