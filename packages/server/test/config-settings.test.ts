/**
 * Was a bug: a setting the server does not know in a configuration file was ignored without a
 * word (`"prot": 8080` served on 3000). It is refused, naming it and the nearest known one.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';
import { cli } from './helpers/cli.js';
import { tempDir } from './helpers/ratestask-dump.js';

const files = tempDir();
afterAll(() => files.cleanup());

describe('a configuration file with a setting the server does not know', () => {
  // Was a bug: unknown settings were ignored without a word (`"prot": 8080` served on 3000).
  it('is refused, naming the setting and the nearest known one', () => {
    const cases: Array<[unknown, string]> = [
      [{ prot: 8080 }, 'unknown setting "prot"; did you mean "port"?'],
      [{ limits: { jsonBodyByte: 5 } }, 'unknown setting "limits.jsonBodyByte"; did you mean "limits.jsonBodyBytes"?'],
      [{ auth: { keys: [{ key: 'abcd', scope: ['read'] }] } }, 'unknown setting "auth.keys[0].scope"; did you mean "auth.keys[0].scopes"?'],
      [{ currency: { appid: 'x' } }, 'unknown setting "currency.appid"; did you mean "currency.appId"?'],
      [{ uploads: { concurrency: 2, retries: 3 } }, 'unknown setting "uploads.retries"; the settings of uploads are concurrency, queue, retryAfterSeconds'],
      [{ colour: 'red' }, 'unknown setting "colour"; the settings are host, port, data, memory, maxRangeDays, percentileSketches, commitWorkers, limits, cache, uploads, shutdown, auth, cors, allowedHosts, currency, cluster, logLevel']
    ];
    for (const [content, message] of cases) {
      const file = files.file('config.json', JSON.stringify(content));
      expect(() => loadConfig({ env: {}, file })).toThrow(new ConfigError(`config file ${file}: ${message}`));
    }
    // Every setting the guide shows is known.
    const full = {
      host: '127.0.0.1', port: 3000, data: './data', memory: false, maxRangeDays: 366, percentileSketches: true, commitWorkers: 0,
      limits: { jsonBodyBytes: 1048576, batchBodyBytes: 536870912, batchItems: 10000000, postRangeDays: 3660 },
      cache: { control: 'public, max-age=0, must-revalidate', entries: 10000 },
      uploads: { concurrency: 2, queue: 32, retryAfterSeconds: 5 },
      shutdown: { deadlineMs: 30000, drainDelayMs: 0 },
      auth: { readsNeedKey: false, keys: [{ key: 's3cr3t', scopes: ['read'], name: 'ops', rateLimit: { requests: 100, perSeconds: 1 } }] },
      cors: { origins: ['https://app.example.com'] },
      currency: { ratesFile: '/etc/ratestore/rates.json', appId: null, endpoint: 'https://openexchangerates.org/api', cacheSeconds: 3600 },
      logLevel: 'info'
    };
    expect(loadConfig({ env: {}, file: files.file('full.json', JSON.stringify(full)) }).port).toBe(3000);
  });

  it('takes commitWorkers from 0 to 64 and refuses others', () => {
    expect(loadConfig({ env: {}, file: files.file('two.json', JSON.stringify({ commitWorkers: 2 })) }).commitWorkers).toBe(2);
    expect(loadConfig({ env: {} }).commitWorkers).toBe(0);
    for (const [commitWorkers, message] of [[65, 'commitWorkers must be at most 64, got 65'], [-1, 'commitWorkers must be an integer of at least 0, got -1'], [1.5, 'commitWorkers must be an integer of at least 0, got 1.5']] as const) {
      const file = files.file('bad.json', JSON.stringify({ commitWorkers }));
      expect(() => loadConfig({ env: {}, file })).toThrow(message);
    }
  });

  // Was a bug: an unknown level reached pino, and serve failed with RATESTORE_INTERNAL.
  it('takes pino\'s log levels and refuses others, from the file, the environment and --log-level', async () => {
    expect(loadConfig({ env: { RATESTORE_LOG_LEVEL: 'warn' } }).logLevel).toBe('warn');
    const message = 'logLevel must be one of fatal, error, warn, info, debug, trace, silent, got "loud"';
    expect(() => loadConfig({ env: {}, file: files.file('loud.json', JSON.stringify({ logLevel: 'loud' })) })).toThrow(message);
    expect(() => loadConfig({ env: { RATESTORE_LOG_LEVEL: 'loud' } })).toThrow(message);
    expect(await cli(['serve', '--memory', '--port', '0', '--log-level', 'loud'])).toEqual({ code: 1, stdout: '', stderr: `error RATESTORE_CONFIG: ${message}\n` });
  });

  // Was a bug: the guide's example writes `"appId": null`, which chose openexchangerates.org with the
  // app id "null" over the rates file; and a rates file that was not there started the server,
  // whose first conversion then answered 500.
  it('takes a null or empty currency.appId as none, and refuses to start on a rates file it cannot use', async () => {
    const rates = files.file('rates.json', JSON.stringify({ base: 'USD', date: '2026-01-01', rates: { EUR: 0.5 } }));
    const withFile = loadConfig({ env: {}, file: files.file('nullid.json', JSON.stringify({ currency: { ratesFile: rates, appId: null } })) });
    expect(withFile.currency).not.toHaveProperty('appId');
    expect(loadConfig({ env: {}, file: files.file('emptyid.json', JSON.stringify({ currency: { appId: '' } })) }).currency).not.toHaveProperty('appId');
    expect(() => loadConfig({ env: {}, file: files.file('numid.json', JSON.stringify({ currency: { appId: 5 } })) })).toThrow('currency.appId must be a string, got 5');
    const missing = await cli(['serve', '--memory', '--port', '0'], { env: { RATESTORE_EXCHANGE_RATES_FILE: '/nonexistent/rates.json' } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error RATESTORE_CONFIG: currency\.ratesFile: cannot use \/nonexistent\/rates\.json: ENOENT/);
    const bad = await cli(['serve', '--memory', '--port', '0'], { env: { RATESTORE_EXCHANGE_RATES_FILE: files.file('eur.json', JSON.stringify({ base: 'EUR', rates: {} })) } });
    expect(bad.stderr).toMatch(/^error RATESTORE_CONFIG: currency\.ratesFile: cannot use .*the base must be USD/);
  });

  it('ratestore serve says so with RATESTORE_CONFIG, exit 1', async () => {
    const file = files.file('typo.json', '{"prot": 8080}');
    const run = await cli(['serve', '--memory', '--port', '0', '--config', file]);
    expect(run).toEqual({ code: 1, stdout: '', stderr: `error RATESTORE_CONFIG: config file ${file}: unknown setting "prot"; did you mean "port"?\n` });
  });
});

