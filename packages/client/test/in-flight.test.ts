import { describe, expect, it } from 'vitest';
import { InFlight } from '../src/in-flight.js';

/** A call that settles when told to, counting how often it was started. */
function controllable() {
  let starts = 0;
  let settle!: { resolve: (value: string) => void; reject: (error: Error) => void };
  const start = () => {
    starts++;
    return new Promise<string>((resolve, reject) => (settle = { resolve, reject }));
  };
  return { start, settle: () => settle, starts: () => starts };
}

describe('InFlight', () => {
  it('joins a pending call for the same key, and starts a new one once it settled', async () => {
    const shared = new InFlight<string, string>();
    const call = controllable();
    const first = shared.join('a', call.start);
    const second = shared.join('a', call.start);
    expect(call.starts()).toBe(1);
    call.settle().resolve('held');
    expect(await Promise.all([first, second])).toEqual(['held', 'held']);
    const third = shared.join('a', call.start);
    expect(call.starts()).toBe(2);
    call.settle().resolve('later');
    expect(await third).toBe('later');
  });

  it('keeps keys apart, and shares a failure without keeping it', async () => {
    const shared = new InFlight<string, string>();
    const a = controllable();
    const b = controllable();
    const failing = [shared.join('a', a.start), shared.join('a', a.start)];
    const other = shared.join('b', b.start);
    expect([a.starts(), b.starts()]).toEqual([1, 1]);
    a.settle().reject(new Error('down'));
    for (const joined of failing) await expect(joined).rejects.toThrow('down');
    b.settle().resolve('b');
    expect(await other).toBe('b');
    const again = shared.join('a', a.start);
    expect(a.starts()).toBe(2);
    a.settle().resolve('up');
    expect(await again).toBe('up');
  });
});
