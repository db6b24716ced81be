import { describe, expect, it } from 'vitest';
import { roundAverage } from '../src/index.js';

describe('roundAverage (the rates API rounding the server and the embedded client share)', () => {
  it('rounds to whole dollars with halves up', () => {
    expect([1112.49, 1112.5, 1112.51, 0.5, 1].map(roundAverage)).toEqual([1112, 1113, 1113, 1, 1]);
  });

  it('treats float noise below a millionth as the exact value', () => {
    // (1112.25 + 1112.75) / 2 computed through cents can land a hair below .5.
    expect(roundAverage(1112.4999999999)).toBe(1113);
    expect(roundAverage(1112.4999)).toBe(1112);
  });
});
