const USD = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const COUNT = new Intl.NumberFormat('en-US');

/** A price in USD with at most 2 decimals (`1,150.17`); '' for null, which the table shows as a gap. */
export function usd(value: number | null): string {
  return value === null ? '' : USD.format(value);
}

export function count(value: number): string {
  return COUNT.format(value);
}

/** A day `YYYY-MM-DD` as the Unix time (seconds) of its midnight UTC, the chart's x value. */
export function dayToSeconds(day: string): number {
  const [year, month, date] = day.split('-').map(Number) as [number, number, number];
  return Date.UTC(year, month - 1, date) / 1000;
}
