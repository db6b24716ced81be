import type { RateRow } from './vendor/client/index.js';

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
 * Today the API answers each day's min and max, and the band is min-max. Once GET /v1/rates takes
 * `percentiles=25,50,75` (rows gaining `percentiles: {p25, p50, p75}`, passed through by the
 * client's `ratesDetailed({ percentiles })`), a p25-p75 band is one more Band:
 * `query: { percentiles: [25, 50, 75] }`, edges reading `row.percentiles?.p25 ?? null` and
 * `row.percentiles?.p75 ?? null`, columns p25, p50 and p75; then BAND below points at it. Nothing
 * else in the explorer changes.
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

export const MIN_MAX_BAND: Band = {
  label: 'min–max',
  query: {},
  lower: { label: 'min', value: (row) => row.min },
  upper: { label: 'max', value: (row) => row.max },
  columns: []
};

/** The band the explorer shows. */
export const BAND: Band = MIN_MAX_BAND;
