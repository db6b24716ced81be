import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, expect } from 'vitest';
import { Ratestore, type BatchItem } from '@ratestore/core';
import type { StoreFactory, SuiteStore } from '../../core/test/stores.js';
import { createApp } from '../src/http/app.js';
import { createHttpServer } from '../src/http/node-server.js';
import { defaultConfig, validateConfig, type ConfigInput, type ServerConfig } from '../src/config.js';
import { createLogger, type Logger } from '../src/logger.js';
import { openApiDocument } from '../src/openapi.js';
import type { ExchangeRateSource } from '../src/currency.js';
import type { AppContext } from '../src/http/context.js';

type Json = Record<string, unknown>;

// ---- OpenAPI response checking ---------------------------------------------------------------

const doc = openApiDocument() as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Json }> }> }>>; components: Json };
const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
ajv.addSchema({ $id: 'urn:ratestore:openapi', components: doc.components });
const validators = new Map<string, ReturnType<typeof ajv.compile>>();

function rebase(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rebase);
  if (schema !== null && typeof schema === 'object') {
    return Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `urn:ratestore:openapi${v}` : rebase(v)]));
  }
  return schema;
}

const templates = Object.keys(doc.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`)
}));

/** Every response the tests see must be documented: path, method, status, content type and body schema. */
export function checkAgainstOpenApi(method: string, url: string, status: number, contentType: string | null, body: unknown): void {
  const path = new URL(url).pathname;
  const match = templates.find((t) => t.pattern.test(path));
  expect(match, `undocumented path ${path}`).toBeDefined();
  const operation = doc.paths[match!.template]![method.toLowerCase()];
  expect(operation, `undocumented operation ${method} ${match!.template}`).toBeDefined();
  const response = operation!.responses[String(status)];
  expect(response, `undocumented status ${status} of ${method} ${match!.template}`).toBeDefined();
  if (response!.content === undefined || status === 304 || status === 204) return;
  const type = (contentType ?? '').split(';')[0]!.trim();
  const media = response!.content[type];
  expect(media, `undocumented content type ${type} for ${status} of ${method} ${match!.template}`).toBeDefined();
  if (!type.endsWith('json')) return;
  const key = `${method} ${match!.template} ${status} ${type}`;
  let validate = validators.get(key);
  if (validate === undefined) {
    validate = ajv.compile(rebase(media!.schema) as Json);
    validators.set(key, validate);
  }
  const valid = validate(body);
  expect(valid, `${key}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body).slice(0, 500)}`).toBe(true);
}

// ---- A server over an in-memory store ---------------------------------------------------------

export interface Reply<T = unknown> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface TestServer {
  url: string;
  /** What the app serves: one in-memory store, or the arrangement of stores the test asked for. */
  store: SuiteStore;
  context: AppContext;
  config: ServerConfig;
  server: http.Server;
  /** fetch + JSON, checked against the OpenAPI document. */
  call<T = any>(method: string, path: string, options?: { body?: unknown; raw?: string | Buffer; type?: string; headers?: Record<string, string> }): Promise<Reply<T>>;
  get<T = any>(path: string, headers?: Record<string, string>): Promise<Reply<T>>;
  close(): Promise<void>;
}

export interface TestServerOptions {
  config?: ConfigInput;
  items?: BatchItem[];
  exchangeRates?: ExchangeRateSource;
  logger?: Logger;
  /** The stores to serve (any arrangement behind the engine's reader and writer); default: one in-memory store. */
  stores?: StoreFactory;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const base = defaultConfig();
  const config = validateConfig({
    ...base,
    ...options.config,
    port: 0,
    limits: { ...base.limits, ...options.config?.limits },
    cache: { ...base.cache, ...options.config?.cache },
    uploads: { ...base.uploads, ...options.config?.uploads },
    shutdown: { ...base.shutdown, ...options.config?.shutdown },
    auth: { ...base.auth, ...options.config?.auth } as ServerConfig['auth'],
    cors: { ...base.cors, ...options.config?.cors },
    currency: { ...base.currency, ...options.config?.currency }
  } as ServerConfig);
  const store: SuiteStore = options.stores === undefined ? new Ratestore({ memory: true, maxRangeDays: config.maxRangeDays }) : await options.stores.open({ maxRangeDays: config.maxRangeDays });
  if (store instanceof Ratestore) await store.open();
  if (options.items !== undefined) await store.write(options.items, { batchId: 'fixture' });
  const { app, context } = createApp(store, config, {
    logger: options.logger ?? createLogger('silent'),
    defaultMetrics: false,
    ...(options.exchangeRates === undefined ? {} : { exchangeRates: options.exchangeRates })
  });
  context.lifecycle.state = 'ready';
  const server = createHttpServer(app, context.logger).listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call = async (method: string, path: string, opts: { body?: unknown; raw?: string | Buffer; type?: string; headers?: Record<string, string> } = {}) => {
    const headers: Record<string, string> = { ...opts.headers };
    let body: string | Buffer | undefined;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= opts.type ?? 'application/json';
    } else if (opts.raw !== undefined) {
      body = opts.raw;
      if (opts.type !== undefined) headers['content-type'] = opts.type;
    }
    const response = await fetch(url + path, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    const contentType = response.headers.get('content-type');
    const parsed = contentType !== null && /json/.test(contentType) && text !== '' ? JSON.parse(text) : text;
    checkAgainstOpenApi(method, url + path, response.status, contentType, parsed);
    if (contentType !== null && contentType.startsWith('application/problem+json')) {
      expect(parsed.status).toBe(response.status);
      expect(parsed.code).toMatch(/^RATESTORE_[A-Z_]+$/);
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  };
  return {
    url,
    store,
    context,
    config,
    server,
    call,
    get: (path, headers) => call('GET', path, headers === undefined ? {} : { headers }),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await (options.stores === undefined ? store.close() : options.stores.cleanup());
    }
  };
}

/** A test server for the enclosing `describe`: started before its tests, closed after them. */
export function useTestServer(options: Parameters<typeof startTestServer>[0] = {}): () => TestServer {
  let server: TestServer | undefined;
  beforeAll(async () => {
    server = await startTestServer(options);
  });
  afterAll(() => server?.close());
  return () => server!;
}

/** A logger that keeps what it logs, parsed, in `lines` (and as written, in `text()`). */
export function captureLogger(level = 'info'): { logger: Logger; lines: Array<Record<string, unknown>>; text(): string } {
  const written: string[] = [];
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger(level, new Writable({
    write(chunk: Buffer, _encoding, done) {
      written.push(chunk.toString());
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    }
  }));
  return { logger, lines, text: () => written.join('') };
}

/** A small world: two nested regions and three ports. */
export function world(): BatchItem[] {
  return [
    { type: 'region', slug: 'europe', name: 'Europe' },
    { type: 'region', slug: 'north_europe', name: 'North Europe', parent: 'europe' },
    { type: 'region', slug: 'china', name: 'China' },
    { type: 'port', code: 'NLRTM', name: 'Rotterdam', region: 'north_europe' },
    { type: 'port', code: 'DEHAM', name: 'Hamburg', region: 'north_europe' },
    { type: 'port', code: 'CNSGH', name: 'Shanghai', region: 'china' }
  ];
}

export function prices(origin: string, destination: string, day: string, values: number[]): BatchItem[] {
  return values.map((price) => ({ origin, destination, day, price }));
}

/**
 * A request whose body is written piece by piece with pauses; resolves with the response.
 * `agent: false`: a connection of its own, closed afterwards.
 */
export function slowRequest(url: string, options: { method: string; headers?: Record<string, string>; pieces: string[]; pauseMs: number; onSent?: (index: number) => void }): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method, headers: options.headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    let i = 0;
    const next = () => {
      if (i === options.pieces.length) {
        req.end();
        return;
      }
      req.write(options.pieces[i]!);
      options.onSent?.(i);
      i++;
      setTimeout(next, options.pauseMs);
    };
    next();
  });
}
