/**
 * The throwaway PostgreSQL of `ratestore dev --cluster` (@ratestore/server's throwaway-postgres), for
 * tests and benchmarks: the same server, except that a machine without PostgreSQL's binaries gets
 * Debian's `postgresql` package installed first instead of an error.
 */
import { execFileSync } from 'node:child_process';
import {
  installedPostgresBin,
  isAlive,
  startThrowawayPostgres as startServerPostgres,
  type ThrowawayPostgres,
  type ThrowawayPostgresOptions
} from '@ratestore/server/throwaway-postgres';

export { installedPostgresBin, isAlive, type ThrowawayPostgres, type ThrowawayPostgresOptions };

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

/** Starts a fresh cluster on a free port of 127.0.0.1, installing PostgreSQL first if need be. */
export function startThrowawayPostgres(options: ThrowawayPostgresOptions = {}): Promise<ThrowawayPostgres> {
  return startServerPostgres({ bin: postgresBin(), ...options });
}
