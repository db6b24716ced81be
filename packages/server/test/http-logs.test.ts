import { describe, expect, it } from 'vitest';
import { redactUrl } from '../src/logger.js';
import { captureLogger, startTestServer, world } from './helpers.js';

describe('secrets in logs', () => {
  it('credentials in a query string are [REDACTED] in the access log; keys sent in Authorization never appear', async () => {
    const { logger, lines, text } = captureLogger();
    const t = await startTestServer({ items: world(), logger, config: { auth: { keys: [{ key: 'writer-secret-1', scopes: ['read', 'write'], name: 'writer' }], readsNeedKey: false } } });
    try {
      await t.get('/v1/ports?api_key=query-secret-2&as_of=1&access_token=query-secret-3');
      await t.get('/v1/ports?API-KEY=query-secret-4', { authorization: 'Bearer writer-secret-1' });
      await t.get('/v1/regions?token=query-secret-5&password=query-secret-6', { authorization: 'Bearer unknown-secret-7' });
      await t.call('PUT', '/v1/regions/asia?app_id=query-secret-8', { body: { name: 'Asia' }, headers: { authorization: 'Bearer writer-secret-1' } });
    } finally {
      await t.close();
    }
    const access = lines.filter((line) => line.msg === 'request').map((line) => line.url);
    expect(access).toEqual([
      '/v1/ports?api_key=[REDACTED]&as_of=1&access_token=[REDACTED]',
      '/v1/ports?API-KEY=[REDACTED]',
      '/v1/regions?token=[REDACTED]&password=[REDACTED]',
      '/v1/regions/asia?app_id=[REDACTED]'
    ]);
    expect(text()).not.toMatch(/secret-\d/);
  });

  it('redactUrl keeps everything else as it came', () => {
    expect(redactUrl('/rates?date_from=2016-01-01&origin=CNSGH')).toBe('/rates?date_from=2016-01-01&origin=CNSGH');
    expect(redactUrl('/rates')).toBe('/rates');
    expect(redactUrl('/rates?api%5Fkey=x&key&%ZZ=1&Secret=y')).toBe('/rates?api%5Fkey=[REDACTED]&key&%ZZ=1&Secret=[REDACTED]');
  });

  it('headers that carry credentials are [REDACTED] wherever a logged object holds them', () => {
    const { logger, text } = captureLogger();
    logger.info({ headers: { authorization: 'Bearer h-secret-1', 'x-api-key': 'h-secret-2', accept: 'json' } }, 'one');
    logger.info({ req: { headers: { cookie: 'h-secret-3', 'proxy-authorization': 'h-secret-4' } } }, 'two');
    expect(text()).not.toMatch(/h-secret/);
    expect(text()).toMatch(/"accept":"json"/);
  });
});
