/**
 * A throwaway PostgreSQL server, for `ratestore dev --cluster` and for tests and benchmarks: Debian's
 * `postgresql` binaries, a cluster made by initdb in a temporary folder (as the `postgres` user when
 * we are root, since PostgreSQL refuses to run as root), listening on 127.0.0.1 only, and stopped by
 * its PID, never by name.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ErrorCode } from '@ratestore/core/contract';

/** Where Debian's `postgresql-NN` packages install their binaries: /usr/lib/postgresql/NN/bin. */
const DEBIAN_ROOT = '/usr/lib/postgresql';

/** The bin directory of the newest PostgreSQL installed from Debian's packages, if any. */
export function installedPostgresBin(): string | undefined {
  if (!existsSync(DEBIAN_ROOT)) return undefined;
  const versions = readdirSync(DEBIAN_ROOT).filter((v) => existsSync(join(DEBIAN_ROOT, v, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(DEBIAN_ROOT, versions[0], 'bin');
}

/** No PostgreSQL server binaries where Debian's packages put them. */
export class PostgresNotInstalledError extends Error {
  readonly code: ErrorCode = 'RATESTORE_POSTGRES_NOT_INSTALLED';

  constructor() {
    super(`PostgreSQL's server binaries are not installed (no ${DEBIAN_ROOT}/*/bin/pg_ctl): install Debian's postgresql package (sudo apt-get install postgresql)`);
    this.name = 'PostgresNotInstalledError';
  }
}

/** A TCP port that is free on 127.0.0.1 right now (the OS picks it). */
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

export interface ThrowawayPostgresOptions {
  /** The bin directory to run from. Default: {@link installedPostgresBin}, else {@link PostgresNotInstalledError}. */
  bin?: string;
  /** Where the cluster's temporary folder is made. Default: the OS temp folder. */
  baseDir?: string;
  /** Server settings (`-c name=value`), e.g. memory sizes for a benchmark. */
  settings?: Record<string, string>;
}

export interface ThrowawayPostgres {
  /** `postgresql://postgres@127.0.0.1:PORT/postgres`; trust authentication, so no password. */
  url: string;
  port: number;
  /** The postmaster's PID (a new one after `restart()`). */
  readonly pid: number;
  /** The cluster's folder (data directory, socket, log); removed by `stop()`. */
  dir: string;
  /** The bin directory the server runs from. */
  bin: string;
  /** `postgres --version`. */
  version: string;
  /**
   * Immediate shutdown, as a crash would leave it: SIGQUIT to the postmaster's PID (what
   * `pg_ctl stop -m immediate` sends), which ends every connection at once, without a checkpoint.
   * Waits until the process is gone; keeps the folder, so that `restart()` recovers from the WAL.
   */
  crash(): Promise<void>;
  /** Starts the server again on the same port and data directory (after `crash()`), once it accepts connections. */
  restart(): Promise<void>;
  /** Fast shutdown (SIGINT to the PID), waits until the process is gone, removes the folder. Idempotent. */
  stop(): Promise<void>;
}

/** Starts a fresh cluster on a free port of 127.0.0.1 (see the module comment). */
export async function startThrowawayPostgres(options: ThrowawayPostgresOptions = {}): Promise<ThrowawayPostgres> {
  const bin = options.bin ?? installedPostgresBin();
  if (bin === undefined) throw new PostgresNotInstalledError();
  const root = process.getuid?.() === 0;
  const run = (file: string, args: string[]): void => {
    const [cmd, cmdArgs] = root ? ['runuser', ['-u', 'postgres', '--', join(bin, file), ...args]] : [join(bin, file), args];
    const result = spawnSync(cmd, cmdArgs, { encoding: 'utf8', cwd: '/' });
    if (result.status !== 0) throw new Error(`${file} ${args.join(' ')} failed (${result.status}): ${result.stderr}${result.stdout}`);
  };
  const dir = mkdtempSync(join(options.baseDir ?? tmpdir(), 'ratestore-pg-'));
  try {
    if (root) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()), Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()));
    const port = await freePort();
    const data = join(dir, 'data');
    run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync']);
    const settings = Object.entries(options.settings ?? {}).map(([k, v]) => `-c ${k}=${v}`);
    /** pg_ctl start (waiting until connections are accepted); the new postmaster's PID. */
    const start = (): number => {
      run('pg_ctl', ['-D', data, '-l', join(dir, 'log'), '-w', '-t', '120', 'start', '-o', [`-p ${port}`, `-k ${dir}`, '-c listen_addresses=127.0.0.1', ...settings].join(' ')]);
      return Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    };
    let pid = start();
    let stopped: Promise<void> | undefined;
    const stop = (): Promise<void> => (stopped ??= stopPid(pid, 'SIGINT').finally(() => rmSync(dir, { recursive: true, force: true })));
    const version = execFileSync(join(bin, 'postgres'), ['--version'], { encoding: 'utf8' }).trim();
    return {
      url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
      port,
      get pid() {
        return pid;
      },
      dir,
      bin,
      version,
      crash: () => stopPid(pid, 'SIGQUIT'),
      async restart() {
        if (stopped !== undefined) throw new Error('the server was stopped for good: its folder is gone');
        pid = start();
      },
      stop
    };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Whether a process with this PID runs (signal 0 checks without sending anything). A zombie does
 * not: the postmaster is nobody's child once pg_ctl has exited, and a container's first process
 * may be slow to reap it (or never do).
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to another user (the postmaster runs as `postgres`).
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return !existsSync('/proc/self/stat'); // gone, unless this system has no /proc to ask
  }
}

/** `signal` to `pid` (SIGINT: PostgreSQL's fast shutdown; SIGQUIT: immediate), then waits up to a minute for it to be gone. */
async function stopPid(pid: number, signal: NodeJS.Signals): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return; // already gone
  }
  for (let i = 0; i < 600 && isAlive(pid); i++) await new Promise((resolve) => setTimeout(resolve, 100));
}
