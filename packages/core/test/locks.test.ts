import { describe, expect, it } from 'vitest';
import { NamedSharedLock } from '../src/util/locks.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('NamedSharedLock', () => {
  it('never runs an exclusive holder beside a shared one, also when a shared waiter outlives an exclusive holder', async () => {
    const lock = new NamedSharedLock();
    const log: string[] = [];
    let shared = 0;
    let exclusive = 0;
    const check = () => expect(exclusive === 0 || (exclusive === 1 && shared === 0)).toBe(true);
    const hold = (kind: 'shared' | 'exclusive', ms: number) =>
      lock[kind]('batch', async () => {
        if (kind === 'shared') shared++;
        else exclusive++;
        check();
        log.push(`${kind} start`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        check();
        if (kind === 'shared') shared--;
        else exclusive--;
      });
    // An exclusive holder, a shared caller waiting on it, then a second exclusive caller that
    // arrives while the shared one runs: it must wait for the shared one to finish.
    const first = hold('exclusive', 20);
    await tick();
    const reader = hold('shared', 40);
    await first;
    await tick();
    const second = hold('exclusive', 5);
    await Promise.all([reader, second]);
    expect(log).toEqual(['exclusive start', 'shared start', 'exclusive start']);
  });
});
