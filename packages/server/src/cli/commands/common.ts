import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InvalidArgumentError, type Command, type CommanderError } from 'commander';
import { Ratestore, RatestoreError } from '@ratestore/core';
import type { ErrorCode } from '@ratestore/core/contract';
import { readPercentiles } from '@ratestore/core/contract';
import { ConfigError } from '../../config.js';
import { ImportError } from '../../import/errors.js';
import { inUserWords, type UserNames } from '../../user-words.js';

/**
 * Where the import, rates and batches commands read and write: the process by default, a capture
 * in tests. Output goes through `write`, exit codes through `setExitCode` (the process then ends
 * by itself once the store is closed); `exit` is only for commander's usage errors and --help.
 */
export interface CliIo {
  stdout: OutputStream;
  stderr: OutputStream;
  env: NodeJS.ProcessEnv;
  setExitCode(code: number): void;
  exit(code: number): never;
  /** Milliseconds between plain progress lines when stdout is not a terminal. Default 2000. */
  progressIntervalMs?: number;
}

export interface OutputStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export function processIo(): CliIo {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    setExitCode: (code) => {
      // Never lower a failure already recorded by an earlier step.
      if ((process.exitCode ?? 0) === 0 || code !== 0) process.exitCode = code;
    },
    exit: (code) => process.exit(code)
  };
}

/**
 * A reader that stops early (`ratestore batches list | head -1`) closes the pipe: the next write
 * fails with EPIPE, which would end the process with a stack trace. The output is no longer
 * wanted, so it is dropped and the command finishes as it would have (an import still commits).
 */
export function ignoreClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
    });
  }
}

/** Exit codes: 1 for a failed operation, 2 for a usage error (bad option or argument). */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** A CLI-level failure with a stable code, printed as `error CODE: message` without a stack. */
export class CliError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;

  constructor(code: ErrorCode, message: string, exitCode = EXIT_FAILURE) {
    super(message);
    this.name = 'CliError';
    this.code = code;
    this.exitCode = exitCode;
  }
}

/**
 * Makes commander report usage errors of `command` (and of subcommands created from it later)
 * with exit code 2 through `io`, and --help with 0.
 */
export function configureCommand(command: Command, io: CliIo): Command {
  return command
    .configureOutput({
      writeOut: (text) => void io.stdout.write(text),
      writeErr: (text) => void io.stderr.write(text),
      // Usage errors get a stable code like every other error: `error RATESTORE_USAGE: ...`.
      outputError: (text, write) => write(text.replace(/^error: /, 'error RATESTORE_USAGE: '))
    })
    .exitOverride((error: CommanderError) => {
      io.exit(error.exitCode === 0 ? 0 : EXIT_USAGE);
    });
}

/** Engine argument names and the flags (or arguments) of a command they come from. */
export type FlagNames = UserNames;

/**
 * Runs a command's work, printing any failure as `error CODE: message` and setting the exit code.
 * `flags` names engine arguments as the user typed them (`dateFrom` is `--from`).
 */
export async function runAction(io: CliIo, work: () => Promise<void>, flags: FlagNames = {}): Promise<void> {
  try {
    await work();
  } catch (error) {
    const { code, message, exitCode } = describeError(error, flags);
    io.stderr.write(`error ${code}: ${message}\n`);
    io.setExitCode(exitCode);
  }
}

export function describeError(error: unknown, flags: FlagNames = {}): { code: string; message: string; exitCode: number } {
  if (error instanceof CliError) return { code: error.code, message: error.message, exitCode: error.exitCode };
  if (error instanceof ImportError) {
    return { code: error.code, message: error.message, exitCode: error.code === 'RATESTORE_IMPORT_UNKNOWN_FORMAT' ? EXIT_USAGE : EXIT_FAILURE };
  }
  if (error instanceof RatestoreError) {
    // A message that does not say which flag it is about is prefixed with it (`--as-of: version 99 ...`).
    const flag = error.field === undefined ? undefined : flags[error.field];
    const message = inUserWords(error.message, flags);
    return { code: error.code, message: flag?.startsWith('--') === true && !message.includes(flag) ? `${flag}: ${message}` : message, exitCode: EXIT_FAILURE };
  }
  if (error instanceof ConfigError) return { code: 'RATESTORE_CONFIG', message: error.message, exitCode: EXIT_FAILURE };
  if (isLocked(error)) {
    return { code: 'RATESTORE_DATA_LOCKED', message: 'the data directory is in use by another process (a running server?); stop it or use its HTTP API', exitCode: EXIT_FAILURE };
  }
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown } | undefined)?.code;
  return { code: typeof code === 'string' ? code : 'RATESTORE_INTERNAL', message, exitCode: EXIT_FAILURE };
}

/** Whether opening a store failed because another process holds its directory (LevelDB's lock). */
export function isLocked(error: unknown): boolean {
  const failure = error as { code?: unknown; cause?: { code?: unknown } } | undefined;
  return failure?.code === 'LEVEL_LOCKED' || failure?.cause?.code === 'LEVEL_LOCKED';
}

/** Adds `--data DIR` to a command and, with `json` (what the JSON output holds), `--json`. */
export function storeOptions(command: Command, json?: string): Command {
  command.option('--data <dir>', 'data directory (default: $RATESTORE_DATA, then ./data)');
  return json === undefined ? command : command.option('--json', json);
}

/** Runs `work` with the store of the command's `--data` open; the store must exist already. */
export function withCommandStore<T>(command: Command, io: CliIo, work: (store: Ratestore) => Promise<T>): Promise<T> {
  return withStore(dataDir(dataOption(command), io), { mustExist: true }, work);
}

/** Prints a `--json` answer. */
export function printJson(io: CliIo, value: unknown): void {
  io.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** The data directory: `--data`, else `RATESTORE_DATA`, else `./data`. */
export function dataDir(option: string | undefined, io: CliIo): string {
  return resolve(option ?? (io.env.RATESTORE_DATA || undefined) ?? './data');
}

/** `--data` from the command or any command above it (so `ratestore batches --data x list` works too). */
export function dataOption(command: Command): string | undefined {
  for (let current: Command | null = command; current !== null; current = current.parent) {
    const value = current.opts().data as unknown;
    if (typeof value === 'string') return value;
  }
  return undefined;
}

/** Whether `dir` holds a LevelDB database (the store's on-disk form). */
export function storeExists(dir: string): boolean {
  return existsSync(join(dir, 'CURRENT'));
}

/**
 * Opens the store at `dir`; with `mustExist`, a missing store is an error instead of a new empty one.
 * With `spill`, large writes keep their chunks in a temporary file in `dir` until they commit (the
 * engine's `spillDirectory`: an import of millions of prices takes less time and memory so).
 */
export async function openStore(dir: string, options: { mustExist: boolean; spill?: boolean }): Promise<Ratestore> {
  if (options.mustExist && !storeExists(dir)) {
    throw new CliError('RATESTORE_DATA_NOT_FOUND', `no store at ${dir} (pass --data DIR or set RATESTORE_DATA)`);
  }
  const store = new Ratestore({ location: dir, ...(options.spill === true ? { spillDirectory: dir } : {}) });
  await store.open();
  return store;
}

/** Runs `work` with the store at `dir` open, closing it afterwards whatever happens. */
export async function withStore<T>(dir: string, options: { mustExist: boolean }, work: (store: Ratestore) => Promise<T>): Promise<T> {
  const store = await openStore(dir, options);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Commander argument parser for a whole number >= min. */
export function integerOption(name: string, min: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < min) throw new InvalidArgumentError(`${name} must be a whole number of at least ${min}`);
    return Number(value);
  };
}

/** A list of percentiles, `25,50,75`, read by the rule of the HTTP API's `percentiles=` (a usage error otherwise). */
export function percentilesOption(name: string): (value: string) => number[] {
  return (value) => {
    const reading = readPercentiles(value);
    if (!reading.ok) throw new InvalidArgumentError(`${name} ${reading.reason}`);
    return reading.values;
  };
}

/** Lays out rows as left-aligned columns (numbers right-aligned). */
export function table(header: string[], rows: Array<Array<string | number>>): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === 'number' || /^-?[\d.,]+$|^-$/.test(String(row[i]))));
  return cells
    .map((row) => row.map((cell, i) => (numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!))).join('  ').trimEnd())
    .join('\n') + '\n';
}

/** `1234567` as `1,234,567`. */
export function count(value: number): string {
  return value.toLocaleString('en-US');
}
