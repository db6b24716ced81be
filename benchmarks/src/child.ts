/**
 * The processes a benchmark run starts besides itself.
 *
 * - A child run of the script itself for one measured piece of work (`runChild` in the parent,
 *   `runAsChild` in the child), so that each piece starts from a fresh process: its own peak RSS,
 *   no JIT or cache state from the pieces before. The child gets `--child KIND` and its options, and
 *   sends its figures back over IPC; run by hand, it prints them as JSON instead.
 * - Servers under load: `ratestore serve` started the same way by every script, a free port to start
 *   one on, waiting until it answers, stopping it.
 * - Cleanup that also runs when the run is interrupted, so that no server or temporary data outlives it.
 */
import { fork, spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** The child side of `runChild`: runs the work `kind` names and hands its figures to the parent. */
export async function runAsChild(kind: string, work: Record<string, () => Promise<object>>): Promise<void> {
  if (!Object.hasOwn(work, kind)) throw new Error(`unknown --child ${kind}`);
  const figures = await work[kind]!();
  // Disconnecting once the message is out lets the child exit, which is what the parent waits for.
  if (process.send !== undefined) process.send(figures, undefined, undefined, () => process.disconnect());
  else console.log(JSON.stringify(figures));
}

/** A TCP port on 127.0.0.1 that was free a moment ago (the system's choice, so never one fetch refuses as "bad"). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
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
