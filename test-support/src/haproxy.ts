/**
 * A real HAProxy for tests: Debian's `haproxy` (installed by .ci/run), run in the foreground with
 * the given configuration files and environment (deploy/haproxy.cfg takes its addresses from the
 * environment), on 127.0.0.1, and stopped by its PID, never by name.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';

export interface HaproxyOptions {
  /** Configuration files, loaded in order (`-f` each). */
  configs: string[];
  /** Environment variables the configuration reads. */
  env: Record<string, string>;
  /** The runtime API socket the configuration declares: started means it answers. */
  socket: string;
}

export interface RunningHaproxy {
  pid: number;
  socket: string;
  /** What HAProxy printed (its log goes to stdout in deploy/haproxy.cfg). */
  output(): string;
  /** SIGTERM to the PID (a hard stop: connections are closed) and waits for the exit. Idempotent. */
  stop(): Promise<void>;
}

const BINARY = '/usr/sbin/haproxy';

/** Whether Debian's haproxy is installed. */
export function haproxyInstalled(): boolean {
  return existsSync(BINARY);
}

/** Starts HAProxy and resolves once its runtime API socket accepts connections. */
export async function startHaproxy(options: HaproxyOptions): Promise<RunningHaproxy> {
  if (!haproxyInstalled()) throw new Error(`${BINARY} is missing: apt-get install -y haproxy (.ci/run does)`);
  const child: ChildProcess = spawn(BINARY, ['-db', ...options.configs.flatMap((file) => ['-f', file])], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe']
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit');
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  const deadline = Date.now() + 10_000;
  while (!(await answers(options.socket))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`haproxy did not start: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { pid: child.pid!, socket: options.socket, output: () => output, stop };
}

function answers(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const connection = connect(socket);
    connection.on('connect', () => {
      connection.destroy();
      resolve(true);
    });
    connection.on('error', () => resolve(false));
  });
}
