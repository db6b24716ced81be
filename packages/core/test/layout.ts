/**
 * The layout of the aggregate records that reads rely on (see maintenance/write-checkpoints.ts), read
 * straight from the database: per pair and month, at most one checkpoint, in the head; the head's
 * other records newer than it and the history's no newer; no history without a checkpoint.
 */
import type { Db } from '../src/index.js';

const SUFFIX = 32;

interface Group {
  checkpoints: number[];
  head: number[];
  history: number[];
}

/** Every way the records break the layout; records of writers `isDebris` says are debris are left out. */
export async function layoutProblems(db: Db, isDebris: (writer: number) => boolean = () => false): Promise<string[]> {
  const groups = new Map<string, Group>();
  // One snapshot for both spaces: a checkpoint written meanwhile moves records from one to the other.
  const snapshot = db.snapshot();
  try {
    for (const range of [{ gte: 'a\0', lt: 'a\x01' }, { gte: 'h\0', lt: 'h\x01' }]) {
      for await (const key of db.keys({ ...range, keyEncoding: 'utf8', snapshot }) as AsyncIterable<string>) {
        const suffix = key.slice(-SUFFIX);
        const epoch = 0xffff_ffff - parseInt(suffix.slice(0, 8), 16);
        const writer = parseInt(suffix.slice(8, 16), 16);
        if (writer !== 0 && isDebris(writer)) continue;
        const name = key.slice(1, -SUFFIX - 1);
        let group = groups.get(name);
        if (group === undefined) groups.set(name, (group = { checkpoints: [], head: [], history: [] }));
        if (key.startsWith('h')) {
          if (writer === 0) group.checkpoints.push(-epoch);
          group.history.push(epoch);
        } else if (writer === 0) {
          group.checkpoints.push(epoch);
        } else {
          group.head.push(epoch);
        }
      }
    }
  } finally {
    await snapshot.close();
  }
  const problems: string[] = [];
  for (const [name, group] of groups) {
    const label = JSON.stringify(name);
    if (group.checkpoints.length > 1 || group.checkpoints.some((epoch) => epoch < 0)) problems.push(`${label}: checkpoints ${group.checkpoints.join(',')} (negative: in the history)`);
    const checkpoint = group.checkpoints[0];
    if (checkpoint === undefined) {
      if (group.history.length > 0) problems.push(`${label}: a history without a checkpoint`);
      continue;
    }
    if (group.head.some((epoch) => epoch <= checkpoint)) problems.push(`${label}: head records at or before its checkpoint ${checkpoint}`);
    if (group.history.some((epoch) => epoch > checkpoint)) problems.push(`${label}: history records after its checkpoint ${checkpoint}`);
  }
  return problems;
}
