/**
 * A throwaway PostgreSQL server for tests and benchmarks: Debian's `postgresql` binaries, a cluster
 * made by initdb in a temporary folder (as the `postgres` user when we are root, since PostgreSQL
 * refuses to run as root), listening on 127.0.0.1 only, and stopped by its PID, never by name.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/** The bin directory of the newest PostgreSQL installed from Debian's packages, if any. */
export function installedPostgresBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root).filter((v) => existsSync(join(root, v, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

/** `installedPostgresBin()`, installing Debian's `postgresql` package first if there is none. */
export function postgresBin(): string {
  let bin = installedPostgresBin();
  if (bin === undefined) {
    console.error('no PostgreSQL binaries under /usr/lib/postgresql; installing Debian\'s postgresql package');
    execFileSync('apt-get', ['update'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', 'postgresql'], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    bin = installedPostgresBin();
    if (bin === undefined) throw new Error('apt-get install postgresql did not provide /usr/lib/postgresql/*/bin/pg_ctl');
  }
  return bin;
}

export interface ThrowawayPostgresOptions {
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
  const bin = postgresBin();
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

/** `signal` to `pid` (SIGINT: PostgreSQL's fast shutdown; SIGQUIT: immediate), then waits up to a minute for it to be gone. */
async function stopPid(pid: number, signal: NodeJS.Signals): Promise<void> {
  try {
    process.kill(pid, signal);
  } catch {
    return; // already gone
  }
  for (let i = 0; i < 600; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
