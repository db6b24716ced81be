import fc from 'fast-check';

/**
 * Generated requests for the fuzz suite: valid, nearly valid and hostile ones, for every route. Values
 * come from small pools (so that batch ids repeat, ports exist, dates parse) mixed with malformed
 * text: percent escapes that do not decode, bytes that are not UTF-8, lines over the item bound,
 * bodies over the body limits, false Content-Types and Content-Encodings.
 */

export interface FuzzRequest {
  method: string;
  /** Path and query, as sent on the request line. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

/** The limits the fuzzed server runs with (small, so that generated bodies reach them). */
export const LIMITS = { jsonBodyBytes: 4096, batchBodyBytes: 65_536, batchItems: 2000, postRangeDays: 40, itemChars: 512 };

/** API keys of the fuzzed server: `admin` may do everything. */
export const KEYS = { admin: 'fuzz-admin-key', writer: 'fuzz-writer-key', reader: 'fuzz-reader-key' };


/** The ports and regions of the fuzzed server (helpers.ts world()). */
const PORTS = ['NLRTM', 'DEHAM', 'CNSGH'];
const REGIONS = ['europe', 'north_europe', 'china'];
const BATCH_IDS = ['fz-a', 'fz-b', 'fz-c', 'fz-d', 'fz-e'];

/** Malformed or unusual percent escapes and characters for URLs. */
const ESCAPES = ['%', '%Z', '%ZZ', '%E0', '%E0%80', '%C0%AF', '%FF', '%00', '%2F', '%25', '%20', '%0A', '%u00e9', '%F0%9F%98', '%ED%A0%80', '..', '.', '~', '+'];

/**
 * A path as it can go on a request line: what Node refuses there (spaces, controls, characters over
 * U+00FF) percent-encoded; bytes 0x80-0xFF stay raw, as some clients send them.
 */
function onRequestLine(path: string): string {
  return path.replace(/[^\x21-\xff]/gu, (c) => {
    try {
      return encodeURIComponent(c);
    } catch {
      return '%ED%A0%80';
    }
  });
}

const weighted = <T>(...entries: Array<[number, fc.Arbitrary<T>]>): fc.Arbitrary<T> =>
  fc.oneof(...entries.map(([weight, arbitrary]) => ({ weight, arbitrary })));

/** Text for a URL: encoded unicode, raw escapes (some malformed), long runs. */
const urlText: fc.Arbitrary<string> = weighted(
  [4, fc.string({ maxLength: 12 }).map(encodeURIComponent)],
  [3, fc.array(fc.oneof(fc.constantFrom(...ESCAPES), fc.string({ unit: 'grapheme-ascii', maxLength: 4 }).map(encodeURIComponent)), { maxLength: 4 }).map((parts) => parts.join(''))],
  [1, fc.string({ unit: 'grapheme', maxLength: 8 }).map(encodeURIComponent)],
  [1, fc.integer({ min: 200, max: 20_000 }).map((n) => 'a'.repeat(n))]
);

const validDay = fc.date({ min: new Date('2016-01-01T00:00:00Z'), max: new Date('2016-03-31T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
const day: fc.Arbitrary<string> = weighted(
  [6, validDay],
  [1, fc.constantFrom('2016-02-30', '2016-1-1', '1899-12-31', '3000-01-01', '2016-13-01', 'yesterday', '', '2016-01-01T00:00:00Z', ' 2016-01-01', '２０１６-01-01')],
  [1, urlText]
);
const location: fc.Arbitrary<string> = weighted([5, fc.constantFrom(...PORTS, ...REGIONS)], [1, fc.constantFrom('XXXXX', 'cnsgh', 'atlantis', '', 'NLRT', 'NLRTMX')], [1, urlText]);
const integerText: fc.Arbitrary<string> = weighted(
  [4, fc.nat({ max: 30 }).map(String)],
  [1, fc.constantFrom('0', '-1', '1.5', '1e3', '01', ' 1', '9'.repeat(20), 'abc', '', '0x10')],
  [1, urlText]
);
/** `percentiles=`: mostly lists the server takes (some with the comma escaped), sometimes ones it refuses, sometimes anything. */
const percentilesText: fc.Arbitrary<string> = weighted(
  [4, fc.uniqueArray(fc.constantFrom('0.5', '1', '5', '25', '50', '75', '90', '95', '99', '99.9'), { minLength: 1, maxLength: 9 }).chain((list) => fc.constantFrom(',', '%2C').map((comma) => list.join(comma)))],
  [1, fc.constantFrom('', ',', '25,', ',25', '25,,50', '0', '100', '-5', '1e1', '.5', '25,25', '25,25.0', '1,2,3,4,5,6,7,8,9,10', '25,%2050', 'NaN', '99.99999999999999999', '9'.repeat(400))],
  [1, urlText]
);
const booleanText: fc.Arbitrary<string> = weighted([4, fc.constantFrom('true', 'false')], [1, fc.constantFrom('', 'yes', 'TRUE', '1')], [1, urlText]);
const batchId: fc.Arbitrary<string> = weighted([6, fc.constantFrom(...BATCH_IDS)], [1, fc.constantFrom('bad key!', 'x'.repeat(129), 'é', '')], [1, urlText]);
/** A path segment: mostly valid values, sometimes anything. */
const segment = (valid: fc.Arbitrary<string>): fc.Arbitrary<string> => weighted([5, valid], [2, urlText]);

const PARAMETERS = ['date_from', 'date_to', 'origin', 'destination', 'min_count', 'as_of', 'widen', 'percentiles', 'batch_id', 'api_key', 'token'];
const parameterValue: Record<string, fc.Arbitrary<string>> = {
  date_from: day, date_to: day, origin: location, destination: location, min_count: integerText, as_of: integerText,
  widen: booleanText, percentiles: percentilesText, batch_id: batchId, api_key: fc.constantFrom(...Object.values(KEYS)), token: urlText
};

/** A query string: the route's parameters (often all, sometimes missing, repeated or foreign ones). */
function query(names: string[]): fc.Arbitrary<string> {
  const pair = fc.constantFrom(...names, ...PARAMETERS, 'x', '').chain((name) => (parameterValue[name] ?? urlText).map((value) => `${encodeURIComponent(name)}=${value}`));
  const complete = fc.tuple(...names.map((name) => (parameterValue[name] ?? urlText).map((value) => `${name}=${value}`)));
  return weighted<string[]>([4, complete], [2, fc.tuple(complete, fc.array(pair, { maxLength: 3 })).map(([a, b]) => [...a, ...b])], [1, fc.array(pair, { maxLength: 5 })])
    .map((pairs) => (pairs.length === 0 ? '' : `?${pairs.join('&')}`));
}

const authorization: fc.Arbitrary<Record<string, string>> = weighted(
  [8, fc.constant({ authorization: `Bearer ${KEYS.admin}` })],
  [1, fc.constantFrom(KEYS.writer, KEYS.reader, 'unknown-key').map((key) => ({ authorization: `Bearer ${key}` }))],
  [1, fc.constantFrom('Basic abc', 'Bearer', 'bearer  x y', '').map((value) => ({ authorization: value }))],
  [1, fc.constant({})]
);

const extraHeaders: fc.Arbitrary<Record<string, string>> = fc.record({
  'if-none-match': fc.constantFrom('*', '"v1-abc"', 'W/"x"', '"x", *', ''),
  'x-request-id': fc.oneof(fc.constant('fuzz-1'), fc.string({ unit: 'grapheme-ascii', maxLength: 140 })),
  'cache-control': fc.constant('no-cache'),
  accept: fc.constantFrom('application/json', 'text/html', '*/*')
}, { requiredKeys: [] }).map((headers) => Object.fromEntries(Object.entries(headers).filter(([, v]) => /^[\t\x20-\x7e]*$/.test(v))));

const READS: Array<[string, fc.Arbitrary<string>, string[]]> = [
  ['/rates', fc.constant(''), ['date_from', 'date_to', 'origin', 'destination']],
  ['/v1/rates', fc.constant(''), ['date_from', 'date_to', 'origin', 'destination', 'min_count', 'as_of', 'widen', 'percentiles']],
  ['/v1/ports', fc.constant(''), ['as_of']],
  ['/v1/ports/', segment(fc.constantFrom(...PORTS, 'XXXXX')), ['as_of']],
  ['/v1/regions', fc.constant(''), ['as_of']],
  ['/v1/regions/', segment(fc.constantFrom(...REGIONS, 'atlantis')), ['as_of']],
  ['/v1/tree', fc.constant(''), ['as_of']],
  ['/v1/batches', fc.constant(''), []],
  ['/v1/batches/', segment(batchId), []],
  ['/v1/uploads', fc.constant(''), []],
  ['/v1/uploads/', segment(batchId), []],
  ['/healthz', fc.constant(''), []],
  ['/readyz', fc.constant(''), []],
  ['/metrics', fc.constant(''), []],
  ['/openapi.json', fc.constant(''), []]
];

/** GET (or HEAD) of every read route, with generated query strings and headers. */
export const readRequest: fc.Arbitrary<FuzzRequest> = fc.constantFrom(...READS).chain(([prefix, tail, names]) =>
  fc.record({ method: weighted([9, fc.constant('GET')], [1, fc.constant('HEAD')]), tail, query: query(names), auth: authorization, extra: extraHeaders })
    .map(({ method, tail, query, auth, extra }) => ({ method, path: onRequestLine(prefix + tail + query), headers: { ...extra, ...auth } })));

/** Any method on a generated path: known prefixes, escapes, dots, empty and long segments. */
export const pathRequest: fc.Arbitrary<FuzzRequest> = fc.record({
  method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'),
  segments: fc.array(weighted([3, fc.constantFrom('v1', 'rates', 'ports', 'regions', 'batches', 'uploads', 'chunks', 'commit', 'revert', 'tree', 'CNSGH', 'fz-a', '0', '')], [2, urlText]), { minLength: 1, maxLength: 6 }),
  query: weighted([3, fc.constant('')], [1, query([])]),
  auth: authorization
}).map(({ method, segments, query, auth }) => ({ method, path: onRequestLine(`/${segments.join('/')}${query}`), headers: auth }));

// ---- bodies ----------------------------------------------------------------------------------

const money = weighted<unknown>(
  [6, fc.integer({ min: 1, max: 500_000 }).map((cents) => cents / 100)],
  [1, fc.constantFrom(0, -1, 1e-9, 4e-9, 1e-300, 1.000000001, 10_000_000.01, 1e308, '12', 'NaN', null, true, [], {})],
  [1, fc.double()]
);
const name = weighted<unknown>([5, fc.string({ minLength: 1, maxLength: 20 })], [1, fc.constantFrom('', ' ', 'x'.repeat(201), 42, null)]);

const priceItem = fc.record({ origin: location, destination: location, day, price: money }, { requiredKeys: ['origin', 'destination', 'day', 'price'] });
const portItem = fc.record({ type: fc.constant('port'), code: weighted([3, fc.constantFrom('JPTYO', 'USNYC', ...PORTS)], [1, fc.string({ maxLength: 6 })]), name, region: location });
const regionItem = fc.record({ type: fc.constant('region'), slug: weighted([3, fc.constantFrom('asia', 'americas', ...REGIONS)], [1, fc.string({ maxLength: 10 })]), name, parent: fc.option(location) });
const item = weighted<unknown>([8, priceItem], [1, portItem], [1, regionItem], [1, fc.jsonValue({ maxDepth: 2 })]);

type Format = 'json' | 'ndjson' | 'csv';
const TYPES: Record<Format, string[]> = {
  json: ['application/json', 'application/json; charset=utf-8'],
  ndjson: ['application/x-ndjson', 'application/ndjson', 'application/jsonl'],
  csv: ['text/csv', 'text/csv; charset=utf-8']
};

function serialise(format: Format, items: unknown[], crlf: boolean): string {
  const eol = crlf ? '\r\n' : '\n';
  if (format === 'json') return JSON.stringify(items);
  if (format === 'ndjson') return items.map((value) => JSON.stringify(value) ?? '').join(eol) + eol;
  const cell = (value: unknown) => {
    const text = typeof value === 'string' ? value : JSON.stringify(value) ?? '';
    return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const rows = items.map((value) => {
    const record = (value ?? {}) as Record<string, unknown>;
    return [record.origin, record.destination, record.day, record.price].map(cell).join(',');
  });
  return ['origin,destination,day,price', ...rows].join(eol) + eol;
}

/** What is done to a well-formed body: nothing (mostly), or a malformation of the kinds the suite hunts. */
const mutation: fc.Arbitrary<(body: Buffer) => Buffer> = weighted<(body: Buffer) => Buffer>(
  [8, fc.constant((body) => body)],
  [1, fc.tuple(fc.nat(), fc.constantFrom([0xff], [0xc3], [0xe0, 0x80], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80])).map(([at, bytes]) => (body) => {
    const i = body.length === 0 ? 0 : at % body.length;
    return Buffer.concat([body.subarray(0, i), Buffer.from(bytes), body.subarray(i)]);
  })],
  [1, fc.nat().map((at) => (body) => body.subarray(0, body.length === 0 ? 0 : at % body.length))],
  [1, fc.constant((body) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), body]))],
  [1, fc.integer({ min: LIMITS.itemChars, max: LIMITS.itemChars * 4 }).map((n) => (body) => Buffer.concat([body, Buffer.from(`\n{"name": "${'x'.repeat(n)}"}\n`)]))],
  [1, fc.constant((body) => Buffer.concat([body, Buffer.alloc(LIMITS.batchBodyBytes, 0x20)]))],
  [1, fc.uint8Array({ maxLength: 64 }).map((bytes) => () => Buffer.from(bytes))]
);

const contentEncoding: fc.Arbitrary<Record<string, string>> = weighted(
  [9, fc.constant({})],
  [1, fc.constantFrom('gzip', 'br', 'deflate', 'identity', 'x-bogus').map((encoding) => ({ 'content-encoding': encoding }))]
);

/** A batch body in any format, its Content-Type sometimes wrong or missing. */
const batchBody: fc.Arbitrary<{ headers: Record<string, string>; body: Buffer }> = fc.record({
  format: fc.constantFrom<Format>('json', 'ndjson', 'csv'),
  items: fc.array(item, { maxLength: 12 }),
  crlf: fc.boolean(),
  mutate: mutation,
  type: weighted<string | undefined>([8, fc.constant(undefined)], [1, fc.constantFrom('text/plain', 'application/xml', 'multipart/form-data', '', 'application/json; charset=latin1')]),
  encoding: contentEncoding
}).map(({ format, items, crlf, mutate, type, encoding }) => {
  const contentType = type ?? TYPES[format][items.length % TYPES[format].length]!;
  return { headers: { ...(contentType === '' ? {} : { 'content-type': contentType }), ...encoding }, body: mutate(Buffer.from(serialise(format, items, crlf))) };
});

/** A JSON-object body (POST /rates, port and region changes, upload creation), sometimes no object or no JSON. */
function objectBody(members: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<{ headers: Record<string, string>; body: Buffer }> {
  const text = weighted<string>([8, members.map((value) => JSON.stringify(value))], [1, fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value))], [1, fc.string({ maxLength: 30 })]);
  return fc.record({
    text,
    mutate: mutation,
    type: weighted<string | undefined>([8, fc.constant('application/json')], [1, fc.constantFrom(undefined, 'text/plain', 'application/json; charset=utf-16')]),
    encoding: contentEncoding
  }).map(({ text, mutate, type, encoding }) => ({ headers: { ...(type === undefined ? {} : { 'content-type': type }), ...encoding }, body: mutate(Buffer.from(text)) }));
}

const idempotency: fc.Arbitrary<Record<string, string>> = weighted([3, fc.constant({})], [4, batchId.map((id) => ({ 'idempotency-key': id }))]);
const chunkNumber = weighted([5, fc.nat({ max: 4 }).map(String)], [1, fc.constantFrom('-1', '1.5', '99999999999', '4294967295', 'x', '')], [1, urlText]);

/** One write, to any write route: bodies in every format, headers, ids and paths generated. */
export const writeRequest: fc.Arbitrary<FuzzRequest> = fc.record({
  kind: fc.constantFrom('rates', 'batch', 'create', 'chunk', 'commit', 'abort', 'port', 'region', 'revert'),
  id: segment(batchId),
  auth: authorization,
  key: idempotency,
  query: weighted([4, fc.constant('')], [1, batchId.map((id) => `?batch_id=${id}`)]),
  rates: objectBody(fc.record({ date_from: day, date_to: day, origin_code: location, destination_code: location, price: money, currency: fc.constantFrom('USD', 'EUR', 'usd', 'XYZ', '') }, { requiredKeys: ['date_from', 'date_to', 'origin_code', 'destination_code', 'price'] })),
  batch: batchBody,
  create: objectBody(fc.record({ batch_id: weighted<unknown>([5, batchId], [1, fc.constantFrom(42, null)]) }, { requiredKeys: [] })),
  chunk: chunkNumber,
  code: segment(fc.constantFrom('JPTYO', 'USNYC', ...PORTS)),
  slug: segment(fc.constantFrom('asia', 'americas', ...REGIONS)),
  port: objectBody(fc.record({ name, region: location }, { requiredKeys: [] })),
  region: objectBody(fc.record({ name, parent: fc.option(location) }, { requiredKeys: [] }))
}).map((r) => {
  const headers = { ...r.auth, ...r.key };
  const send = (method: string, path: string, body?: { headers: Record<string, string>; body: Buffer }): FuzzRequest =>
    ({ method, path: onRequestLine(path + r.query), headers: { ...headers, ...body?.headers }, ...(body === undefined ? {} : { body: body.body }) });
  switch (r.kind) {
    case 'rates': return send('POST', '/rates', r.rates);
    case 'batch': return send('POST', '/v1/batches', r.batch);
    case 'create': return send('POST', '/v1/uploads', r.create);
    case 'chunk': return send('PUT', `/v1/uploads/${r.id}/chunks/${r.chunk}`, r.batch);
    case 'commit': return send('POST', `/v1/uploads/${r.id}/commit`);
    case 'abort': return send('DELETE', `/v1/uploads/${r.id}`);
    case 'port': return send('PUT', `/v1/ports/${r.code}`, r.port);
    case 'region': return send('PUT', `/v1/regions/${r.slug}`, r.region);
    default: return send('POST', `/v1/batches/${r.id}/revert`);
  }
});

/** Bytes straight onto a connection: what Node's HTTP parser sees before Express does. */
export const rawRequest: fc.Arbitrary<Buffer> = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'BREW', 'G ET', '', 'get'),
  target: weighted([3, fc.constantFrom('/v1/ports', '/healthz', '/v1/ports/CNSGH', '*', '/v1/rates?origin=%E0')], [1, fc.string({ unit: 'binary', maxLength: 20 })], [1, fc.integer({ min: 16_000, max: 40_000 }).map((n) => `/v1/rates?x=${'a'.repeat(n)}`)]),
  version: fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', ''),
  headers: fc.array(weighted(
    [3, fc.constantFrom('Host: x', 'Content-Length: 5', 'Content-Length: abc', 'Content-Length: 1\r\nContent-Length: 2', 'Transfer-Encoding: chunked', 'Transfer-Encoding: gzip, chunked', 'Content-Type: application/json')],
    [1, fc.string({ unit: 'binary', maxLength: 30 })],
    [1, fc.integer({ min: 16_000, max: 20_000 }).map((n) => `X-Big: ${'b'.repeat(n)}`)]
  ), { maxLength: 4 }),
  body: fc.string({ maxLength: 20 })
}).map(({ method, target, version, headers, body }) => Buffer.from(`${method} ${target} ${version}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n${body}`));
