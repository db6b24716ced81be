/**
 * The `percentiles` option of a detailed rates query: the rule for the list and its text form on the
 * wire (`percentiles=25,50,75`). One rule for every part that takes the list: the engine checks
 * `rates({ percentiles })` with it, the server reads the query parameter with it, the command line
 * its `--percentiles` flag, the embedded client checks the list as the server would, and the remote
 * client writes it.
 *
 * @module
 */
import type { RateRow } from './results.js';

/** The most percentiles one query may ask for. */
export const MAX_PERCENTILES = 9;

/** The rule in words, for messages. */
export const PERCENTILES_RULE = `1 to ${MAX_PERCENTILES} distinct numbers, each above 0 and below 100`;

/** A day's percentiles: `p25`, `p99.9` (the `p` and the number as JavaScript writes it), in the order asked; null below the query's minimum count. */
export type Percentiles = NonNullable<RateRow['percentiles']>;

/** The member of a row's `percentiles` that holds percentile `q`: `p` and the number as JavaScript writes it (`p25`, `p99.9`). */
export function percentileKey(q: number): string {
  return `p${String(q)}`;
}

/** A list of percentiles read, or why it was refused (the reason follows the option's name: `percentiles must be ...`). */
export type PercentilesReading = { ok: true; values: number[] } | { ok: false; reason: string };

/**
 * A plain decimal as written by people and by {@link percentilesToWire}: digits, optionally a point
 * and more digits. No sign, no exponent, no spaces, nothing else that `Number()` would take.
 */
const DECIMAL = /^[0-9]+(?:\.[0-9]+)?$/;

/**
 * Reads the text form of the list, `25,50,75`, strictly: every element a plain decimal, none
 * empty. Then the values must keep the rule.
 */
export function readPercentiles(text: unknown): PercentilesReading {
  if (typeof text !== 'string' || text === '') return refused(`got ${JSON.stringify(text) ?? 'nothing'}`);
  const elements = text.split(',');
  if (elements.length > MAX_PERCENTILES) return refused(`got ${elements.length} in ${JSON.stringify(text)}`);
  const values: number[] = [];
  for (const element of elements) {
    if (!DECIMAL.test(element)) return refused(`got ${JSON.stringify(text)}: ${element === '' ? 'an empty element' : `${JSON.stringify(element)} is not a decimal number such as 25 or 99.9`}`);
    values.push(Number(element));
  }
  return checked(values, elements);
}

/** Checks a list of percentiles given in code (the clients' `percentiles: [25, 50, 75]`) against the rule. */
export function checkPercentiles(values: unknown): PercentilesReading {
  if (!Array.isArray(values) || values.length === 0 || values.length > MAX_PERCENTILES) return refused(`got ${shown(values)}`, LIST);
  for (const value of values as unknown[]) {
    if (typeof value !== 'number' || !Number.isFinite(value)) return refused(`got ${shown(values)}: ${shown(value)} is not a finite number`, LIST);
  }
  return checked(values as number[], (values as number[]).map(String), LIST);
}

/** The text form of a list that keeps the rule, as the server reads it: `25,50,75`. */
export function percentilesToWire(values: readonly number[]): string {
  return values.map(decimalText).join(',');
}

/** The range and uniqueness part of the rule, on numbers already read; `written` says how each was given, for the message. */
function checked(values: number[], written: string[], form = TEXT): PercentilesReading {
  const seen = new Set<number>();
  for (const [i, value] of values.entries()) {
    if (!(value > 0 && value < 100)) return refused(`got ${written[i]}, which is not above 0 and below 100`, form);
    if (seen.has(value)) return refused(`got ${written[i]} twice`, form);
    seen.add(value);
  }
  return { ok: true, values };
}

/** How the list was given, as the message names it: text on the wire and the command line, an array in code. */
const TEXT = ', separated by commas (25,50,75)';
const LIST = ', as an array ([25, 50, 75])';

function refused(got: string, form = TEXT): PercentilesReading {
  return { ok: false, reason: `must be ${PERCENTILES_RULE}${form}; ${got}` };
}

function shown(value: unknown): string {
  return Array.isArray(value) ? `[${value.map(shown).join(', ')}]` : typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
}

/**
 * A number in (0, 100) as a plain decimal. `String()` writes those below 1e-6 with an exponent
 * (`1.5e-7`), which the server does not take: the same digits are written out in full
 * (`0.00000015`), which reads back as the same number.
 */
function decimalText(value: number): string {
  const text = String(value);
  const exponent = /^(\d)(?:\.(\d+))?e-(\d+)$/.exec(text);
  if (exponent === null) return text;
  const [, first, rest = '', power] = exponent;
  return `0.${'0'.repeat(Number(power) - 1)}${first}${rest}`;
}
