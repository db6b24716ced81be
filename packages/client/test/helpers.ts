import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BatchItem } from '../src/index.js';

/** The built `ratestore` CLI (the root `npm test` builds it first). */
export const CLI = resolve(fileURLToPath(import.meta.url), '../../../server/dist/cli/main.js');

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
  // `listening` (with the URL) is logged at info; request lines are dropped below.
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
        if (line.msg !== 'request') lines.push(line);
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

/** A temporary directory, removed by `cleanup`. */
export function tempDir(prefix: string): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** A small world: nested regions and a few ports. */
export function world(): BatchItem[] {
  return [
    { type: 'region', slug: 'europe', name: 'Europe' },
    { type: 'region', slug: 'north_europe', name: 'North Europe', parent: 'europe' },
    { type: 'region', slug: 'china', name: 'China' },
    { type: 'port', code: 'NLRTM', name: 'Rotterdam', region: 'north_europe' },
    { type: 'port', code: 'DEHAM', name: 'Hamburg', region: 'north_europe' },
    { type: 'port', code: 'CNSGH', name: 'Shanghai', region: 'china' },
    { type: 'port', code: 'CNNGB', name: 'Ningbo', region: 'china' }
  ];
}

/** `count` prices over consecutive days from `firstDay`, deterministic. */
export function* priceStream(count: number, options: { origin?: string; destination?: string; firstDay?: string; days?: number } = {}): Generator<BatchItem> {
  const origin = options.origin ?? 'CNSGH';
  const destination = options.destination ?? 'NLRTM';
  const first = Date.parse(`${options.firstDay ?? '2020-01-01'}T00:00:00Z`);
  const days = options.days ?? 100;
  for (let i = 0; i < count; i++) {
    const day = new Date(first + (i % days) * 86_400_000).toISOString().slice(0, 10);
    yield { origin, destination, day, price: 1000 + (i % 97) };
  }
}

/** How many prices each day of {@link priceStream} gets. */
export function expectedCounts(count: number, days = 100): number[] {
  return Array.from({ length: days }, (_, d) => Math.floor(count / days) + (d < count % days ? 1 : 0));
}
