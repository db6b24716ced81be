import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { HttpProblem } from './http/problem.js';

/** Where exchange rates come from: units of each currency per 1 USD. */
export interface ExchangeRateSource {
  /** Units of `currency` per USD, or undefined for an unknown currency. */
  rate(currency: string): Promise<number | undefined>;
  /** A short description for logs. */
  readonly description: string;
}

export interface RatesDocument {
  base: string;
  /** The day the rates are for (`date` in our files, `timestamp` in openexchangerates answers). */
  date?: string;
  timestamp?: number;
  rates: Record<string, number>;
}

/** The exchange-rate file shipped with the package. */
export const DEFAULT_RATES_FILE = fileURLToPath(new URL('../assets/exchange-rates.json', import.meta.url));

function checkDocument(doc: unknown, where: string): RatesDocument {
  const d = doc as RatesDocument;
  if (d === null || typeof d !== 'object' || typeof d.rates !== 'object' || d.rates === null) throw new Error(`${where}: no "rates" object`);
  if (d.base !== 'USD') throw new Error(`${where}: the base must be USD, got ${JSON.stringify(d.base)}`);
  for (const [code, value] of Object.entries(d.rates)) {
    if (!/^[A-Z]{3}$/.test(code) || typeof value !== 'number' || !(value > 0)) throw new Error(`${where}: bad rate ${code}=${JSON.stringify(value)}`);
  }
  return d;
}

/** Rates from a JSON file `{base: "USD", date, rates: {EUR: 0.96, ...}}` (read once). */
export class FileRateSource implements ExchangeRateSource {
  readonly description: string;
  #doc: Promise<RatesDocument> | undefined;

  constructor(readonly file: string = DEFAULT_RATES_FILE) {
    this.description = `exchange-rate file ${file}`;
  }

  async load(): Promise<RatesDocument> {
    this.#doc ??= readFile(this.file, 'utf8').then((text) => checkDocument(JSON.parse(text), this.file));
    this.#doc.catch(() => (this.#doc = undefined));
    return this.#doc;
  }

  async rate(currency: string): Promise<number | undefined> {
    return (await this.load()).rates[currency];
  }
}

/**
 * Rates from an openexchangerates.org-compatible endpoint: `GET {endpoint}/latest.json?app_id=ID`,
 * cached for `cacheSeconds`; one fetch at a time. A failed fetch is a 502 unless a cached copy exists.
 */
export class OpenExchangeRatesSource implements ExchangeRateSource {
  readonly description: string;
  #cached: { doc: RatesDocument; at: number } | undefined;
  #fetching: Promise<RatesDocument> | undefined;

  constructor(private readonly options: { endpoint: string; appId: string; cacheSeconds: number; timeoutMs?: number }) {
    this.description = `openexchangerates endpoint ${options.endpoint}`;
  }

  async rate(currency: string): Promise<number | undefined> {
    return (await this.#latest()).rates[currency];
  }

  async #latest(): Promise<RatesDocument> {
    const cached = this.#cached;
    if (cached !== undefined && Date.now() - cached.at < this.options.cacheSeconds * 1000) return cached.doc;
    this.#fetching ??= this.#fetch().finally(() => (this.#fetching = undefined));
    try {
      return await this.#fetching;
    } catch (error) {
      if (cached !== undefined) return cached.doc;
      throw new HttpProblem(502, 'RATESTORE_CURRENCY_UNAVAILABLE', `exchange rates are unavailable: ${(error as Error).message}`);
    }
  }

  async #fetch(): Promise<RatesDocument> {
    const url = new URL(`${this.options.endpoint.replace(/\/+$/, '')}/latest.json`);
    url.searchParams.set('app_id', this.options.appId);
    const response = await fetch(url, { signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000) });
    if (!response.ok) throw new Error(`the endpoint answered ${response.status}`);
    const doc = checkDocument(await response.json(), 'the exchange-rate endpoint');
    this.#cached = { doc, at: Date.now() };
    return doc;
  }
}

export function createRateSource(config: { ratesFile?: string; appId?: string; endpoint: string; cacheSeconds: number }): ExchangeRateSource {
  if (config.appId !== undefined && config.appId !== '') {
    return new OpenExchangeRatesSource({ endpoint: config.endpoint, appId: config.appId, cacheSeconds: config.cacheSeconds });
  }
  return new FileRateSource(config.ratesFile ?? DEFAULT_RATES_FILE);
}

/**
 * `amount` of `currency` in USD, rounded to cents (the store keeps at most 2 decimals).
 * Unknown currency: 400 `RATESTORE_UNKNOWN_CURRENCY`.
 */
export async function toUsd(source: ExchangeRateSource, amount: number, currency: string): Promise<number> {
  const code = currency.toUpperCase();
  if (code === 'USD') return amount;
  const rate = /^[A-Z]{3}$/.test(code) ? await source.rate(code) : undefined;
  if (rate === undefined) throw new HttpProblem(400, 'RATESTORE_UNKNOWN_CURRENCY', `unknown currency ${JSON.stringify(currency)}`, { parameter: 'currency' });
  return Math.round((amount / rate) * 100) / 100;
}
