/**
 * The contract (`@ratestore/core/contract`): what the engine, the server and both clients agree on.
 * Each rule is stated once; these tests hold it to what the README and the guide say.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NODE_GLOBALS, runtimeGraph } from '@ratestore/test-support/module-graph';
import {
  BATCH_ID_PATTERN, ERROR_CODES, batchFromWire, batchToWire, codesWith, commitFromWire, commitToWire, committedUploadToWire, dailyAveragesFromWire,
  dailyAveragesToWire, fieldOf, formatDay, httpAnswers, httpStatusOf, isBatchId, parameterOf, parseDay, problemFromWire, ratesFromWire,
  ratesQueryToWire, ratesToWire, revertFromWire, revertToWire, roundAverage, stagedUploadToWire, uploadFromWire, versionQueryToWire, type BatchInfo
} from '../src/contract/index.js';
import { httpStatusOf as mainHttpStatusOf, roundAverage as mainRoundAverage } from '../src/index.js';

const SRC = resolve(fileURLToPath(import.meta.url), '../../src');
const CONTRACT = resolve(SRC, 'contract');

describe('the contract is dependency-free and browser-safe', () => {
  it('imports only its own modules at run time, and uses no Node global', () => {
    for (const [file, { specifiers, code }] of runtimeGraph(resolve(CONTRACT, 'index.ts'))) {
      expect(file.startsWith(CONTRACT + '/'), file).toBe(true);
      for (const specifier of specifiers) expect(specifier, `${file} imports ${specifier}`).toMatch(/^\.\/[a-z-]+\.js$/);
      expect(code, `${file} uses a Node global`).not.toMatch(NODE_GLOBALS);
    }
  });

  it('the engine loads only its HTTP-free parts: batch ids, days, the percentiles rule and results', () => {
    const used = new Set<string>();
    for (const [file] of runtimeGraph(resolve(SRC, 'store.ts'))) if (file.startsWith(CONTRACT + '/')) used.add(file.slice(CONTRACT.length + 1));
    expect([...used].sort()).toEqual(['batch-id.ts', 'dates.ts', 'percentiles.ts', 'results.ts']);
  });

  it('the main entry keeps httpStatusOf and roundAverage, the contract\'s own', () => {
    expect(mainHttpStatusOf).toBe(httpStatusOf);
    expect(mainRoundAverage).toBe(roundAverage);
  });
});

describe('error codes', () => {
  it('answers every engine and server code with its status; a read of a folded version is a bad asOf', () => {
    const statuses = Object.fromEntries(codesWith('status').map((code) => [code, httpStatusOf({ code })]));
    expect(statuses).toMatchObject({
      RATESTORE_INVALID_ARGUMENT: 400, RATESTORE_INVALID_BATCH: 422, RATESTORE_EMPTY_BATCH: 422, RATESTORE_UNKNOWN_BATCH: 404, RATESTORE_BATCH_COMMITTED: 409,
      RATESTORE_VERSION_NOT_RETAINED: 409, RATESTORE_LOG_MISMATCH: 409, RATESTORE_NOT_OPEN: 503, RATESTORE_MISSING_PARAMETER: 400, RATESTORE_UNAUTHORIZED: 401,
      RATESTORE_HEADERS_TOO_LARGE: 431, RATESTORE_INTERNAL: 500, RATESTORE_LOG_UNAVAILABLE: 503, RATESTORE_NOT_CAUGHT_UP: 503
    });
    expect(httpStatusOf({ code: 'RATESTORE_VERSION_NOT_RETAINED', field: 'asOf' })).toBe(400);
    expect(httpStatusOf({ code: 'RATESTORE_VERSION_NOT_RETAINED', field: 'batchId' })).toBe(409);
    expect(httpStatusOf({ code: 'RATESTORE_SOMETHING_NEWER' })).toBe(400);
  });

  it('every code raised over HTTP has a status, and every status it is answered with is documented', () => {
    for (const code of codesWith('engine')) expect(ERROR_CODES[code], code).toHaveProperty('status');
    const answered = new Map<string, number[]>();
    for (const answer of httpAnswers()) for (const code of answer.codes) answered.set(code, [...(answered.get(code) ?? []), answer.status]);
    // An engine code the server answers is documented at the status httpStatusOf gives it.
    for (const code of codesWith('engine')) if (answered.has(code)) expect(answered.get(code), code).toContain(httpStatusOf({ code }));
    expect(answered.get('RATESTORE_VERSION_NOT_RETAINED')).toEqual([400, 409]);
    // Item codes are answered under their own code when a request's members make one item.
    expect(answered.get('RATESTORE_REGION_CYCLE')).toEqual([400, 422]);
  });

  it('lists the HTTP answers by status', () => {
    const statuses = httpAnswers().map((answer) => answer.status);
    expect(statuses).toEqual([...statuses].sort((a, b) => a - b));
  });
});

describe('batch ids', () => {
  it('are 1-128 characters of A-Z a-z 0-9 . _ : -', () => {
    for (const id of ['a', 'x'.repeat(128), 'feed-2016-01-01', 'import:postgres:v1', 'A.b_C:d-E']) expect(isBatchId(id), id).toBe(true);
    for (const id of ['', 'x'.repeat(129), 'no spaces', 'a/b', 'ä', 'a\n', 42, undefined, null]) expect(isBatchId(id), String(id)).toBe(false);
    expect(BATCH_ID_PATTERN.source).toBe('^[A-Za-z0-9._:-]{1,128}$');
  });
});

describe('days', () => {
  it('parses strict calendar dates between 1900 and 2999, and formats them back', () => {
    expect(parseDay('1900-01-01')).toBe(0);
    expect(formatDay(parseDay('2999-12-31')!)).toBe('2999-12-31');
    expect(formatDay(parseDay('2016-02-29')!)).toBe('2016-02-29');
    for (const text of ['1899-12-31', '3000-01-01', '2016-02-30', '2015-02-29', '2016-1-1', '2016-01-01T00:00:00Z', ' 2016-01-01', 'yesterday', '', 20160101, null]) {
      expect(parseDay(text), String(text)).toBeUndefined();
    }
    expect(parseDay('2016-03-01')! - parseDay('2016-02-28')!).toBe(2);
  });
});

describe('names on the wire', () => {
  it('maps fields to parameters and back; other names are the same on the wire', () => {
    for (const [field, parameter] of [['dateFrom', 'date_from'], ['dateTo', 'date_to'], ['minCount', 'min_count'], ['asOf', 'as_of'], ['minVersion', 'min_version'], ['batchId', 'batch_id']]) {
      expect(parameterOf(field!)).toBe(parameter);
      expect(fieldOf(parameter!)).toBe(field);
    }
    expect(parameterOf('origin')).toBe('origin');
    expect(fieldOf('code')).toBe('code');
    // The path segment that names a batch.
    expect(fieldOf('id')).toBe('batchId');
  });

  it('writes a rates query as the HTTP API names its parameters, leaving out absent options', () => {
    const query = { dateFrom: '2016-01-01', dateTo: '2016-01-10', origin: 'CNSGH', destination: 'china_main' };
    expect(ratesQueryToWire(query)).toEqual({ date_from: '2016-01-01', date_to: '2016-01-10', origin: 'CNSGH', destination: 'china_main' });
    expect(ratesQueryToWire({ ...query, minCount: 1, asOf: 0, minVersion: 7 })).toMatchObject({ min_count: 1, as_of: 0, min_version: 7 });
    expect(versionQueryToWire({})).toEqual({});
    expect(versionQueryToWire({ asOf: 3, minVersion: undefined })).toEqual({ as_of: 3 });
    expect(versionQueryToWire({ minVersion: 9 })).toEqual({ min_version: 9 });
  });
});

describe('results on the wire', () => {
  const commit = { batchId: 'b1', version: 7, counts: { prices: 10, ports: 1, regions: 2 }, committedAt: '2016-01-01T00:00:00.000Z' };

  it('writes results in snake_case and reads them back as they were', () => {
    expect(commitToWire(commit)).toEqual({ batch_id: 'b1', version: 7, counts: { prices: 10, ports: 1, regions: 2 }, committed_at: '2016-01-01T00:00:00.000Z' });
    expect(commitFromWire(commitToWire(commit))).toEqual(commit);
    const info: BatchInfo = { ...commit, revertedBy: 9, revertible: false };
    expect(batchToWire(info)).toEqual({ ...commitToWire(commit), reverted_by: 9, revertible: false });
    expect(batchFromWire(batchToWire(info))).toEqual(info);
    const revert = { batchId: 'b1', revertedVersion: 7, version: 9, revertedAt: '2016-01-02T00:00:00.000Z' };
    expect(revertToWire(revert)).toEqual({ batch_id: 'b1', reverted_version: 7, version: 9, reverted_at: '2016-01-02T00:00:00.000Z' });
    expect(revertFromWire(revertToWire(revert))).toEqual(revert);
    const staged = { batchId: 'u1', createdAt: '2016-01-01T00:00:00.000Z', chunks: [0, 2], items: 30 };
    expect(stagedUploadToWire(staged)).toEqual({ batch_id: 'u1', state: 'staged', created_at: '2016-01-01T00:00:00.000Z', chunks: [0, 2], items: 30 });
    expect(uploadFromWire(stagedUploadToWire(staged))).toEqual({ state: 'staged', batchId: 'u1', createdAt: staged.createdAt, chunks: [0, 2] });
    expect(uploadFromWire(committedUploadToWire(commit))).toEqual({ state: 'committed', batchId: 'b1', result: commit });
  });

  it('keeps what the engine holds besides off the wire (a batch\'s fingerprint, members it may gain)', () => {
    const wire = batchToWire({ ...commit, revertedBy: null, revertible: true, fingerprint: 'sha256:…' } as BatchInfo);
    expect(Object.keys(wire).sort()).toEqual(['batch_id', 'committed_at', 'counts', 'reverted_by', 'revertible', 'version']);
    expect(commitToWire({ ...commit, counts: { ...commit.counts, extra: 1 } as never }).counts).toEqual(commit.counts);
  });

  it('writes rates with the query the engine took, and the original API\'s rounded averages', () => {
    const rows = [
      { day: '2016-01-01', average: 1112.5, count: 4, min: 1000, max: 1300 },
      { day: '2016-01-02', average: null, count: 1, min: 5, max: 5 }
    ];
    const wire = ratesToWire({ origin: 'CNSGH', destination: 'north_europe', dateFrom: '2016-01-01', dateTo: '2016-01-02', minCount: 3 }, { version: 7, rows });
    expect(wire).toEqual({ version: 7, origin: 'CNSGH', destination: 'north_europe', date_from: '2016-01-01', date_to: '2016-01-02', min_count: 3, rows });
    expect(ratesFromWire(wire)).toEqual({ version: 7, rows });
    expect(dailyAveragesToWire(rows)).toEqual([{ day: '2016-01-01', average_price: 1113 }, { day: '2016-01-02', average_price: null }]);
    expect(dailyAveragesFromWire(dailyAveragesToWire(rows))).toEqual([{ day: '2016-01-01', averagePrice: 1113 }, { day: '2016-01-02', averagePrice: null }]);
  });
});

describe('roundAverage (the original rates API\'s rounding)', () => {
  it('rounds to whole dollars with halves up', () => {
    expect([1112.49, 1112.5, 1112.51, 0.5, 1].map(roundAverage)).toEqual([1112, 1113, 1113, 1, 1]);
  });

  it('treats float noise below a millionth as the exact value', () => {
    // (1112.25 + 1112.75) / 2 computed through cents can land a hair below .5.
    expect(roundAverage(1112.4999999999)).toBe(1113);
    expect(roundAverage(1112.4999)).toBe(1112);
  });
});

describe('problem documents', () => {
  it('reads back the code, the parameter with its field, the request id and a rejected batch\'s issues', () => {
    const issues = [{ index: 4, field: 'day', code: 'RATESTORE_INVALID_DATE', reason: 'bad day' }, { index: 0, chunk: 2, field: '', code: 'RATESTORE_NEWER_ITEM_CODE', reason: 'x' }];
    expect(problemFromWire({ type: 'urn:ratestore:problem:RATESTORE_INVALID_BATCH', status: 422, code: 'RATESTORE_INVALID_BATCH', detail: 'bad', request_id: 'r1', issues, issue_count: 7 })).toEqual({
      code: 'RATESTORE_INVALID_BATCH', detail: 'bad', parameter: undefined, field: undefined, requestId: 'r1', issues, issueCount: 7
    });
    expect(problemFromWire({ code: 'RATESTORE_INVALID_DATE', parameter: 'date_from' })).toMatchObject({ parameter: 'date_from', field: 'dateFrom', detail: undefined, issues: undefined });
    expect(problemFromWire({ code: 'RATESTORE_INVALID_BATCH', issues: [] })).toMatchObject({ issues: [], issueCount: 0 });
  });

  it('is no problem document without a string code', () => {
    for (const body of [null, undefined, 'text', [], {}, { code: 42 }, { detail: 'no code' }]) expect(problemFromWire(body), JSON.stringify(body)).toBeUndefined();
  });
});
