/**
 * An average as the rates API answers it: whole dollars, halves rounded up. Averages are exact
 * divisions of cents, so noise below a millionth is removed first: 1234.4999999 is 1234.5 and
 * rounds up, as it would on paper. The server and the embedded client both round with this, so that
 * they give the same numbers.
 */
export function roundAverage(average: number): number {
  return Math.floor(Math.round(average * 1e6) / 1e6 + 0.5);
}
