/**
 * A 200k-price upload survives the server process being killed (SIGKILL) and restarted on the same
 * port with the same data: the batch lands exactly once, and chunks the server acknowledged before
 * the kill are not sent again.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { RatestoreClient, type UploadProgress } from '../src/index.js';
import { expectedCounts, priceStream, startServerProcess, tempDir, world, type ServerProcess } from './helpers.js';

const PRICES = 200_000;
const CHUNK = 5_000;
const CHUNKS = PRICES / CHUNK;

const HOLD_COMMIT = resolve(fileURLToPath(import.meta.url), '../fixtures/slow-commit.mjs');
const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Chunk PUTs this server process answered 200, from its Prometheus metrics. */
async function chunkPuts(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('ratestore_http_requests_total{') && l.includes('method="PUT"') && l.includes('status="200"'));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

/**
 * Uploads 200k prices while `killer` may SIGKILL the server (it returns true once it did); once the
 * process is gone, a new one (without any fixture) starts on the same port and data after `downMs`.
 */
async function uploadThroughRestart(batchId: string, killer: (p: UploadProgress, server: ServerProcess) => boolean, options: { downMs: number; holdCommits?: boolean }) {
  const dir = tempDir('ratestore-client-resume-');
  cleanups.push(dir.cleanup);
  const hold = options.holdCommits === true ? { nodeArgs: ['--import', HOLD_COMMIT], env: { RATESTORE_TEST_COMMIT_HOLD_MS: '20000' } } : {};
  const servers: ServerProcess[] = [await startServerProcess({ data: dir.path, ...hold })];
  cleanups.push(() => Promise.all(servers.map((s) => s.stop())));
  const first = servers[0]!;
  const client = new RatestoreClient({ baseUrl: first.url });
  const worldVersion = (await client.uploadBatch(world(), { batchId: 'world' })).version;
  const restarted = first.exited.then(async () => {
    await new Promise((r) => setTimeout(r, options.downMs));
    const second = await startServerProcess({ data: dir.path, port: first.port });
    servers.push(second);
    return second;
  });

  const seen: UploadProgress[] = [];
  let atKill: UploadProgress | undefined;
  const result = await client.uploadBatch(priceStream(PRICES), {
    batchId,
    chunkSize: CHUNK,
    concurrency: 3,
    onProgress: (p) => {
      seen.push(p);
      if (atKill === undefined && killer(p, first)) atKill = p;
    }
  });
  expect(first.process.signalCode, 'the first server was killed during the upload').toBe('SIGKILL');
  const second = await restarted;
  return { client, result, seen, atKill, second, worldVersion };
}

const killNow = (when: (p: UploadProgress) => boolean) => (p: UploadProgress, server: ServerProcess) => when(p) && server.process.kill('SIGKILL');

async function expectExactlyOnce(client: RatestoreClient, batchId: string, worldVersion: number): Promise<void> {
  const log = await client.batches();
  expect(log.map((b) => [b.batchId, b.version, b.counts.prices])).toEqual([
    ['world', worldVersion, 0],
    [batchId, worldVersion + 1, PRICES]
  ]);
  const rates = await client.ratesDetailed({ dateFrom: '2020-01-01', dateTo: '2020-04-09', origin: 'china', destination: 'europe' });
  expect(rates.version).toBe(worldVersion + 1);
  expect(rates.rows.map((r) => r.count)).toEqual(expectedCounts(PRICES));
  expect(await client.uploadStatus(batchId)).toMatchObject({ state: 'committed' });
}

describe('an upload through a server killed and restarted', () => {
  it('killed mid-upload: the batch lands exactly once and acknowledged chunks are not re-sent', async () => {
    const { client, result, seen, atKill, second, worldVersion } = await uploadThroughRestart('resume-kill', killNow((p) => p.chunksAcknowledged >= 10), { downMs: 800 });
    expect(result).toMatchObject({ batchId: 'resume-kill', version: worldVersion + 1, counts: { prices: PRICES, ports: 0, regions: 0 } });
    expect(seen.at(-1)).toMatchObject({ phase: 'committed', chunksAcknowledged: CHUNKS, itemsAcknowledged: PRICES });
    // The new process received only chunks the old one had not acknowledged.
    const resent = await chunkPuts(second.url);
    expect(resent).toBeGreaterThan(0);
    expect(resent).toBeLessThanOrEqual(CHUNKS - atKill!.chunksAcknowledged);
    await expectExactlyOnce(client, 'resume-kill', worldVersion);
    // Uploading it again is a no-op that answers the first result.
    expect(await client.uploadBatch(priceStream(PRICES), { batchId: 'resume-kill', chunkSize: CHUNK })).toEqual(result);
    expect((await client.batches()).length).toBe(2);
  });

  it('killed as the commit goes out: the commit, retried on the new process, lands the batch exactly once', async () => {
    // All chunks are acknowledged and durable; the kill lands as the commit request is sent.
    const { client, result, second, worldVersion } = await uploadThroughRestart('resume-commit', killNow((p) => p.phase === 'committing'), { downMs: 300 });
    expect(result).toMatchObject({ batchId: 'resume-commit', version: worldVersion + 1, counts: { prices: PRICES } });
    expect(await chunkPuts(second.url)).toBe(0);
    await expectExactlyOnce(client, 'resume-commit', worldVersion);
  });

  it('killed after the commit but before its answer: the retried commit answers the first result', async () => {
    // The first process commits durably, then holds the answer; it is killed in between.
    const { client, result, worldVersion } = await uploadThroughRestart(
      'resume-answer-lost',
      (p, server) => {
        if (p.phase !== 'committing') return false;
        const poll = setInterval(() => {
          if (server.lines.some((l) => l.msg === 'test: committed, holding the answer')) {
            clearInterval(poll);
            server.process.kill('SIGKILL');
          }
        }, 10);
        return true;
      },
      { downMs: 300, holdCommits: true }
    );
    expect(result).toMatchObject({ batchId: 'resume-answer-lost', version: worldVersion + 1, counts: { prices: PRICES } });
    await expectExactlyOnce(client, 'resume-answer-lost', worldVersion);
  });
});
