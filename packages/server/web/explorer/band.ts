import type { RateRow } from './vendor/client/index.js';
import { percentileKey } from './vendor/contract/index.js';

/** One series the band or the table reads from a row of GET /v1/rates. */
export interface RowValue {
  label: string;
  value(row: RateRow): number | null;
}

/**
 * The band the chart draws around the daily average, and what it needs from the API. Everything
 * band-specific is here: the options it adds to the rates query, its lower and upper edges, and the
 * table columns it adds beyond day, average, prices, min and max.
 *
 * The explorer draws the p25-p75 band: where the middle half of a day's prices lie. The min-max
 * band it drew before is set by the day's single lowest and highest price, and one odd price (a
 * typo, a spot deal) stretched it far beyond the rest, and the axis with it, flattening the
 * average; min and max stay in the table. Both bands at once were left out: two shaded areas
 * around one line are hard to tell apart at the chart's size.
 */
export interface Band {
  /** The band's name in the legend. */
  label: string;
  /** Options of the client's `ratesDetailed` the band needs. */
  query: Record<string, unknown>;
  lower: RowValue;
  upper: RowValue;
  columns: RowValue[];
}

/** A percentile of the day's prices, as GET /v1/rates?percentiles=... names it in each row (`p25`); null below min_count. */
function percentile(q: number): RowValue {
  const key = percentileKey(q);
  return { label: key, value: (row) => row.percentiles?.[key] ?? null };
}

/** The quartiles: p25 and p75 make the band, and the table shows p50, the median, between them. */
export const QUARTILE_BAND: Band = {
  label: 'p25–p75',
  query: { percentiles: [25, 50, 75] },
  lower: percentile(25),
  upper: percentile(75),
  columns: [25, 50, 75].map((q) => ({ ...percentile(q), label: `p${q} (USD)` }))
};

/** The band the explorer shows. */
export const BAND: Band = QUARTILE_BAND;
