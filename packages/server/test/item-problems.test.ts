/**
 * Was a bug: each bad item reported only its first problem. Over HTTP and in `ratestore import`,
 * every problem of an item is an entry of its own, `{index, chunk?, field, code, reason}`, and
 * `issue_count` counts them all.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/ratestask-dump.js';
import { useTestServer, world } from './helpers.js';

const body = [
  '{"origin":"CNSGH","destination":"NLRTM","day":"2016-01-01","price":5}',
  '{"origin":"cnsgh","destination":"NLRTM","day":"2016-02-30","price":1.001}',
  '{"origin":"ZZZZZ","destination":"YYYYY","day":"2016-01-01","price":5}'
].join('\n') + '\n';
const entries = [
  '1:origin:RATESTORE_INVALID_FIELD', '1:day:RATESTORE_INVALID_DATE', '1:price:RATESTORE_INVALID_PRICE',
  '2:origin:RATESTORE_UNKNOWN_PORT', '2:destination:RATESTORE_UNKNOWN_PORT'
];

describe('every problem of a bad item', () => {
  const server = useTestServer({ items: world() });
  const files = tempDir();
  afterAll(() => files.cleanup());

  it('POST /v1/batches and an upload chunk: one issue entry per problem, issue_count counts them', async () => {
    const t = server();
    const r = await t.call('POST', '/v1/batches', { raw: body, type: 'application/x-ndjson' });
    expect(r.status).toBe(422);
    expect(r.body.issues.map((issue: { index: number; field: string; code: string }) => `${issue.index}:${issue.field}:${issue.code}`)).toEqual(entries);
    expect(r.body.issue_count).toBe(entries.length);
    for (const issue of r.body.issues) expect(Object.keys(issue).sort()).toEqual(['code', 'field', 'index', 'reason']);

    expect((await t.call('POST', '/v1/uploads', { body: { batch_id: 'problems' } })).status).toBe(201);
    const chunk = await t.call('PUT', '/v1/uploads/problems/chunks/3', { raw: body.split('\n').slice(0, 2).join('\n'), type: 'application/x-ndjson' });
    expect(chunk.status).toBe(422);
    expect(chunk.body.issues).toEqual(entries.slice(0, 3).map((entry) => {
      const [index, field, code] = entry.split(':');
      return { index: Number(index), chunk: 3, field, code, reason: expect.any(String) };
    }));
  });

  it('ratestore import prints one line per problem and counts them', async () => {
    const data = `${files.dir}/data`;
    const seed = files.file('world.ndjson', world().map((item) => JSON.stringify(item)).join('\n'));
    expect((await cli(['import', seed, '--data', data])).code).toBe(0);
    const run = await cli(['import', files.file('bad.ndjson', body), '--data', data]);
    expect(run.code).toBe(1);
    const lines = run.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/bad\.ndjson was rejected: 5 problems in its items; nothing written$/);
    expect(lines.slice(1).map((line) => /^ {2}item (\d+) \(line \d+\): (\w+) (\w+): /.exec(line)!.slice(1).join(':'))).toEqual(entries);
  });
});
