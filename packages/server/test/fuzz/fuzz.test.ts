import { writeFileSync } from 'node:fs';
import http from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { world } from '../helpers.js';
import { tempDir } from '../helpers/ratestask-dump.js';
import { startServerProcess, type ServerProcess } from '../server-process.js';
import { documentedCodes, problemsOf, type Answer } from './oracle.js';
import { KEYS, LIMITS, pathRequest, rawRequest, readRequest, writeRequest, type FuzzRequest } from './requests.js';

/**
 * The fuzz suite: generated requests against a real `ratestore serve` process (see requests.ts for
 * what is generated, oracle.ts for what every answer must be). Bounded for `npm test`; a longer run
 * is `npm run fuzz -- --cases 100000 --seed N` (docs/reliability.md).
 */
const CASES = Number(process.env.RATESTORE_FUZZ_CASES ?? 6000);
const SEED = Number(process.env.RATESTORE_FUZZ_SEED ?? 20261203);
/** Shares of the cases, per kind of request. */
const SHARE = { reads: 0.35, paths: 0.15, writes: 0.4, raw: 0.1 };
const runs = (kind: keyof typeof SHARE) => Math.max(1, Math.round(CASES * SHARE[kind]));
/** Generous: a case takes a few milliseconds; a failing one shrinks, which takes more. */
const timeout = (kind: keyof typeof SHARE) => 120_000 + runs(kind) * 100;

const files = tempDir();
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
let server: ServerProcess;
const codes = documentedCodes();
/** Answers seen, by status and code, for the report. */
const seen = new Map<string, number>();

function send(request: FuzzRequest): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // The path as generated: a URL would resolve its dot segments.
    const req = http.request({ host: '127.0.0.1', port: server.port, path: request.path, method: request.method, headers: request.headers, agent, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('no answer in 30 s')));
    req.on('error', reject);
    req.end(request.body);
  });
}

/** Sends bytes on a connection of their own and reads the first answer (none when the server only closes it). */
function sendRaw(bytes: Buffer): Promise<Answer | undefined> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, '127.0.0.1', () => socket.end(bytes));
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer in 10 s')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' || error.code === 'EPIPE' ? undefined : reject(error)));
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const head = /^HTTP\/1\.[01] (\d{3})[^\r\n]*\r\n([\s\S]*?)\r\n\r\n/.exec(text);
      if (head === null) return resolve(undefined);
      const length = Number(/^content-length: *(\d+)/im.exec(head[2]!)?.[1] ?? 0);
      const body = Buffer.from(text.slice(head[0].length), 'latin1').subarray(0, length).toString();
      resolve({ status: Number(head[1]), contentType: /^content-type: *([^\r\n]*)/im.exec(head[2]!)?.[1] ?? '', body });
    });
  });
}

async function version(): Promise<number> {
  const readyz = await send({ method: 'GET', path: '/readyz', headers: {} });
  return (JSON.parse(readyz.body) as { version: number }).version;
}

function note(answer: Answer | undefined): void {
  let code = '';
  if (answer !== undefined && answer.status >= 400) {
    try {
      code = ` ${(JSON.parse(answer.body) as { code: string }).code}`;
    } catch {
      code = ' (no document)';
    }
  }
  const key = answer === undefined ? 'no answer' : `${answer.status}${code}`;
  seen.set(key, (seen.get(key) ?? 0) + 1);
}

/** One request, checked: its answer by the oracle, and the data version unless it was accepted. */
async function check(request: FuzzRequest): Promise<void> {
  const writes = request.method !== 'GET' && request.method !== 'HEAD';
  const before = writes ? await version() : 0;
  const answer = await send(request);
  note(answer);
  const problems = problemsOf(request, answer, codes);
  if (problems.length > 0) throw new Error(`${request.method} ${request.path.slice(0, 300)}: ${problems.join('; ')}`);
  if (writes && answer.status >= 400) expect(await version(), `a rejected ${request.method} ${request.path.slice(0, 200)} changed the data version`).toBe(before);
}

/**
 * fc.assert, with a report that stays readable: generated bodies and URLs run to tens of KiB, so the
 * counterexample is cut short (its seed and path reproduce it whole).
 */
async function holds<T>(arbitrary: fc.Arbitrary<T>, predicate: (value: T) => Promise<void>, numRuns: number, seed: number): Promise<void> {
  const details = await fc.check(fc.asyncProperty(arbitrary, predicate), { numRuns, seed, endOnFailure: true });
  if (!details.failed) return;
  const cut = (text: string) => (text.length > 300 ? `${text.slice(0, 300)}... (${text.length} characters)` : text);
  const shown = JSON.stringify(details.counterexample, (_key, value: unknown) => {
    if ((value as { type?: string })?.type === 'Buffer') return cut(`bytes: ${Buffer.from((value as { data: number[] }).data).toString('latin1')}`);
    return typeof value === 'string' ? cut(value) : value;
  });
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(`property failed after ${details.numRuns} cases (seed ${seed}, path "${details.counterexamplePath}"):\n${error.slice(0, 3000)}\ncounterexample: ${shown.slice(0, 3000)}`);
}

describe('fuzz: generated requests against a real server process', () => {
  beforeAll(async () => {
    const config = join(files.dir, 'config.json');
    writeFileSync(config, JSON.stringify({
      limits: LIMITS,
      uploads: { concurrency: 2, queue: 8, retryAfterSeconds: 1 },
      auth: { readsNeedKey: false, keys: [
        { key: KEYS.admin, scopes: ['read', 'write', 'admin'], name: 'admin' },
        { key: KEYS.writer, scopes: ['read', 'write'], name: 'writer' },
        { key: KEYS.reader, scopes: ['read'], name: 'reader' }
      ] }
    }));
    server = await startServerProcess({ args: ['--config', config] });
    const prices = ['2016-01-01', '2016-01-02', '2016-02-01'].flatMap((day) => [100, 200, 300].map((price) => ({ origin: 'CNSGH', destination: 'NLRTM', day, price })));
    const seeded = await send({ method: 'POST', path: '/v1/batches', headers: { 'content-type': 'application/json', authorization: `Bearer ${KEYS.admin}` }, body: Buffer.from(JSON.stringify([...world(), ...prices])) });
    expect(seeded.status).toBe(201);
    console.log(`fuzz: ${CASES} cases, seed ${SEED} (RATESTORE_FUZZ_CASES, RATESTORE_FUZZ_SEED; npm run fuzz -- --cases N --seed N)`);
  });

  afterAll(async () => {
    agent.destroy();
    await server?.stop();
    files.cleanup();
    const table = [...seen].sort((a, b) => b[1] - a[1]).map(([key, count]) => `${String(count).padStart(7)}  ${key}`);
    console.log(`fuzz: answers by status and code\n${table.join('\n')}`);
  });

  it('reads: generated query strings and headers on every read route', async () => {
    await holds(readRequest, check, runs('reads'), SEED);
  }, timeout('reads'));

  it('paths: any method on generated paths (escapes that do not decode, dots, long and empty segments)', async () => {
    await holds(pathRequest, check, runs('paths'), SEED + 1);
  }, timeout('paths'));

  it('writes: bodies in every format, with malformed ones, on every write route; rejected ones write nothing', async () => {
    await holds(writeRequest, check, runs('writes'), SEED + 2);
  }, timeout('writes'));

  it('raw bytes: what Node\'s HTTP parser refuses is answered as a problem document, or the connection closed', async () => {
    await holds(rawRequest, async (bytes) => {
      const answer = await sendRaw(bytes);
      note(answer);
      const problems = answer === undefined ? [] : problemsOf({ method: 'RAW', path: '' }, answer, codes);
      if (problems.length > 0) throw new Error(`${JSON.stringify(bytes.toString('latin1').slice(0, 200))}: ${problems.join('; ')}`);
    }, runs('raw'), SEED + 3);
  }, timeout('raw'));

  it('the server is still up, and logged no error', async () => {
    expect((await send({ method: 'GET', path: '/healthz', headers: {} })).status).toBe(200);
    expect(server.process.exitCode).toBeNull();
    const errors = server.lines.filter((line) => Number(line.level) >= 50);
    expect(errors.map((line) => JSON.stringify(line).slice(0, 500))).toEqual([]);
  });
});
