/**
 * What a price must be: money. Positive after rounding to cents, at most 2 decimals, at most
 * MAX_PRICE USD. Prices are kept as integer cents so that sums stay exact.
 */
export const MAX_PRICE = 10_000_000;
const MAX_CENTS = MAX_PRICE * 100;

/**
 * How far a number may be from the double nearest to its 2-decimal value: a few units in the last
 * place, the noise of arithmetic such as `0.1 + 0.2` or `1100 * 1.1`. A number written with more
 * decimals (`1.000000001`) is billions of units away.
 */
const ULPS = 4 * Number.EPSILON;

/**
 * The amount in cents when `amount` is money: a finite number within float noise of a 2-decimal
 * value, at least 0.01 (positive after rounding to cents). `1e-9`, `1.000000001`, `0`, `-5`, `NaN`
 * and non-numbers are undefined. The unit does not matter: the server judges a `POST /rates` price
 * with it in the currency it was sent in.
 */
export function moneyCents(amount: unknown): number | undefined {
  if (typeof amount !== 'number' || !(amount > 0) || amount === Infinity) return undefined;
  const cents = Math.round(amount * 100);
  if (cents < 1 || Math.abs(amount - cents / 100) > ULPS * amount) return undefined;
  return cents;
}

/**
 * The price in cents when `price` is a number of USD that is money (see {@link moneyCents}) and at
 * most MAX_PRICE. This is the rule for prices given as numbers (JSON bodies, objects in code);
 * prices given as text are judged as written by {@link priceTextCents}.
 */
export function priceCents(price: unknown): number | undefined {
  const cents = moneyCents(price);
  return cents !== undefined && cents <= MAX_CENTS ? cents : undefined;
}

const DECIMAL = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/**
 * The price in cents when `text` is a decimal number that is money as written: at most 2 decimals
 * once trailing zeros are dropped (`1.000` and `1.5e2` are money, `1.001` and `1e-9` are not),
 * positive, at most MAX_PRICE. Decided on the digits, exactly, so a text with more decimals than a
 * double holds (`1.0000000000000000001`) is refused too. Undefined for anything else, including
 * text that is not a decimal number; surrounding spaces are the caller's to trim.
 */
export function priceTextCents(text: string): number | undefined {
  const match = DECIMAL.exec(text);
  if (match === null) return undefined;
  const [, sign, whole = '', fraction = '', exponent = '0'] = match;
  if (whole === '' && fraction === '') return undefined;
  const digits = (whole + fraction).replace(/^0+/, '');
  if (digits === '' || sign === '-') return undefined;
  // The value is significant * 10^power, exactly.
  const significant = digits.replace(/0+$/, '');
  // Clamped: an exponent of a thousand digits is as far out of range as one of twelve.
  const exponentValue = Math.max(-1e12, Math.min(1e12, Number(exponent)));
  const power = exponentValue - fraction.length + (digits.length - significant.length);
  if (power < -2) return undefined;
  // In cents, 2 + power zeros follow the significant digits: more digits than MAX_CENTS has is too much.
  if (significant.length + power + 2 > String(MAX_CENTS).length) return undefined;
  const cents = Number(significant) * 10 ** (power + 2);
  return cents <= MAX_CENTS ? cents : undefined;
}
