import { describe, expect, it } from 'vitest';
import { formatDay, monthAndDayOf, monthName, parseDay } from '../src/validate/dates.js';

describe('calendar arithmetic of commits', () => {
  it('gives every day from 1900 to 2999 the month and day of month that Date gives it', () => {
    const last = parseDay('2999-12-31')!;
    const wrong: string[] = [];
    for (let day = 0; day <= last; day++) {
      const packed = monthAndDayOf(day);
      const date = formatDay(day);
      const got = `${monthName(packed >>> 5)}-${String(packed & 31).padStart(2, '0')}`;
      if (got !== date) wrong.push(`${day}: ${got} instead of ${date}`);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });
});
