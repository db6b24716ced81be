import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { MemoryLevel } from 'memory-level';
import type { Db } from '../src/index.js';
import { DEFAULT_ENCODINGS } from '../src/db.js';

/** A backend the shared suite runs on: how to make a fresh database, and how to reopen it. */
export interface Backend {
  name: string;
  /** A new, empty database. */
  create(): Db;
  /** A second handle on the same data, after the first was closed (memory-level keeps no data: undefined). */
  reopen?(db: Db): Db;
  /** Removes what `create()` left on disk. */
  cleanup(): void;
}

// memory-level keeps its own default encodings and classic-level gets the ones the store gives its
// own databases, so the suite covers both ways records are put (see BatchOps in src/batch-ops.ts).

export function memoryBackend(): Backend {
  return { name: 'memory-level', create: () => new MemoryLevel() as unknown as Db, cleanup: () => undefined };
}

export function classicBackend(): Backend {
  const dirs: string[] = [];
  const locations = new WeakMap<object, string>();
  return {
    name: 'classic-level',
    create() {
      const dir = mkdtempSync(join(tmpdir(), 'ratestore-test-'));
      dirs.push(dir);
      const db = new ClassicLevel(dir, DEFAULT_ENCODINGS) as unknown as Db;
      locations.set(db, dir);
      return db;
    },
    reopen(db) {
      const dir = locations.get(db)!;
      const again = new ClassicLevel(dir, DEFAULT_ENCODINGS) as unknown as Db;
      locations.set(again, dir);
      return again;
    },
    cleanup() {
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    }
  };
}

export const backends: Array<() => Backend> = [memoryBackend, classicBackend];
