import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, type Browser } from './helpers/browser.js';
import { startServerProcess, type ServerProcess } from './server-process.js';

/**
 * The rates explorer (GET /) and the API reference (GET /docs/) in a real browser: Debian's
 * chromium driven by playwright-core, against real `ratestore serve` processes on 127.0.0.1 holding
 * the generated sample data. The explorer's screenshot is written to .artifacts/explorer.png.
 */

const ARTIFACTS = fileURLToPath(new URL('../../../.artifacts/', import.meta.url));
const FIRST = { origin: 'USDLD', destination: 'china_east', date_from: '2015-12-30', date_to: '2016-01-10' };

let browser: Browser;
let open: ServerProcess;
let keyed: ServerProcess;

beforeAll(async () => {
  [browser, open, keyed] = await Promise.all([
    launchBrowser(),
    startServerProcess({ args: ['--seed-if-empty'] }),
    startServerProcess({ args: ['--seed-if-empty'], env: { RATESTORE_API_KEYS: 'viewer-key:read', RATESTORE_READS_NEED_KEY: 'true' } })
  ]);
}, 120_000);

afterAll(async () => {
  await Promise.all([browser?.close(), open?.stop(), keyed?.stop()]);
});

interface Watched {
  page: Page;
  /** Console messages about the Content-Security-Policy, and uncaught page errors: both must stay empty. */
  failures: string[];
  /** Every URL the page asked for. */
  requests: string[];
}

async function newPage(): Promise<Watched> {
  const page = await browser.context.newPage();
  const failures: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (/Content.Security.Policy/i.test(message.text())) failures.push(message.text());
  });
  page.on('pageerror', (error) => failures.push(error.message));
  page.on('request', (request) => requests.push(request.url()));
  return { page, failures, requests };
}

function search(query: Record<string, string>): string {
  return new URLSearchParams(query).toString();
}

/** The page's state, once the answer to `query` is on screen. */
async function shown(page: Page, query: Record<string, string>): Promise<void> {
  await page.locator(`body[data-query="${search(query)}"]`).waitFor();
}

/** The table as shown: per row, each cell's text and whether it is marked as a gap. */
function tableOf(page: Page): Promise<Array<Array<{ text: string; gap: boolean }>>> {
  return page.$$eval('#rates tbody tr', (rows) => rows.map((row) => [...row.children].map((cell) => ({ text: cell.textContent ?? '', gap: cell.classList.contains('gap') }))));
}

async function api<T = any>(server: ServerProcess, path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}${path}`, { headers });
  return { status: response.status, body: (await response.json()) as T };
}

/** What the explorer asks GET /v1/rates for besides the page's own parameters: the quartiles its band and table show. */
const PERCENTILES = { percentiles: '25,50,75' };

interface Row {
  day: string;
  average: number | null;
  count: number;
  min: number | null;
  max: number | null;
  percentiles: { p25: number | null; p50: number | null; p75: number | null };
}

/**
 * Each shown cell against GET /v1/rates?...&percentiles=25,50,75: days, averages to the cent,
 * counts, min, max and the quartiles p25, p50, p75; nulls as empty gaps. Resolves with the rows.
 */
async function expectTableToMatch(page: Page, server: ServerProcess, query: Record<string, string>, headers: Record<string, string> = {}): Promise<Row[]> {
  const { body } = await api<{ rows: Row[] }>(server, `/v1/rates?${search({ ...query, ...PERCENTILES })}`, headers);
  const shownRows = await tableOf(page);
  expect(shownRows).toHaveLength(body.rows.length);
  body.rows.forEach((row, i) => {
    const [day, average, count, min, max, p25, p50, p75] = shownRows[i]!;
    expect(day!.text).toBe(row.day);
    expect(number(count!.text)).toBe(row.count);
    const { p25: q1, p50: median, p75: q3 } = row.percentiles;
    for (const [cell, value] of [[average!, row.average], [min!, row.min], [max!, row.max], [p25!, q1], [p50!, median], [p75!, q3]] as const) {
      if (value === null) expect(cell).toEqual({ text: '', gap: true });
      else expect(Math.abs(number(cell.text) - value), `${row.day}: ${cell.text} vs ${value}`).toBeLessThanOrEqual(0.005);
    }
  });
  return body.rows;
}

/** A number as the page shows it (`1,580.51`). */
function number(text: string): number {
  return Number(text.replace(/,/g, ''));
}

describe('the rates explorer', () => {
  it('serves the page, its scripts and the API reference without a key, under a strict CSP', async () => {
    for (const path of ['/', '/explorer/main.js', '/explorer/vendor/uplot.js', '/explorer/vendor/client/index.js', '/explorer/vendor/client/remote.js', '/explorer/vendor/contract/index.js', '/docs/', '/docs/swagger-ui-bundle.js']) {
      const response = await fetch(`${keyed.url}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-security-policy'), path).toMatch(/default-src 'none'; script-src 'self'/);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
    // The client's modules import the contract by its URL beside them: a browser resolves no package name.
    const remote = await fetch(`${keyed.url}/explorer/vendor/client/remote.js`);
    const code = await remote.text();
    expect(code).toMatch(/from '\.\.\/contract\/index\.js'/);
    expect(code).not.toMatch(/@ratestore\//);
    expect(remote.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect((await fetch(`${keyed.url}/explorer/vendor/client/remote.js`, { headers: { 'if-none-match': remote.headers.get('etag')! } })).status).toBe(304);
    expect((await fetch(`${keyed.url}/v1/ports`)).status).toBe(401);
    // The reference is at /docs and at /docs/, the same page (its links are absolute).
    const docs = await fetch(`${open.url}/docs`, { redirect: 'manual' });
    expect(docs.status).toBe(200);
    expect(await docs.text()).toBe(await (await fetch(`${open.url}/docs/`)).text());
    // Only the page scripts are served from the build folder, not their source maps or anything else.
    for (const path of ['/explorer/main.js.map', '/explorer/vendor/client/index.d.ts', '/explorer/vendor/client/../package.json']) {
      expect((await fetch(`${open.url}${path}`)).status, path).toBe(404);
    }
  });

  it('shows the rates of a link as a chart and a table, with the data version and null days as gaps', async () => {
    const { page, failures, requests } = await newPage();
    await page.goto(`${open.url}/?${search(FIRST)}`);
    await shown(page, FIRST);
    const rows = await expectTableToMatch(page, open, FIRST);
    const { body } = await api(open, `/v1/rates?${search(FIRST)}`);
    expect(body.rows.filter((row: { average: number | null }) => row.average === null)).toHaveLength(2);
    // The band is p25-p75: the page asked for the quartiles, and its table heads them.
    expect(requests.some((url) => new URL(url).pathname === '/v1/rates' && new URL(url).searchParams.get('percentiles') === '25,50,75')).toBe(true);
    expect(await page.$$eval('#rates thead th', (cells) => cells.map((cell) => cell.textContent))).toEqual(['Day', 'Average (USD)', 'Prices', 'Min (USD)', 'Max (USD)', 'p25 (USD)', 'p50 (USD)', 'p75 (USD)']);
    // A median as the page shows it, against the API's, to the cent; and the band around it is the middle half of the day.
    const day = rows.findIndex((row) => row.percentiles.p50 !== null);
    const cells = (await tableOf(page))[day]!;
    expect(Math.abs(number(cells[6]!.text) - rows[day]!.percentiles.p50!)).toBeLessThanOrEqual(0.005);
    expect(rows[day]!.percentiles.p25!).toBeLessThanOrEqual(rows[day]!.percentiles.p75!);
    expect(rows[day]!.min!).toBeLessThanOrEqual(rows[day]!.percentiles.p25!);
    await expect(page.locator('#caption').textContent()).resolves.toContain('p25–p75 band');
    await expect(page.locator('#data-version').textContent()).resolves.toBe(`data version ${body.version}`);
    expect(await page.inputValue('#origin')).toBe('USDLD');
    expect(await page.inputValue('#date_to')).toBe('2016-01-10');
    expect(await page.locator('#chart').getAttribute('data-days')).toBe('12');
    expect(await page.locator('#chart canvas').count()).toBe(1);
    expect(await page.locator('#problem').isHidden()).toBe(true);
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}explorer.png`, fullPage: true });
    expect(failures).toEqual([]);
    expect(requests.every((url) => url.startsWith(`${open.url}/`))).toBe(true);
    await page.close();
  });

  it('puts a changed field into the URL and redraws the chart; Back returns to the previous one', async () => {
    const { page, failures } = await newPage();
    await page.goto(`${open.url}/?${search(FIRST)}`);
    await shown(page, FIRST);
    const before = await page.locator('#chart canvas').screenshot();
    const second = { ...FIRST, destination: 'asia' };
    await page.fill('#destination', 'asia');
    await page.press('#destination', 'Enter');
    await page.waitForURL(`${open.url}/?${search(second)}`);
    await shown(page, second);
    await expectTableToMatch(page, open, second);
    expect(Buffer.compare(await page.locator('#chart canvas').screenshot(), before)).not.toBe(0);
    await expect(page.locator('#caption').textContent()).resolves.toContain('Asia (asia)');
    const third = { ...second, date_to: '2016-01-20' };
    await page.fill('#date_to', '2016-01-20');
    await page.waitForURL(`${open.url}/?${search(third)}`);
    await shown(page, third);
    expect(await page.locator('#chart').getAttribute('data-days')).toBe('22');
    await page.goBack();
    await shown(page, second);
    expect(await page.inputValue('#date_to')).toBe('2016-01-10');
    await expectTableToMatch(page, open, second);
    expect(failures).toEqual([]);
    await page.close();
  });

  it('shows the code and detail of a refused query, and no stale chart or table', async () => {
    const { page, failures } = await newPage();
    await page.goto(`${open.url}/?${search(FIRST)}`);
    await shown(page, FIRST);
    const refused = { ...FIRST, origin: 'NOWHERE' };
    await page.fill('#origin', 'NOWHERE');
    await page.press('#origin', 'Enter');
    await shown(page, refused);
    const { status, body } = await api(open, `/v1/rates?${search(refused)}`);
    expect(status).toBe(400);
    await expect(page.locator('#problem .code').textContent()).resolves.toBe('RATESTORE_UNKNOWN_LOCATION');
    // The detail as the server wrote it, then (from the client) the request it answered.
    await expect(page.locator('#problem .detail').textContent()).resolves.toBe(`${body.detail} (GET /v1/rates: 400)`);
    expect(await page.locator('#rates').isHidden()).toBe(true);
    expect(await page.locator('#chart').isHidden()).toBe(true);
    expect(failures).toEqual([]);
    await page.close();
  });

  it('with keys: asks for one, sends the key entered as a Bearer token, keeps it for the tab only', async () => {
    const { page, failures, requests } = await newPage();
    const authorizations: Array<string | undefined> = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname.startsWith('/v1/')) authorizations.push(request.headers().authorization);
    });
    await page.goto(`${keyed.url}/?${search(FIRST)}`);
    await shown(page, FIRST);
    await expect(page.locator('#problem .code').textContent()).resolves.toBe('RATESTORE_UNAUTHORIZED');
    expect(await page.locator('#api-key').getAttribute('open')).not.toBeNull();
    await page.fill('#api_key', 'wrong-key');
    await page.press('#api_key', 'Tab');
    await page.locator('#problem .detail', { hasText: 'unknown API key' }).waitFor();
    await page.fill('#api_key', 'viewer-key');
    await page.press('#api_key', 'Tab');
    await page.locator('#problem').waitFor({ state: 'hidden' });
    await page.locator('#rates').waitFor();
    await expectTableToMatch(page, keyed, FIRST, { authorization: 'Bearer viewer-key' });
    expect(authorizations.at(-1)).toBe('Bearer viewer-key');
    // Runs in the page, where sessionStorage exists (the tests are type-checked without the DOM library).
    expect(await page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }).sessionStorage.getItem('ratestore.apiKey'))).toBe('viewer-key');
    // A reload keeps it (same tab); the key never goes into the URL.
    await page.reload();
    await shown(page, FIRST);
    expect(await page.inputValue('#api_key')).toBe('viewer-key');
    expect(await page.locator('#problem').isHidden()).toBe(true);
    expect(requests.some((url) => url.includes('viewer-key'))).toBe(false);
    // A new tab starts without it.
    const other = await newPage();
    await other.page.goto(`${keyed.url}/?${search(FIRST)}`);
    await shown(other.page, FIRST);
    expect(await other.page.inputValue('#api_key')).toBe('');
    await expect(other.page.locator('#problem .code').textContent()).resolves.toBe('RATESTORE_UNAUTHORIZED');
    expect([...failures, ...other.failures]).toEqual([]);
    await Promise.all([page.close(), other.page.close()]);
  });
});

describe('the API reference', () => {
  it('renders every operation of /openapi.json from files the server serves itself', async () => {
    const { page, failures, requests } = await newPage();
    await page.goto(`${open.url}/docs/`);
    await page.locator('.opblock').first().waitFor();
    const { body } = await api(open, '/openapi.json');
    const operations = Object.values(body.paths as Record<string, object>).reduce((sum: number, methods) => sum + Object.keys(methods).length, 0);
    expect(await page.locator('.opblock').count()).toBe(operations);
    await expect(page.locator('.opblock-summary-path', { hasText: /^\/v1\/rates$/ }).count()).resolves.toBe(1);
    expect(failures).toEqual([]);
    expect(requests.every((url) => url.startsWith(`${open.url}/`))).toBe(true);
    await page.close();
  });
});
