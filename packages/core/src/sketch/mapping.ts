/**
 * The bins of a day's price sketch: DDSketch's logarithmic index mapping (Masson, Rim, Lee, VLDB
 * 2019). Bin k holds the prices in (γ^(k-1), γ^k] cents, γ = (1 + α) / (1 - α), and stands for
 * γ^(k-1) · (1 + α), which is within α (relative) of every price in the bin. Prices are whole cents
 * from 1 to 1e9, so bins run from 0 to about 1,050.
 *
 * Why the mapping and not `@datadog/sketches-js`: the engine needs only these two functions. The
 * library's stores hold float counts in objects and serialise to protobuf, whereas bins here live
 * in typed arrays during a commit and in a compact record encoding (sketch/bins-codec.ts), so all
 * the library would bring is this arithmetic.
 *
 * α is a little under 1% so that float error in the logarithm (a price on a bin's edge may land in
 * the neighbouring bin, whose value is then still within α·(1 + 1e-12) of it) cannot break the 1%
 * guarantee. A smaller α costs storage: bins per day grow as 1/α.
 */
export const RELATIVE_ACCURACY = 0.0099;

const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const MULTIPLIER = 1 / Math.log(GAMMA);

/** The bin of a price in whole cents (at least 1). */
export function binOf(cents: number): number {
  return Math.ceil(Math.log(cents) * MULTIPLIER);
}

/** The value, in cents, that bin `bin` stands for. */
export function binValue(bin: number): number {
  return bin >= 0 && bin < BIN_VALUES.length ? BIN_VALUES[bin]! : valueOf(bin);
}

function valueOf(bin: number): number {
  return Math.exp((bin - 1) / MULTIPLIER) * (1 + RELATIVE_ACCURACY);
}

/** The values of the bins of prices up to 1e9 cents, worked out once: reads ask for one per percentile per day. */
const BIN_VALUES = Float64Array.from({ length: binOf(1e9) + 2 }, (_, bin) => valueOf(bin));
