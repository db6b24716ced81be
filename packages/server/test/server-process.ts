import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Starting a real `ratestore serve` process for tests (server and client alike).
 */

/** The built `ratestore` CLI (the root `npm test` builds it first). */
export const CLI = resolve(fileURLToPath(import.meta.url), '../../dist/cli/main.js');

/** A real `ratestore serve` process on 127.0.0.1. */
export interface ServerProcess {
  url: string;
  port: number;
  process: ChildProcess;
  exited: Promise<number | null>;
  /** Log lines (pino JSON) seen so far. */
  lines: Array<Record<string, unknown>>;
  /** SIGINT (graceful) and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for the exit. */
  kill(): Promise<void>;
}

export interface ServeOptions {
  /** Data directory; default: in memory. */
  data?: string;
  /** Port; default 0 (any free one). */
  port?: number;
  env?: Record<string, string>;
  args?: string[];
  /** Options of node itself, before the CLI (e.g. `--import` of a test fixture). */
  nodeArgs?: string[];
}

export async function startServerProcess(options: ServeOptions = {}): Promise<ServerProcess> {
  // `listening` (with the URL) is logged at info.
  const args = [...(options.nodeArgs ?? []), CLI, 'serve', '--host', '127.0.0.1', '--port', String(options.port ?? 0), '--log-level', 'info', ...(options.data === undefined ? ['--memory'] : ['--data', options.data]), ...(options.args ?? [])];
  const child = spawn(process.execPath, args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: Array<Record<string, unknown>> = [];
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const url = await new Promise<string>((resolveUrl, reject) => {
    let buffer = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl;
      while ((nl = buffer.indexOf('\n')) !== -1) {
        const text = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        let line: Record<string, unknown>;
        try {
          line = JSON.parse(text) as Record<string, unknown>;
        } catch {
          continue;
        }
        lines.push(line);
        if (line.msg === 'listening') resolveUrl(line.url as string);
      }
    });
    void exited.then((code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
  const port = Number(new URL(url).port);
  return {
    url,
    port,
    process: child,
    exited,
    lines,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
      await exited;
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    }
  };
}

