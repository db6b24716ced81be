/**
 * Crash test: a child process (fixtures/crash-child.mjs, on the BUILT engine in dist/) commits large
 * staged batches and reverts in a loop on a classic-level store, and is SIGKILLed at many different
 * moments: while staging chunks, while a commit aggregates and writes its records, as its marker
 * write starts, around reverts, and as background checkpoints are written (the child's database
 * prints a line before and after every write, so the kills can aim at each phase). After every kill
 * the store is reopened here and checked:
 *   - every acknowledged commit and revert holds;
 *   - every batch the store reports committed is whole (its contribution to port pairs and to region
 *     rollups equals what its content, recomputed here, must give), and every reverted, killed or
 *     aborted batch contributes nothing: no partial batch is visible;
 *   - a shared probe day that every batch writes to adds up across batches;
 *   - the version log has no gap;
 *   - after kills in checkpoint writes and at the end, the records keep the layout reads rely on
 *     (test/layout.ts): checkpoints and the history agree;
 *   - a batch killed while staged or committing can still be completed and committed, or aborted.
 * One directory is reused across all kills, so damage would accumulate. Needs `npm run build`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Ratestore, RatestoreError, type RateRow } from '../src/index.js';
import { CHUNKS, PORTS, PROBE_DAY, REGIONS, batchId, chunkItems, priceOf, yearOf, CHUNK_PRICES } from './fixtures/crash-content.mjs';
import { random as mulberry32 } from './helpers.js';
import { layoutProblems } from './layout.js';

const here = dirname(fileURLToPath(import.meta.url));
const CHILD = join(here, 'fixtures', 'crash-child.mjs');
const BUILT = join(here, '..', 'dist', 'index.js');
const SEED = 0x5eed_c0de;

/** Live children, killed in afterAll whatever happens. */
const children = new Set<ChildProcess>();
let dir: string | undefined;

afterAll(() => {
  for (const child of children) if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL');
  children.clear();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------
// Expected content

interface Agg { count: number; sum: number; min: number; max: number }

const chains = new Map<string, string[]>();
{
  const parents = new Map(REGIONS.map((r) => [r.slug, r.parent]));
  const up = (slug: string): string[] => {
    const parent = parents.get(slug) ?? null;
    return parent === null ? [slug] : [slug, ...up(parent)];
  };
  for (const port of PORTS) chains.set(port.code, [port.code, ...up(port.region)]);
}

/** Port pairs, port-region, region-port and the four root pairs (which together cover every price). */
const QUERIES: Array<[string, string]> = [
  ['east', 'east'], ['east', 'west'], ['west', 'east'], ['west', 'west'],
  [PORTS[0]!.code, PORTS[1]!.code], [PORTS[7]!.code, 'west_south'], ['east_north_coast', PORTS[3]!.code]
];

interface Expected {
  /** Per query: day -> aggregate, for the batch's own year. */
  days: Array<Map<string, Agg>>;
  /** The batch's prices on the probe day (PORTS[0] -> PORTS[1]). */
  probe: Agg;
  prices: number;
}

const expectedCache = new Map<number, Expected>();

function addTo(map: Map<string, Agg>, day: string, cents: number): void {
  const agg = map.get(day);
  if (agg === undefined) map.set(day, { count: 1, sum: cents, min: cents, max: cents });
  else {
    agg.count++;
    agg.sum += cents;
    agg.min = Math.min(agg.min, cents);
    agg.max = Math.max(agg.max, cents);
  }
}

function expectedOf(n: number): Expected {
  let expected = expectedCache.get(n);
  if (expected !== undefined) return expected;
  const days = QUERIES.map(() => new Map<string, Agg>());
  const probe = new Map<string, Agg>();
  let prices = 0;
  for (let i = 0; i < CHUNKS * CHUNK_PRICES; i++) {
    priceOf(n, i, (origin, destination, day, cents) => {
      prices++;
      if (day === PROBE_DAY) {
        addTo(probe, day, cents);
        return;
      }
      const from = chains.get(origin)!;
      const to = chains.get(destination)!;
      QUERIES.forEach(([a, b], q) => {
        if (from.includes(a) && to.includes(b)) addTo(days[q]!, day, cents);
      });
    });
  }
  expected = { days, probe: probe.get(PROBE_DAY)!, prices };
  expectedCache.set(n, expected);
  return expected;
}

/** Compares rows with expected aggregates (undefined: nothing visible); returns the differences. */
function diffRows(rows: RateRow[], expected: Map<string, Agg> | undefined, label: string): string[] {
  const problems: string[] = [];
  for (const row of rows) {
    const agg = expected?.get(row.day);
    const want = agg === undefined
      ? { count: 0, average: null, min: null, max: null }
      : { count: agg.count, average: agg.sum / agg.count / 100, min: agg.min / 100, max: agg.max / 100 };
    const averageOk = want.average === null
      ? row.average === null
      : row.average !== null && Math.abs(row.average - want.average) <= 1e-9 * Math.abs(want.average);
    if (row.count !== want.count || !averageOk || row.min !== want.min || row.max !== want.max) {
      problems.push(`${label} ${row.day}: got ${JSON.stringify(row)}, expected ${JSON.stringify(want)}`);
      if (problems.length >= 3) break;
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Deterministic choices

/**
 * Where to kill. The child prints a line before and after every database write, naming what it
 * holds (crash-child.mjs instruments the database), so kills can aim at each phase.
 */
type Plan =
  /** After chunk `chunk` of the first batch was staged. */
  | { kind: 'stage'; chunk: number; delayMs: number }
  /** As the `nth` staged-chunk write starts. */
  | { kind: 'stage-write'; nth: number; delayMs: number }
  | { kind: 'begin'; delayMs: number }
  /** A fraction of a typical commit's duration after the commit starts (mostly aggregation). */
  | { kind: 'commit'; fraction: number }
  /** As the commit's `nth` write of aggregate records starts. */
  | { kind: 'records'; nth: number; delayMs: number }
  /** As the commit's marker write starts. */
  | { kind: 'marker'; delayMs: number }
  /** After a revert starts, or as its marker write starts. */
  | { kind: 'revert'; delayMs: number; atMarker: boolean }
  /** As the `nth` write of background checkpoints starts. */
  | { kind: 'checkpoint'; nth: number; delayMs: number }
  | { kind: 'after-commit'; delayMs: number };

function makePlans(random: () => number): Plan[] {
  const plans: Plan[] = [];
  // Fractions of a commit's duration: aggregation, the record writes, the marker write, just after.
  for (const fraction of [0.05, 0.2, 0.4, 0.6]) plans.push({ kind: 'commit', fraction });
  for (const nth of [1, 2, 3]) for (const delayMs of [0, 2]) plans.push({ kind: 'records', nth, delayMs });
  for (const delayMs of [0, 0, 1, 2]) plans.push({ kind: 'marker', delayMs });
  for (let i = 0; i < 3; i++) plans.push({ kind: 'stage', chunk: Math.floor(random() * (CHUNKS - 1)), delayMs: Math.floor(random() * 12) });
  for (const nth of [2, 4]) plans.push({ kind: 'stage-write', nth, delayMs: 0 });
  for (const delayMs of [0, 1]) plans.push({ kind: 'begin', delayMs });
  for (const delayMs of [0, 0, 1]) plans.push({ kind: 'revert', delayMs, atMarker: true });
  for (const delayMs of [1, 3]) plans.push({ kind: 'revert', delayMs, atMarker: false });
  for (const delayMs of [0, 2]) plans.push({ kind: 'after-commit', delayMs });
  for (const delayMs of [0, 0, 1]) plans.push({ kind: 'checkpoint', nth: 1, delayMs });
  for (let i = plans.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [plans[i], plans[j]] = [plans[j]!, plans[i]!];
  }
  // Start with a full commit, so there is something to revert and a commit time to scale by.
  return [{ kind: 'after-commit', delayMs: 0 }, ...plans];
}

// ---------------------------------------------------------------------------------------------
// The child

interface Run {
  lines: string[][];
  killed: boolean;
  /** The line after which the kill was scheduled. */
  trigger: string;
}

function runChild(location: string, first: number, revertFirst: string | undefined, plan: Plan, commitMs: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, location, String(first), '3', revertFirst ?? '-'], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    const lines: string[][] = [];
    let pending = '';
    let stderr = '';
    let scheduled = false;
    let trigger = '';
    const kill = (): void => {
      if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, 'SIGKILL');
    };
    const schedule = (delayMs: number, line: string[]): void => {
      scheduled = true;
      trigger = line.join(' ');
      if (delayMs <= 0) kill();
      else setTimeout(kill, delayMs);
    };
    let timedOut = false;
    let committing = false;
    let reverting = false;
    let recordWrites = 0;
    let stagedWrites = 0;
    let checkpointWrites = 0;
    const guard = setTimeout(() => {
      timedOut = true;
      kill();
    }, 60_000);
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (data: string) => {
      pending += data;
      let at: number;
      while ((at = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, at).split(' ');
        pending = pending.slice(at + 1);
        lines.push(line);
        if (scheduled) continue;
        const event = line[0];
        const written = event === 'write' ? line[1] : undefined;
        if (event === 'commit-start') committing = true;
        if (event === 'revert-start') reverting = true;
        if (committing && written === 'records') recordWrites++;
        if (written === 'staged') stagedWrites++;
        if (written === 'checkpoint') checkpointWrites++;
        if (plan.kind === 'commit' && event === 'commit-start') schedule(Math.round(plan.fraction * commitMs), line);
        else if (plan.kind === 'records' && written === 'records' && recordWrites === plan.nth) schedule(plan.delayMs, line);
        else if (plan.kind === 'marker' && committing && written === 'marker') schedule(plan.delayMs, line);
        else if (plan.kind === 'stage' && event === 'chunk' && Number(line[2]) === plan.chunk) schedule(plan.delayMs, line);
        else if (plan.kind === 'stage-write' && written === 'staged' && stagedWrites === plan.nth) schedule(plan.delayMs, line);
        else if (plan.kind === 'begin' && event === 'begin') schedule(plan.delayMs, line);
        else if (plan.kind === 'revert' && !plan.atMarker && event === 'revert-start') schedule(plan.delayMs, line);
        else if (plan.kind === 'revert' && plan.atMarker && reverting && written === 'marker') schedule(plan.delayMs, line);
        else if (plan.kind === 'after-commit' && event === 'committed') schedule(plan.delayMs, line);
        else if (plan.kind === 'checkpoint' && written === 'checkpoint' && checkpointWrites === plan.nth) schedule(plan.delayMs, line);
      }
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (data: string) => (stderr += data));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(guard);
      children.delete(child);
      if (signal === 'SIGKILL' && scheduled) resolve({ lines, killed: true, trigger });
      else if (code === 0) resolve({ lines, killed: false, trigger });
      else reject(new Error(`child ${timedOut ? 'ran 60 s without reaching its kill point' : 'failed'} (code ${code}, signal ${signal}):\n${stderr}`));
    });
  });
}

// ---------------------------------------------------------------------------------------------

describe('crash safety on classic-level (child SIGKILLed during staged commits and reverts)', () => {
  // A fixed amount of work (20+ kills): about a minute on a quiet machine, many on a busy one; the
  // timeout only catches a hang.
  it('keeps every committed batch whole and every other batch invisible across 20+ kills', { timeout: 600_000 }, async () => {
    if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run \`npm run build\` first (npm test does)`);
    const started = Date.now();
    const random = mulberry32(SEED);
    const plans = makePlans(random);
    const location = (dir = mkdtempSync(join(tmpdir(), 'ratestore-crash-')));

    const acked = new Map<string, number>();
    const ackedReverts = new Map<string, number>();
    const attempted = new Set<number>();
    const commitTimes: number[] = [];
    const outcomes: string[] = [];
    let next = 1;
    let resolutions = 0;
    let debrisBefore = 0;
    let kills = 0;

    const committedTxns = async (store: Ratestore): Promise<Set<number>> => {
      const txns = new Set<number>();
      for await (const [, value] of store.db.iterator({ gte: 'c\0', lt: 'c\x01', keyEncoding: 'utf8', valueEncoding: 'utf8' })) txns.add((JSON.parse(value as string) as { txn: number }).txn);
      return txns;
    };
    /** The writer of a record key (0: a checkpoint). */
    const writerOf = (key: string): number => parseInt(key.slice(-24, -16), 16);
    /** Records of uncommitted writers among those a commit writes first (origin PORTS[0]). */
    const debris = async (store: Ratestore): Promise<number> => {
      const txns = await committedTxns(store);
      const prefix = `a\0${PORTS[0]!.code}\0`;
      let count = 0;
      for await (const key of store.db.keys({ gte: prefix, lt: prefix + '\x7f', keyEncoding: 'utf8' })) {
        const writer = writerOf(key as string);
        if (writer !== 0 && !txns.has(writer)) count++;
      }
      return count;
    };

    const verify = async (store: Ratestore, label: string): Promise<void> => {
      const problems: string[] = [];
      for (const [id, version] of acked) {
        const info = store.batch(id);
        if (info?.version !== version) problems.push(`acknowledged commit ${id} at version ${version}, store has ${JSON.stringify(info)}`);
      }
      for (const [id, version] of ackedReverts) {
        const info = store.batch(id);
        if (info?.revertedBy !== version) problems.push(`acknowledged revert of ${id} at version ${version}, store has ${JSON.stringify(info)}`);
      }
      // Every version is a batch or a revert, with no gap.
      const batches = store.batches();
      const versions = [...batches.map((b) => b.version), ...batches.flatMap((b) => (b.revertedBy === null ? [] : [b.revertedBy]))].sort((x, y) => x - y);
      if (JSON.stringify(versions) !== JSON.stringify(Array.from({ length: store.version }, (_, i) => i + 1))) problems.push(`versions ${versions.join(',')} do not make 1..${store.version}`);
      if (store.batch('setup')?.version !== 1) problems.push('setup batch is not version 1');
      for (const info of batches) {
        if (info.batchId === 'setup') continue;
        const n = Number(info.batchId.slice(1));
        if (!attempted.has(n)) problems.push(`unexpected batch ${info.batchId}`);
        if (info.counts.prices !== CHUNKS * CHUNK_PRICES) problems.push(`${info.batchId} counts ${JSON.stringify(info.counts)}`);
      }
      const probe: Agg = { count: 0, sum: 0, min: Infinity, max: -Infinity };
      for (const n of attempted) {
        const info = store.batch(batchId(n));
        const visible = info !== undefined && info.revertedBy === null;
        const expected = expectedOf(n);
        if (visible) {
          probe.count += expected.probe.count;
          probe.sum += expected.probe.sum;
          probe.min = Math.min(probe.min, expected.probe.min);
          probe.max = Math.max(probe.max, expected.probe.max);
        }
        for (const [q, [origin, destination]] of QUERIES.entries()) {
          const year = yearOf(n);
          const { rows } = await store.rates({ dateFrom: `${year}-01-01`, dateTo: `${year}-12-31`, origin, destination, minCount: 1 });
          problems.push(...diffRows(rows, visible ? expected.days[q] : undefined, `${batchId(n)} (${info === undefined ? 'not committed' : info.revertedBy === null ? 'committed' : 'reverted'}) ${origin}->${destination}`));
        }
      }
      for (const [origin, destination] of [[PORTS[0]!.code, PORTS[1]!.code], ['east', 'east']] as const) {
        const { rows } = await store.rates({ dateFrom: PROBE_DAY, dateTo: PROBE_DAY, origin, destination, minCount: 1 });
        problems.push(...diffRows(rows, probe.count === 0 ? undefined : new Map([[PROBE_DAY, probe]]), `probe ${origin}->${destination}`));
      }
      expect(problems, `${label} (seed ${SEED})`).toEqual([]);
    };
    /** The layout of the records (a scan of all of them, so only after kills in checkpoint writes and at the end). */
    const verifyLayout = async (store: Ratestore, label: string): Promise<void> => {
      const txns = await committedTxns(store);
      expect(await layoutProblems(store.db, (writer) => !txns.has(writer)), `${label} (seed ${SEED})`).toEqual([]);
    };

    for (const [index, plan] of plans.entries()) {
      const live = [...acked.keys()].filter((id) => id !== 'setup' && !ackedReverts.has(id));
      let revertFirst: string | undefined;
      let effective = plan;
      if (plan.kind === 'revert') {
        revertFirst = live.length === 0 ? undefined : live[Math.floor(random() * live.length)];
        if (revertFirst === undefined) effective = { kind: 'marker', delayMs: plan.delayMs };
      }
      const commitMs = commitTimes.length === 0 ? 500 : [...commitTimes].sort((x, y) => x - y)[Math.floor(commitTimes.length / 2)]!;
      const run = await runChild(location, next, revertFirst, effective, commitMs);
      if (run.killed) kills++;

      // What the child acknowledged.
      let inFlight: number | undefined;
      let revertInFlight: string | undefined;
      let commitStarted = false;
      for (const [event, a, b, c] of run.lines) {
        if (event === 'commit-start') commitStarted = true;
        if (event === 'begin') {
          commitStarted = false;
          inFlight = Number(a);
          attempted.add(inFlight);
          next = Math.max(next, inFlight + 1);
        } else if (event === 'committed') {
          acked.set(batchId(Number(a)), Number(b));
          commitTimes.push(Number(c));
          inFlight = undefined;
        } else if (event === 'revert-start') revertInFlight = a;
        else if (event === 'reverted') {
          ackedReverts.set(a!, Number(b));
          revertInFlight = undefined;
        }
      }
      const last = run.lines.at(-1)?.join(' ') ?? '(nothing)';

      const store = new Ratestore({ location });
      await store.open();
      const label = `after run ${index} (${JSON.stringify(effective)}, killed after "${run.trigger}", last line "${last}")`;

      // Where the kill landed.
      let outcome = 'between steps';
      const staged = await store.stagedBatches();
      const debrisNow = await debris(store);
      if (last.startsWith('write checkpoint')) {
        outcome = 'checkpoint: in a checkpoint write';
      } else if (last.startsWith('written checkpoint')) {
        outcome = 'checkpoint: just after a checkpoint write';
      } else if (inFlight !== undefined) {
        const id = batchId(inFlight);
        const stagedInfo = staged.find((s) => s.batchId === id);
        if (store.batch(id) !== undefined) outcome = 'commit: marker written, not yet acknowledged';
        else if (stagedInfo === undefined) outcome = 'begin: before the staged meta write';
        else if (last.startsWith('write marker')) outcome = 'commit: in the marker write (it did not land)';
        else if (commitStarted) outcome = debrisNow > debrisBefore ? 'commit: during the record writes (debris left)' : 'commit: before any record write';
        else outcome = `staging: ${stagedInfo.chunks.length} of ${CHUNKS} chunks on disk`;
      } else if (revertInFlight !== undefined) {
        outcome = store.batch(revertInFlight)?.revertedBy !== null
          ? 'revert: marker written, not yet acknowledged'
          : last.startsWith('write marker') ? 'revert: in the marker write (it did not land)' : 'revert: before the marker write';
      }
      debrisBefore = debrisNow;
      if (run.killed) outcomes.push(outcome);

      await verify(store, label);
      if (effective.kind === 'checkpoint') await verifyLayout(store, label);

      // A staged batch left by the kill can be completed and committed, or aborted.
      for (const info of staged) {
        expect(info.batchId, `${label}: only the batch in flight may be staged`).toBe(inFlight === undefined ? undefined : batchId(inFlight));
        const n = Number(info.batchId.slice(1));
        if (resolutions++ % 2 === 1) {
          expect(await store.abort(info.batchId)).toBe(true);
          expect(await store.staged(info.batchId)).toBeUndefined();
          await expect(store.commit(info.batchId)).rejects.toMatchObject({ code: 'RATESTORE_UNKNOWN_BATCH' });
        } else {
          for (let k = 0; k < CHUNKS; k++) if (!info.chunks.includes(k)) await store.addChunk(info.batchId, chunkItems(n, k), { chunk: k });
          const result = await store.commit(info.batchId);
          expect(result.counts.prices).toBe(CHUNKS * CHUNK_PRICES);
          acked.set(info.batchId, result.version);
        }
        await verify(store, `${label}, after resolving staged ${info.batchId}`);
      }
      await store.close();
    }

    // The store still takes commits and reverts after all that.
    const store = new Ratestore({ location });
    await store.open();
    const n = next++;
    attempted.add(n);
    const staged = await store.begin(batchId(n));
    for (let k = 0; k < CHUNKS; k++) await staged.add(chunkItems(n, k));
    acked.set(batchId(n), (await staged.commit()).version);
    await verify(store, 'after a final commit');
    const target = store.batches().find((b) => b.batchId !== 'setup' && b.revertedBy === null)!;
    ackedReverts.set(target.batchId, (await store.revert(target.batchId)).version);
    await verify(store, 'after a final revert');
    await verifyLayout(store, 'at the end');
    await expect(store.revert('nope')).rejects.toBeInstanceOf(RatestoreError);
    await store.close();

    const tally = new Map<string, number>();
    for (const outcome of outcomes) tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
    console.log(`crash test: seed ${SEED}, ${kills} kills in ${((Date.now() - started) / 1000).toFixed(1)} s, median commit ${[...commitTimes].sort((x, y) => x - y)[Math.floor(commitTimes.length / 2)]} ms; where the kills landed:\n` +
      [...tally].map(([outcome, count]) => `  ${count} x ${outcome}`).join('\n'));
    expect(kills).toBeGreaterThanOrEqual(20);
  });
});
