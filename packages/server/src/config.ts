import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { DEFAULT_MAX_ITEM_CHARS } from './formats/index.js';
import { distance } from 'fastest-levenshtein';
import { DEFAULT_VERSION_WAIT_MS } from '@ratestore/core/contract';

export type Scope = 'read' | 'write' | 'admin';
export const SCOPES: readonly Scope[] = ['read', 'write', 'admin'];

export interface RateLimit {
  /** Requests allowed per window (also the burst). */
  requests: number;
  /** Window length in seconds. */
  perSeconds: number;
}

export interface ApiKey {
  key: string;
  scopes: Scope[];
  /** Optional name for logs and metrics; default: the key's first 4 characters and `…`. */
  name?: string;
  rateLimit?: RateLimit;
}

export interface ServerConfig {
  host: string;
  port: number;
  /** Directory of the on-disk store. */
  data: string;
  /** Keep the store in memory (lost on exit). */
  memory: boolean;
  /** Longest query range in days. */
  maxRangeDays: number;
  /** Whether commits keep percentile sketches (the engine's `percentileSketches`): `percentiles=` answers from them. */
  percentileSketches: boolean;
  /** Worker threads a commit aggregates on (the engine's `commitWorkers`); 0: the calling thread. */
  commitWorkers: number;
  limits: {
    /** Largest JSON body of small requests (`POST /rates`, port and region changes, upload creation). */
    jsonBodyBytes: number;
    /** Largest streamed batch body (`POST /v1/batches`, upload chunks). */
    batchBodyBytes: number;
    /** Most items in one request body. */
    batchItems: number;
    /** Most days `POST /rates` may span. */
    postRangeDays: number;
    /** Longest item of a batch body (an NDJSON line, a JSON array element, a CSV row), in characters. */
    itemChars: number;
  };
  cache: {
    /** `Cache-Control` sent with every read. */
    control: string;
    /** Entries of the in-process response cache; 0 disables it. */
    entries: number;
  };
  uploads: {
    /** Uploads processed at once. */
    concurrency: number;
    /** Uploads waiting beyond that; more answer 503. */
    queue: number;
    /** `Retry-After` seconds of a 503 for a full queue. */
    retryAfterSeconds: number;
  };
  shutdown: {
    /** After this, remaining connections are closed and the store closes. */
    deadlineMs: number;
    /** Keep accepting (with `Connection: close` and /readyz 503) this long before closing the listener, for load balancers to notice. */
    drainDelayMs: number;
  };
  auth: {
    keys: ApiKey[];
    /** With keys configured: whether reads need a key with the `read` scope. */
    readsNeedKey: boolean;
  };
  cors: {
    /** Origins (`scheme://host[:port]`) whose web pages may call the API, or `*` for any; empty: no CORS headers. */
    origins: string[];
  };
  /**
   * Without API keys: host names (`Host`, port aside) answered besides loopback names; `.example.com`
   * is that name and its subdomains, `*` any. Others are 403 (DNS rebinding). Not checked with keys.
   */
  allowedHosts: string[];
  currency: {
    /** Exchange-rate file (USD base). Default: the one shipped with the package. */
    ratesFile?: string;
    /** openexchangerates.org (or compatible) app id; when set, rates come from `endpoint`. */
    appId?: string;
    endpoint: string;
    /** How long fetched rates are reused. */
    cacheSeconds: number;
  };
  /** Cluster mode: PostgreSQL holds the commit log, this node's data directory is one replica of it. */
  cluster: {
    /** The PostgreSQL URL of the cluster's log (`postgres://user:password@host:port/db`); absent: single-node mode. */
    url?: string;
    /** This node's id in logs, in /v1/status and in the log. Default: derived from the host name and the data directory. */
    nodeId?: string;
    /** How long a read with `min_version` waits for this node to apply that version before 503 RATESTORE_NOT_CAUGHT_UP. */
    waitMs: number;
    /** How often a node reads the log without a notification (a missed one costs at most this much lag). */
    pollMs: number;
    /** Versions the whole cluster keeps readable with `as_of` and revertible; absent: all. */
    retainVersions?: number;
    /** Connections to PostgreSQL of this node's query pool (and as many for upload locks). */
    poolSize: number;
    /** Take a snapshot when the log is this many versions past the newest one; 0: never (see `ratestore snapshot`). */
    snapshotEveryVersions: number;
  };
  logLevel: string;
}

export function defaultConfig(): ServerConfig {
  return {
    host: '127.0.0.1',
    port: 3000,
    data: './data',
    memory: false,
    maxRangeDays: 366,
    percentileSketches: true,
    commitWorkers: 0,
    limits: { jsonBodyBytes: 1024 * 1024, batchBodyBytes: 512 * 1024 * 1024, batchItems: 10_000_000, postRangeDays: 3660, itemChars: DEFAULT_MAX_ITEM_CHARS },
    cache: { control: 'public, max-age=0, must-revalidate', entries: 10_000 },
    uploads: { concurrency: 2, queue: 32, retryAfterSeconds: 5 },
    shutdown: { deadlineMs: 30_000, drainDelayMs: 0 },
    auth: { keys: [], readsNeedKey: false },
    cors: { origins: [] },
    allowedHosts: [],
    currency: { endpoint: 'https://openexchangerates.org/api', cacheSeconds: 3600 },
    cluster: { waitMs: DEFAULT_VERSION_WAIT_MS, pollMs: 1000, poolSize: 8, snapshotEveryVersions: 0 },
    logLevel: 'info'
  };
}

/** A configuration mistake: the server refuses to start with it. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** `T` with every field optional, at any depth (arrays are given whole). */
export type DeepPartial<T> = { [K in keyof T]?: T[K] extends Array<unknown> ? T[K] : T[K] extends object ? DeepPartial<T[K]> : T[K] };
export type ConfigInput = DeepPartial<ServerConfig>;

/** The items of a comma-separated environment variable, trimmed, empty ones left out. */
function commaList(text: string): string[] {
  return text.split(',').map((s) => s.trim()).filter((s) => s !== '');
}

/** Parses `KEY:scope+scope[@requests/seconds]`, comma-separated. */
export function parseApiKeys(text: string): ApiKey[] {
  const keys: ApiKey[] = [];
  for (const part of commaList(text)) {
    const match = /^([^:\s]+):([a-z+]+)(?:@(\d+)\/(\d+(?:\.\d+)?))?$/.exec(part);
    if (match === null) throw new ConfigError(`RATESTORE_API_KEYS: "${part.replace(/^[^:]*/, '…')}" is not KEY:scope+scope[@requests/seconds]`);
    const key: ApiKey = { key: match[1]!, scopes: parseScopes(match[2]!.split('+'), 'RATESTORE_API_KEYS') };
    if (match[3] !== undefined) key.rateLimit = { requests: Number(match[3]), perSeconds: Number(match[4]) };
    keys.push(key);
  }
  return keys;
}

function parseScopes(scopes: unknown, where: string): Scope[] {
  if (!Array.isArray(scopes) || scopes.length === 0) throw new ConfigError(`${where}: scopes must be a non-empty list of read, write, admin`);
  for (const scope of scopes) {
    if (!SCOPES.includes(scope as Scope)) throw new ConfigError(`${where}: unknown scope ${JSON.stringify(scope)}; use read, write, admin`);
  }
  return [...new Set(scopes as Scope[])];
}

/** Parses a comma-separated list of origins (`RATESTORE_CORS_ORIGINS`). */
function parseOrigins(text: string): string[] {
  return checkOrigins(commaList(text), 'RATESTORE_CORS_ORIGINS');
}

/** Origins exactly as browsers send them in `Origin` (`https://example.com`, `http://localhost:8080`), or `*`. */
function checkOrigins(origins: unknown, where: string): string[] {
  if (!Array.isArray(origins)) throw new ConfigError(`${where} must be a list of origins (scheme://host[:port]) or "*"`);
  const checked = origins.map((origin: unknown, i) => {
    if (origin === '*') return origin;
    let url: URL | undefined;
    try {
      url = typeof origin === 'string' ? new URL(origin) : undefined;
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      throw new ConfigError(`${where}[${i}]: ${JSON.stringify(origin)} is not an origin: use http(s)://host[:port], or "*" for any origin`);
    }
    if (url.origin !== origin) throw new ConfigError(`${where}[${i}]: ${JSON.stringify(origin)} is not an origin as browsers send it: use ${JSON.stringify(url.origin)}`);
    return origin;
  });
  return [...new Set(checked)];
}

/** Host names as `Host` carries them without the port (`rates.example.com`, `[::1]`), `.name` for it and its subdomains, or `*`; lowercased. */
function checkHosts(hosts: unknown, where: string): string[] {
  if (!Array.isArray(hosts)) throw new ConfigError(`${where} must be a list of host names or "*"`);
  const checked = hosts.map((host: unknown, i) => {
    if (host === '*') return host;
    const name = typeof host === 'string' ? host.toLowerCase().replace(/^\./, '') : '';
    let parsed: string | undefined;
    try {
      parsed = /^(?!\.)(?!.*\.\.)[^/?#@\\\s:*]+$|^\[[0-9a-f:.]+\]$/.test(name) ? new URL(`http://${name}`).hostname : undefined;
    } catch {
      parsed = undefined;
    }
    if (parsed !== name) throw new ConfigError(`${where}[${i}]: ${JSON.stringify(host)} is not a host name: use a name without scheme or port (rates.example.com, .example.com for it and its subdomains), or "*" for any`);
    return (host as string).toLowerCase();
  });
  return [...new Set(checked)];
}

function merge<T>(base: T, patch: unknown): T {
  if (patch === undefined || patch === null || typeof patch !== 'object' || Array.isArray(patch)) return (patch === undefined ? base : patch) as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    const current = out[key];
    out[key] = current !== null && typeof current === 'object' && !Array.isArray(current) ? merge(current, value) : value;
  }
  return out as T;
}

function positiveInt(value: unknown, name: string, min = 1): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min) throw new ConfigError(`${name} must be an integer of at least ${min}, got ${JSON.stringify(value)}`);
  return n;
}

function bool(value: string, name: string): boolean {
  if (/^(1|true|yes|on)$/i.test(value)) return true;
  if (/^(0|false|no|off)$/i.test(value)) return false;
  throw new ConfigError(`${name} must be true or false, got ${JSON.stringify(value)}`);
}

/** The settings of a file, as a template: a nested object is a group, an array holds entries of its one element's shape. */
type SettingsShape = { [name: string]: SettingsShape | [SettingsShape] | true };

/** Every setting the defaults give a value, nested as they are. */
function shapeOf(value: object): SettingsShape {
  return Object.fromEntries(Object.entries(value).map(([name, inner]) => [name, inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? shapeOf(inner) : true]));
}

/** What a config file may hold: the defaults' settings, those without a default, and API key entries. */
const FILE_SETTINGS: SettingsShape = (() => {
  const shape = shapeOf(defaultConfig());
  Object.assign(shape.currency as SettingsShape, { ratesFile: true, appId: true });
  Object.assign(shape.cluster as SettingsShape, { url: true, nodeId: true, retainVersions: true });
  (shape.auth as SettingsShape).keys = [{ key: true, scopes: true, name: true, rateLimit: { requests: true, perSeconds: true } }];
  return shape;
})();

/**
 * Refuses a setting the server does not know, which would otherwise be ignored without a word
 * (`"prot": 8080` leaves the port at 3000): names it and, when one is close, the setting meant.
 */
function checkKnownSettings(value: object, shape: SettingsShape, where: string, path = ''): void {
  for (const [name, inner] of Object.entries(value)) {
    if (!Object.hasOwn(shape, name)) throw new ConfigError(`${where}unknown setting ${JSON.stringify(path + name)}; ${suggestion(name, Object.keys(shape), path)}`);
    const known = shape[name]!;
    if (inner === null || typeof inner !== 'object' || known === true) continue;
    if (Array.isArray(known)) {
      if (Array.isArray(inner)) inner.forEach((entry: unknown, i) => entry !== null && typeof entry === 'object' && checkKnownSettings(entry, known[0], where, `${path}${name}[${i}].`));
    } else if (!Array.isArray(inner)) checkKnownSettings(inner, known, where, `${path}${name}.`);
  }
}

/** "did you mean" the nearest known name (by edit distance), or else the list of known names. */
function suggestion(name: string, known: string[], path: string): string {
  const scored = known.map((candidate) => ({ candidate, cost: distance(name.toLowerCase(), candidate.toLowerCase()) })).sort((a, b) => a.cost - b.cost);
  const best = scored[0];
  // A third of the name may be wrong (at least two letters: a swap of two costs two).
  if (best !== undefined && best.cost <= Math.max(2, Math.floor(name.length / 3))) return `did you mean ${JSON.stringify(path + best.candidate)}?`;
  return `the settings${path === '' ? '' : ` of ${path.slice(0, -1)}`} are ${known.join(', ')}`;
}

export interface LoadOptions {
  /** A JSON config file. Default: `RATESTORE_CONFIG`. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  /** Highest precedence (command-line flags). */
  overrides?: ConfigInput;
}

/** Defaults, then the config file, then the environment, then `overrides`. */
export function loadConfig(options: LoadOptions = {}): ServerConfig {
  const env = options.env ?? process.env;
  let config = defaultConfig();
  const file = options.file ?? env.RATESTORE_CONFIG;
  if (file !== undefined && file !== '') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new ConfigError(`cannot read config file ${file}: ${(error as Error).message}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new ConfigError(`config file ${file} must hold a JSON object`);
    checkKnownSettings(parsed, FILE_SETTINGS, `config file ${file}: `);
    config = merge(config, parsed);
  }
  const fromEnv: ConfigInput = {};
  if (env.RATESTORE_DATA) fromEnv.data = env.RATESTORE_DATA;
  if (env.PORT) fromEnv.port = positiveInt(env.PORT, 'PORT', 0);
  if (env.RATESTORE_HOST) fromEnv.host = env.RATESTORE_HOST;
  if (env.RATESTORE_LOG_LEVEL) fromEnv.logLevel = env.RATESTORE_LOG_LEVEL;
  if (env.RATESTORE_READS_NEED_KEY) fromEnv.auth = { readsNeedKey: bool(env.RATESTORE_READS_NEED_KEY, 'RATESTORE_READS_NEED_KEY') };
  if (env.RATESTORE_API_KEYS) fromEnv.auth = { ...fromEnv.auth, keys: [...config.auth.keys, ...parseApiKeys(env.RATESTORE_API_KEYS)] };
  if (env.RATESTORE_CORS_ORIGINS) fromEnv.cors = { origins: parseOrigins(env.RATESTORE_CORS_ORIGINS) };
  if (env.RATESTORE_ALLOWED_HOSTS) fromEnv.allowedHosts = checkHosts(commaList(env.RATESTORE_ALLOWED_HOSTS), 'RATESTORE_ALLOWED_HOSTS');
  const currency: ConfigInput['currency'] = {};
  if (env.RATESTORE_EXCHANGE_RATES_FILE) currency.ratesFile = env.RATESTORE_EXCHANGE_RATES_FILE;
  if (env.RATESTORE_OXR_APP_ID) currency.appId = env.RATESTORE_OXR_APP_ID;
  if (env.RATESTORE_OXR_URL) currency.endpoint = env.RATESTORE_OXR_URL;
  fromEnv.currency = currency;
  const cluster: ConfigInput['cluster'] = {};
  if (env.RATESTORE_CLUSTER_URL) cluster.url = env.RATESTORE_CLUSTER_URL;
  if (env.RATESTORE_NODE_ID) cluster.nodeId = env.RATESTORE_NODE_ID;
  fromEnv.cluster = cluster;
  config = merge(merge(config, fromEnv), options.overrides);
  return validateConfig(config);
}

/** pino's levels, the ones `logLevel` (`--log-level`, RATESTORE_LOG_LEVEL) takes. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Checks a complete configuration; returns it. */
export function validateConfig(config: ServerConfig): ServerConfig {
  positiveInt(config.port, 'port', 0);
  if (config.port > 65535) throw new ConfigError(`port must be at most 65535, got ${config.port}`);
  positiveInt(config.maxRangeDays, 'maxRangeDays');
  if (!(LOG_LEVELS as readonly unknown[]).includes(config.logLevel)) throw new ConfigError(`logLevel must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(config.logLevel)}`);
  if (typeof config.percentileSketches !== 'boolean') throw new ConfigError(`percentileSketches must be true or false, got ${JSON.stringify(config.percentileSketches)}`);
  config.commitWorkers = positiveInt(config.commitWorkers, 'commitWorkers', 0);
  if (config.commitWorkers > 64) throw new ConfigError(`commitWorkers must be at most 64, got ${config.commitWorkers}`);
  for (const [name, value] of Object.entries(config.limits)) positiveInt(value, `limits.${name}`);
  positiveInt(config.cache.entries, 'cache.entries', 0);
  positiveInt(config.uploads.concurrency, 'uploads.concurrency');
  positiveInt(config.uploads.queue, 'uploads.queue', 0);
  positiveInt(config.uploads.retryAfterSeconds, 'uploads.retryAfterSeconds');
  positiveInt(config.shutdown.deadlineMs, 'shutdown.deadlineMs', 0);
  positiveInt(config.shutdown.drainDelayMs, 'shutdown.drainDelayMs', 0);
  positiveInt(config.currency.cacheSeconds, 'currency.cacheSeconds', 0);
  checkCurrency(config.currency);
  checkCluster(config.cluster);
  if (!Array.isArray(config.auth.keys)) throw new ConfigError('auth.keys must be a list');
  const seen = new Set<string>();
  config.auth.keys = config.auth.keys.map((entry, i) => {
    const where = `auth.keys[${i}]`;
    if (entry === null || typeof entry !== 'object' || typeof entry.key !== 'string' || entry.key.length < 4 || /\s/.test(entry.key)) {
      throw new ConfigError(`${where}: key must be a string of at least 4 characters without spaces`);
    }
    if (seen.has(entry.key)) throw new ConfigError(`${where}: the same key is configured twice`);
    seen.add(entry.key);
    const key: ApiKey = { key: entry.key, scopes: parseScopes(entry.scopes, where) };
    if (entry.name !== undefined) key.name = String(entry.name);
    if (entry.rateLimit !== undefined) {
      const limit = entry.rateLimit;
      if (!(Number.isInteger(limit?.requests) && limit.requests > 0 && typeof limit.perSeconds === 'number' && limit.perSeconds > 0)) {
        throw new ConfigError(`${where}: rateLimit must be {requests: positive integer, perSeconds: positive number}`);
      }
      key.rateLimit = { requests: limit.requests, perSeconds: limit.perSeconds };
    }
    return key;
  });
  if (typeof config.cache.control !== 'string') throw new ConfigError('cache.control must be a string');
  config.cors = { origins: checkOrigins(config.cors?.origins, 'cors.origins') };
  config.allowedHosts = checkHosts(config.allowedHosts, 'allowedHosts');
  return config;
}

/** `ratesFile` and `appId` are strings when given; null or empty is "not given" (the guide's example writes `"appId": null`). */
function checkCurrency(currency: ServerConfig['currency']): void {
  for (const name of ['ratesFile', 'appId'] as const) {
    const value = currency[name] as unknown;
    if (value === null || value === '') delete currency[name];
    else if (value !== undefined && typeof value !== 'string') throw new ConfigError(`currency.${name} must be a string, got ${JSON.stringify(value)}`);
  }
  if (typeof currency.endpoint !== 'string' || !/^https?:\/\//.test(currency.endpoint)) throw new ConfigError(`currency.endpoint must be an http(s) URL, got ${JSON.stringify(currency.endpoint)}`);
}

function checkCluster(cluster: ServerConfig['cluster']): void {
  if (cluster.url !== undefined) {
    let url: URL | undefined;
    try {
      url = typeof cluster.url === 'string' ? new URL(cluster.url) : undefined;
    } catch {
      url = undefined;
    }
    if (url === undefined || (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')) {
      throw new ConfigError(`cluster.url must be a PostgreSQL URL (postgres://user:password@host:port/database), got ${JSON.stringify(typeof cluster.url === 'string' ? cluster.url.replace(/:[^:@/]*@/, ':***@') : cluster.url)}`);
    }
  }
  if (cluster.nodeId !== undefined && (typeof cluster.nodeId !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(cluster.nodeId))) {
    throw new ConfigError(`cluster.nodeId must be 1-64 characters of A-Z a-z 0-9 . _ -, got ${JSON.stringify(cluster.nodeId)}`);
  }
  positiveInt(cluster.waitMs, 'cluster.waitMs', 0);
  positiveInt(cluster.pollMs, 'cluster.pollMs', 10);
  positiveInt(cluster.poolSize, 'cluster.poolSize', 2);
  positiveInt(cluster.snapshotEveryVersions, 'cluster.snapshotEveryVersions', 0);
  if (cluster.retainVersions !== undefined) positiveInt(cluster.retainVersions, 'cluster.retainVersions', 0);
}

/** Whether `host` is a loopback address (or `localhost`). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || /^::ffff:127\./.test(h);
  return false;
}
