import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunkBody, ndjsonBody } from '../src/item-bodies.js';
import type { BatchItem } from '../src/index.js';
import { startServerProcess, world, type ServerProcess } from './helpers.js';

const plain: BatchItem = { origin: 'CNSGH', destination: 'NLRTM', day: '2020-01-02', price: 1234.5 };

function ndjsonOf(items: readonly unknown[]): string {
  return items.map((item) => JSON.stringify(item) + '\n').join('');
}

describe('chunk bodies', () => {
  it('sends a chunk of plain prices as CSV with its header, a line per price', () => {
    const items: BatchItem[] = [plain, { type: 'price', origin: 'DEHAM', destination: 'CNNGB', day: '2020-01-03', price: 99 }, { ...plain, price: 10.05 }];
    expect(chunkBody(items)).toEqual({
      contentType: 'text/csv',
      body: 'origin,destination,day,price\nCNSGH,NLRTM,2020-01-02,1234.5\nDEHAM,CNNGB,2020-01-03,99\nCNSGH,NLRTM,2020-01-02,10.05\n'
    });
  });

  // Each of these reads differently from CSV than from JSON, or is not a price: its chunk goes as NDJSON, whole.
  const others: Array<[string, unknown]> = [
    ['a port', { type: 'port', code: 'CNSGH', name: 'Shanghai', region: 'china' }],
    ['a price below 1 (leading zero)', { ...plain, price: 0.5 }],
    ['a price with 3 decimals', { ...plain, price: 12.345 }],
    ['a price of 8 digits', { ...plain, price: 10_000_000 }],
    ['float noise', { ...plain, price: 0.1 + 0.2 }],
    ['a price as text', { ...plain, price: '12' }],
    ['no price', { origin: 'CNSGH', destination: 'NLRTM', day: '2020-01-02' }],
    ['a member more', { ...plain, currency: 'EUR' }],
    ['another type', { ...plain, type: 'port' }],
    ['a code with a space (CSV trims)', { ...plain, origin: ' CNSGH' }],
    ['a code with a comma', { ...plain, origin: 'CN,GH' }],
    ['a code with a quote', { ...plain, destination: 'NL"TM' }],
    ['a code outside ASCII', { ...plain, destination: 'NLRTÉ' }],
    ['an empty day', { ...plain, day: '' }],
    ['an instance of a class', Object.assign(new (class Price {})(), plain)],
    ['a price member JSON does not write', Object.defineProperty({ origin: 'CNSGH', destination: 'NLRTM', day: '2020-01-02' }, 'price', { value: 12, enumerable: false })],
    ['a toJSON JSON calls (not enumerable)', Object.defineProperty({ ...plain }, 'toJSON', { value: () => ({ ...plain, price: 77 }), enumerable: false })],
    ['a code longer than 32 characters', { ...plain, origin: 'A'.repeat(33) }]
  ];
  it.each(others)('sends a chunk holding %s as NDJSON, each item as JSON.stringify writes it', (_what, other) => {
    const items = [plain, other, plain] as BatchItem[];
    expect(chunkBody(items)).toEqual({ contentType: 'application/x-ndjson', body: ndjsonOf(items) });
  });

  it('sends NDJSON when Object.prototype is polluted with a member or a toJSON', () => {
    const prototype = Object.prototype as Record<string, unknown>;
    const bodies = [];
    try {
      // Inherited: for-in sees it and reading the member finds it, but JSON.stringify writes own members only.
      prototype.price = 12;
      bodies.push(chunkBody([{ origin: 'CNSGH', destination: 'NLRTM', day: '2020-01-02' } as BatchItem]));
      delete prototype.price;
      Object.defineProperty(prototype, 'toJSON', { value: () => ({}), enumerable: false, configurable: true });
      bodies.push(chunkBody([plain]));
    } finally {
      delete prototype.price;
      delete prototype.toJSON;
    }
    expect(bodies.map((body) => body.contentType)).toEqual(['application/x-ndjson', 'application/x-ndjson']);
  });

  it('sends a batch sent whole as NDJSON, however plain its prices', () => {
    expect(ndjsonBody([plain])).toEqual({ contentType: 'application/x-ndjson', body: ndjsonOf([plain]) });
  });
});

/** What a server answers, without what differs from request to request. */
function answerOf(status: number, text: string): unknown {
  const body = JSON.parse(text) as Record<string, unknown>;
  // Each commit makes the next version, at its own time.
  for (const key of ['request_id', 'version', 'committed_at', 'created_at']) delete body[key];
  // The detail names the upload.
  if (typeof body.detail === 'string') body.detail = body.detail.replace(/batch \S+/, 'batch B');
  if (typeof body.batch_id === 'string') body.batch_id = 'B';
  return { status, body };
}

describe('chunk bodies on a real server', () => {
  // Two servers, the same writes: one is sent chunks as CSV, the other the same chunks as NDJSON.
  let csvServer: ServerProcess;
  let ndjsonServer: ServerProcess;
  let upload = 0;
  beforeAll(async () => {
    [csvServer, ndjsonServer] = await Promise.all([startServerProcess(), startServerProcess()]);
    for (const server of [csvServer, ndjsonServer]) {
      const seeded = await fetch(`${server.url}/v1/batches`, { method: 'POST', headers: { 'content-type': 'application/x-ndjson', 'idempotency-key': 'world' }, body: ndjsonOf(world()) });
      expect(seeded.status).toBe(201);
    }
  });
  afterAll(async () => {
    await Promise.all([csvServer?.stop(), ndjsonServer?.stop()]);
  });

  /** Stages one chunk as `body` says and commits it: every answer, for comparing. */
  async function stageAndCommit(server: ServerProcess, id: string, body: { body: string; contentType: string }): Promise<unknown[]> {
    const call = async (method: string, path: string, init: { body?: string; contentType?: string } = {}): Promise<unknown> => {
      const response = await fetch(`${server.url}/v1/uploads${path}`, { method, body: init.body, headers: init.contentType === undefined ? {} : { 'content-type': init.contentType } });
      return answerOf(response.status, await response.text());
    };
    return [
      await call('POST', '', { body: JSON.stringify({ batch_id: id }), contentType: 'application/json' }),
      await call('PUT', `/${id}/chunks/0`, body),
      await call('POST', `/${id}/commit`)
    ];
  }

  /** What a server holds of the items' routes over their days: counts, averages, min and max per day. */
  async function ratesOf(server: ServerProcess, items: readonly BatchItem[]): Promise<unknown[]> {
    const known = new Set(['CNSGH', 'NLRTM', 'DEHAM', 'CNNGB']);
    const routes = [...new Set(items.flatMap((item) => 'origin' in item && known.has(item.origin) && known.has(item.destination) ? [`${item.origin}-${item.destination}`] : []))];
    const answers: unknown[] = [];
    for (const route of routes) {
      const [origin, destination] = route.split('-');
      // The year the valid days fall in (a query spans at most 366 days).
      const response = await fetch(`${server.url}/v1/rates?date_from=2020-01-01&date_to=2020-12-31&origin=${origin}&destination=${destination}`);
      expect(response.status).toBe(200);
      answers.push(answerOf(response.status, await response.text()));
    }
    return answers;
  }

  // Plain prices the server judges: known and unknown ports, codes of the wrong shape, days that are
  // not dates, prices out of range. Sent as CSV and as NDJSON, the answers and what is stored must be the same.
  const code = fc.oneof({ weight: 12, arbitrary: fc.constantFrom('CNSGH', 'NLRTM', 'DEHAM', 'CNNGB') }, { weight: 1, arbitrary: fc.constantFrom('ZZZZZ', 'cnsgh', 'CNSG', 'CNSGHX', '12345') });
  const day = fc.oneof({ weight: 1, arbitrary: fc.constantFrom('2020-02-29', '2019-02-29', '2020-13-01', '1899-12-31', '2020-1-1', 'today') },
    { weight: 12, arbitrary: fc.date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2020-12-31T00:00:00Z'), noInvalidDate: true }).map((date) => date.toISOString().slice(0, 10)) });
  const price = fc.oneof(fc.integer({ min: 1, max: 9_999_999 }), fc.integer({ min: 100, max: 999_999_999 }).map((cents) => cents / 100));
  const item = fc.record({ origin: code, destination: code, day, price }) as fc.Arbitrary<BatchItem>;

  it('answers a chunk of plain prices sent as CSV as it answers the same chunk as NDJSON, and stores the same', async () => {
    let stored = 0;
    await fc.assert(fc.asyncProperty(fc.array(item, { minLength: 1, maxLength: 20 }), async (items) => {
      const id = `chunk-bodies-${upload++}`;
      const csv = chunkBody(items);
      expect(csv.contentType).toBe('text/csv');
      const answers = await stageAndCommit(csvServer, id, csv);
      expect(answers).toEqual(await stageAndCommit(ndjsonServer, id, ndjsonBody(items)));
      if ((answers[2] as { status: number }).status === 201) stored++;
      expect(await ratesOf(csvServer, items)).toEqual(await ratesOf(ndjsonServer, items));
    }), { numRuns: 60 });
    // Both kinds of run took place: chunks committed and chunks refused.
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(60);
  }, 120_000);
});
