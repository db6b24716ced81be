/**
 * The processes a benchmark run starts besides itself.
 *
 * - A child run of the script itself for one measured piece of work (`runChild` in the parent,
 *   `runScript` routes the child's command line), so that each piece starts from a fresh process:
 *   its own peak RSS, no JIT or cache state from the pieces before. The child gets `--child KIND` and
 *   the options of that kind, which it parses as strictly as the parent its own, and sends its figures
 *   back over IPC; run by hand, it prints them as JSON instead.
 * - Servers under load: `ratestore serve` started the same way by every script, a free port to start
 *   one on, waiting until it answers, stopping it.
 * - Cleanup that also runs when the run is interrupted, so that no server or temporary data outlives it.
 */
import { fork, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseCommand, usageError, type Command, type OptionSpecs, type Values } from './util.js';

/** The checkout this script was built in (benchmarks/dist/child.js is two levels down). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The built CLI of @ratestore/server: `ratestore serve`, `ratestore import`. */
export const SERVER_CLI = join(REPO_ROOT, 'packages', 'server', 'dist', 'cli', 'main.js');

/** Node flags that leave a CPU profile in `dir` when the process exits; none without a `dir`. */
export function cpuProfFlags(dir: string | undefined): string[] {
  return dir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', dir];
}

/**
 * Runs `script --child KIND ...args` in a new Node process and resolves with the figures it sends.
 * Without `execArgv` the child inherits this process's Node flags (e.g. --expose-gc).
 */
export function runChild<T>(script: string, kind: string, args: string[], execArgv?: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = fork(script, ['--child', kind, ...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], ...(execArgv === undefined ? {} : { execArgv }) });
    let figures: T | undefined;
    child.on('message', (message) => (figures = message as T));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (figures !== undefined && code === 0) resolve(figures);
      else reject(new Error(`benchmark child ${kind} ${args.join(' ')} exited with ${signal ?? code}${figures === undefined ? ' and no result' : ''}`));
    });
  });
}

/** One kind of child: its own options and the work that measures something with them. */
export interface ChildKind<O extends OptionSpecs = OptionSpecs> {
  /** What the child measures, for --help. */
  summary: string;
  options: O;
  run(args: Values<O>): Promise<object>;
}

/** A child kind whose `run` gets the values of its own options. */
export const childKind = <O extends OptionSpecs>(kind: ChildKind<O>): ChildKind<O> => kind;

/**
 * A script's entry point. With `--child KIND` (or `--child=KIND`) it is the child side of `runChild`:
 * the rest of the command line is that kind's options, parsed as strictly as the parent's, and the
 * figures of its work go to the parent. Without, the command line is the parent's.
 */
export async function runScript<O extends OptionSpecs>(command: Command<O>, parent: (args: Values<O>) => Promise<void>,
  kinds: Record<string, ChildKind>): Promise<void> {
  const argv = process.argv.slice(2);
  const at = argv.findIndex((arg) => arg === '--child' || arg.startsWith('--child='));
  const names = Object.keys(kinds).join(', ');
  if (at < 0) {
    const notes = `Internal: --child KIND [options] runs one piece of work (KIND: ${names}) in this process and prints its figures as JSON; ` +
      '--child KIND --help lists its options.';
    return parent(parseCommand({ ...command, notes: command.notes === undefined ? notes : `${command.notes}\n\n${notes}` }, argv).values);
  }
  const inline = argv[at]!.startsWith('--child=');
  const kind = inline ? argv[at]!.slice('--child='.length) : argv[at + 1];
  if (kind === undefined || !Object.hasOwn(kinds, kind)) usageError(command, kind === undefined ? `--child needs a kind: ${names}` : `unknown child kind ${kind}; use ${names}`);
  const { summary, options, run } = kinds[kind]!;
  const { values } = parseCommand({ script: command.script, prefix: `--child ${kind}`, summary, options }, argv.toSpliced(at, inline ? 1 : 2));
  const figures = await run(values);
  // Disconnecting once the message is out lets the child exit, which is what the parent waits for.
  if (process.send !== undefined) process.send(figures, undefined, undefined, () => process.disconnect());
  else console.log(JSON.stringify(figures));
}

export interface ServerOptions {
  /** The store's directory. */
  data: string;
  port: number;
  /** The server's configuration, written to `configFile`. */
  config: object;
  configFile: string;
  logLevel: string;
  stdio: StdioOptions;
  /** Runs the server under --cpu-prof, its profile left here. */
  profileDir?: string;
}

/** Starts `ratestore serve` on 127.0.0.1:`port`; returns at once (wait for `/readyz` with `waitReady`). */
export function spawnServer(options: ServerOptions): ChildProcess {
  writeFileSync(options.configFile, JSON.stringify(options.config));
  return spawn(process.execPath, [...cpuProfFlags(options.profileDir), SERVER_CLI, 'serve', '--data', options.data, '--host', '127.0.0.1',
    '--port', String(options.port), '--config', options.configFile, '--log-level', options.logLevel], { stdio: options.stdio });
}

/** Polls `url` every 100 ms until it answers 2xx; throws if `child` exits first or `timeoutMs` passes. */
export async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited with ${child.signalCode ?? child.exitCode} before ${url} answered`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() >= deadline) throw new Error(`${url} not ready after ${timeoutMs / 1000} s`);
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** SIGTERM (a server drains and exits, writing its --cpu-prof profile), SIGKILL if it is still there after `killAfterMs`. */
export async function stopProcess(child: ChildProcess, killAfterMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once('exit', done));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Makes `cleanup` run at most once: when the caller calls the function returned (in a `finally`), or
 * on SIGINT or SIGTERM, after which the process exits with 128 + the signal's number, as a shell reports it.
 */
export function cleanupOnSignal(cleanup: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  const once = (): Promise<void> => (running ??= cleanup());
  process.once('SIGINT', () => void once().finally(() => process.exit(130)));
  process.once('SIGTERM', () => void once().finally(() => process.exit(143)));
  return once;
}
