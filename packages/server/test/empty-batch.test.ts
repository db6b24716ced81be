/**
 * Was a bug: a batch without items committed a new version with nothing in it. Every write route
 * and `ratestore import` refuse it with RATESTORE_EMPTY_BATCH (422 over HTTP) and write nothing.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/ratestask-dump.js';
import { useTestServer, world } from './helpers.js';

describe('an empty batch over HTTP', () => {
  const server = useTestServer({ items: world() });

  it('POST /v1/batches: 422 RATESTORE_EMPTY_BATCH in every format, with or without a batch id', async () => {
    const t = server();
    const version = t.store.version;
    const bodies: Array<[string, string]> = [
      ['[]', 'application/json'], [' [ ]\n', 'application/json'], ['', 'application/x-ndjson'], ['\n\n', 'application/x-ndjson'],
      ['origin,destination,day,price\n', 'text/csv']
    ];
    for (const [raw, type] of bodies) {
      for (const headers of [{}, { 'idempotency-key': 'empty-post' }] as Array<Record<string, string>>) {
        const r = await t.call('POST', '/v1/batches', { raw, type, headers });
        expect([raw, r.status, r.body.code]).toEqual([raw, 422, 'RATESTORE_EMPTY_BATCH']);
      }
    }
    expect(t.store.version).toBe(version);
    expect(t.store.batch('empty-post')).toBeUndefined();
  });

  it('POST /v1/uploads/{id}/commit: 422 with nothing staged, or only empty chunks; the upload stays usable', async () => {
    const t = server();
    const version = t.store.version;
    expect((await t.call('POST', '/v1/uploads', { body: { batch_id: 'empty-upload' } })).status).toBe(201);
    expect((await t.call('POST', '/v1/uploads/empty-upload/commit')).body).toMatchObject({ status: 422, code: 'RATESTORE_EMPTY_BATCH' });
    expect((await t.call('PUT', '/v1/uploads/empty-upload/chunks/0', { raw: '', type: 'application/x-ndjson' })).body).toMatchObject({ chunk: 0, items: 0 });
    expect((await t.call('POST', '/v1/uploads/empty-upload/commit')).body).toMatchObject({ status: 422, code: 'RATESTORE_EMPTY_BATCH' });
    expect(t.store.version).toBe(version);
    const item = '{"origin":"CNSGH","destination":"NLRTM","day":"2016-01-01","price":5}\n';
    expect((await t.call('PUT', '/v1/uploads/empty-upload/chunks/1', { raw: item, type: 'application/x-ndjson' })).status).toBe(200);
    expect((await t.call('POST', '/v1/uploads/empty-upload/commit')).body).toMatchObject({ version: version + 1, counts: { prices: 1 } });
  });
});

describe('an empty file in ratestore import', () => {
  const files = tempDir();
  afterAll(() => files.cleanup());

  it('is refused with RATESTORE_EMPTY_BATCH naming the file, exit 1; the files after it are not imported', async () => {
    const data = `${files.dir}/data`;
    const empties = [
      files.file('header-only.csv', 'origin,destination,day,price\n'),
      files.file('blank.ndjson', '\n'),
      files.file('schema-only.sql', 'CREATE TABLE prices (orig_code text, dest_code text, day date, price integer);\n')
    ];
    const next = files.file('next.ndjson', '{"type":"region","slug":"asia","name":"Asia"}\n');
    for (const file of empties) {
      const run = await cli(['import', file, next, '--data', data]);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`error RATESTORE_EMPTY_BATCH: ${file} has no items (no prices, ports or regions); nothing written\n`);
      expect(run.stderr).toContain(`not imported (after the rejected file): ${next}`);
      const dry = await cli(['import', file, '--dry-run', '--data', data]);
      expect([dry.code, dry.stderr]).toEqual([1, expect.stringContaining('RATESTORE_EMPTY_BATCH')]);
    }
    // Nothing was written, and the store the first import made was removed again.
    expect((await cli(['batches', 'list', '--data', data])).stderr).toMatch(/^error RATESTORE_DATA_NOT_FOUND/);
  });
});
