/**
 * What the scripts that put servers under HTTP load share (bench:http, bench:cluster): the queries
 * they send, a rotation of them shared by every connection, the CPU time of a process from /proc,
 * and one run of autocannon that measures both.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import { sampleCatalog, sampleRoutes } from '@ratestore/core';
import { CATALOG, FIRST_DAY, ratesPath, regionChains } from './sample.js';
import { addDays, hrtimeUs, mulberry32 } from './util.js';

export interface Query {
  path: string;
}

export interface RegionQueryOptions {
  /** At most this many queries. */
  count: number;
  seed: number;
  /** Days of data from FIRST_DAY. */
  days: number;
  /** Days per query, at most `days`. */
  windowDays: number;
}

/**
 * Distinct region-to-region queries in a shuffled order: every pair of regions on the chains of the
 * 1,000 most popular routes (levels 1-4 each side, from the world area down to the coast, as
 * bench:core draws them), times every window of `windowDays` days inside the data.
 */
export function regionQueries({ count, seed, days, windowDays }: RegionQueryOptions): Query[] {
  const catalog = sampleCatalog(CATALOG);
  const chains = regionChains(catalog);
  const pairs = new Set<string>();
  for (const route of sampleRoutes(CATALOG).slice(0, 1_000)) {
    for (const origin of chains.get(route.origin)!) for (const destination of chains.get(route.destination)!) pairs.add(`${origin}\t${destination}`);
  }
  const windows = days - windowDays + 1;
  const space = [...pairs].flatMap((pair) => Array.from({ length: windows }, (_, w) => `${pair}\t${w}`));
  const random = mulberry32(seed);
  for (let i = space.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [space[i], space[j]] = [space[j]!, space[i]!];
  }
  return space.slice(0, count).map((entry) => {
    const [origin, destination, w] = entry.split('\t') as [string, string, string];
    const dateFrom = addDays(FIRST_DAY, Number(w));
    return { path: ratesPath({ dateFrom, dateTo: addDays(dateFrom, windowDays - 1), origin, destination }) };
  });
}

/** A query source shared by every connection: each request takes the next entry (wrapping around). */
export class Rotation {
  #next: number;
  #sent = 0;
  constructor(readonly queries: Query[], start = 0, readonly headers?: (index: number) => Record<string, string>) {
    this.#next = start % queries.length;
  }
  get sent(): number {
    return this.#sent;
  }
  take(): { path: string; headers: Record<string, string> } {
    const index = this.#next;
    this.#next = (index + 1) % this.queries.length;
    this.#sent++;
    return { path: this.queries[index]!.path, headers: this.headers?.(index) ?? {} };
  }
}

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const CLK_TCK = 100;

/** The fields of /proc/PID/stat after the command's name (field 3, the state, first), or undefined once the process is gone. */
function statFields(path: string): string[] | undefined {
  try {
    const stat = readFileSync(path, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU seconds (user + system) a process (or with `tid`, one of its threads) has used so far, from /proc; NaN once it is gone. */
export function cpuSeconds(pid: number, tid?: number): number {
  const fields = statFields(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`);
  return fields === undefined ? NaN : (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
}

/** CPU seconds used so far by each child of `parent` that is alive now (for a postmaster: PostgreSQL's backends and background processes), by PID. */
export function childrenCpuSeconds(parent: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(`/proc/${entry}/stat`);
    if (fields !== undefined && Number(fields[1]) === parent) out.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / CLK_TCK);
  }
  return out;
}

/**
 * The CPU seconds the children of `parent` used between two readings of `childrenCpuSeconds`: a
 * child that started meanwhile counts from zero; one that exited meanwhile took its seconds with it
 * (not counted), so the figure is a lower bound.
 */
export function childrenCpuSince(before: ReadonlyMap<number, number>, after: ReadonlyMap<number, number>): number {
  let sum = 0;
  for (const [pid, seconds] of after) sum += seconds - (before.get(pid) ?? 0);
  return sum;
}

/** Context switches of a process's main thread so far (/proc/PID/status): it gave up the CPU (voluntary) or was preempted (nonvoluntary). */
export function contextSwitches(pid: number): { voluntary: number; nonvoluntary: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    return { voluntary: field('voluntary_ctxt_switches'), nonvoluntary: field('nonvoluntary_ctxt_switches') };
  } catch {
    return { voluntary: NaN, nonvoluntary: NaN };
  }
}

/** A process, or with `tid` one of its threads, whose CPU a load run measures. */
export interface Watched {
  pid: number;
  tid?: number;
}

export interface LoadOptions {
  connections: number;
  /** Seconds of load. */
  duration: number;
  /** The status every answer should have; others are counted and reported, not thrown. */
  expect: 200 | 304;
  /** Processes whose CPU is measured over the run. */
  watch: readonly Watched[];
  /** Requests per second at most, over all connections; as fast as the answers come without. */
  overallRate?: number;
}

export interface LoadFigures {
  /** Answers with the expected status per second. */
  requestsPerSecond: number;
  p50: number;
  p99: number;
  mean: number;
  total: number;
  /** Counts by status class; errors are socket errors and timeouts. */
  status: Record<string, number>;
  errors: number;
  /** The run's length as autocannon measured it, in seconds. */
  seconds: number;
  /** CPU of each watched process over the run, in cores, in the order of `watch`. */
  cpu: number[];
  /** CPU of this process (autocannon), in cores. */
  loadgenCpu: number;
  load1: number;
  /** process.hrtime of the run in microseconds (the clock of --cpu-prof profiles, shared by processes). */
  startUs: number;
  endUs: number;
}

/** `connections` keep-alive connections to `url` for `duration` seconds, each request the rotation's next query. */
export async function driveLoad(url: string, rotation: Rotation, options: LoadOptions): Promise<LoadFigures> {
  const load1 = loadavg()[0]!;
  const before = options.watch.map(({ pid, tid }) => cpuSeconds(pid, tid));
  const loadgenBefore = process.cpuUsage();
  const startUs = hrtimeUs();
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.duration,
    ...(options.overallRate === undefined ? {} : { overallRate: options.overallRate }),
    requests: [{
      setupRequest: (request) => {
        const next = rotation.take();
        request.path = next.path;
        request.headers = { ...request.headers, ...next.headers };
        return request;
      }
    }]
  });
  const endUs = hrtimeUs();
  const loadgen = process.cpuUsage(loadgenBefore);
  const status: Record<string, number> = {};
  for (const cls of ['1xx', '2xx', '3xx', '4xx', '5xx'] as const) if (result[cls] > 0) status[cls] = result[cls];
  const good = options.expect === 200 ? result['2xx'] : result['3xx'];
  if (good !== result.requests.total || result.errors > 0 || result.timeouts > 0) {
    console.error(`  warning: expected ${options.expect} answers: ${JSON.stringify(status)}, ${result.errors} errors, ${result.timeouts} timeouts`);
  }
  return {
    requestsPerSecond: good / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    mean: result.latency.average,
    total: result.requests.total,
    status,
    errors: result.errors + result.timeouts,
    seconds: result.duration,
    cpu: options.watch.map(({ pid, tid }, i) => (cpuSeconds(pid, tid) - before[i]!) / result.duration),
    loadgenCpu: (loadgen.user + loadgen.system) / 1e6 / result.duration,
    load1,
    startUs,
    endUs
  };
}
