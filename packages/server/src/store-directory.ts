import { existsSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/*
 * A store directory that a command made and then could not use (a server that could not start, an
 * import that was refused) is removed again: a mistyped --data must not leave an empty store behind,
 * which later commands would take for a real one.
 */

/** The files of a LevelDB database; a store directory holding anything else is not removed. */
const LEVELDB_FILE = /^(CURRENT|LOCK|LOG|LOG\.old|MANIFEST-\d+|\d+\.(log|ldb|sst|dbtmp))$/;

/** Removes a store directory holding only LevelDB's files, then its parents up to `created`, each only while empty. */
export function removeEmptyStore(data: string, created: string): void {
  const dir = resolve(data);
  const files = readdirSync(dir);
  if (!files.every((name) => LEVELDB_FILE.test(name))) return;
  for (const name of files) rmSync(join(dir, name), { force: true });
  for (let at = dir; ; at = dirname(at)) {
    try {
      rmdirSync(at);
    } catch {
      return;
    }
    if (at === created) return;
  }
}

/** The outermost directory of `path` that does not exist yet (`path` itself, or an ancestor), or undefined when it exists. */
export function firstMissing(path: string): string | undefined {
  let missing: string | undefined;
  for (let dir = resolve(path); !existsSync(dir); dir = dirname(dir)) missing = dir;
  return missing;
}

