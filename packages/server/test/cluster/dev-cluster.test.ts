/**
 * `ratestore dev --cluster N` run as a user runs it: the built CLI in a process of its own, which
 * starts a throwaway PostgreSQL and N `serve --cluster` processes, and must leave nothing behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RatestoreClient } from '@ratestore/client';
import { isAlive } from '@ratestore/test-support';
import { cli } from '../helpers/cli.js';
import { CLI } from '../server-process.js';

interface Started {
  nodes: Array<{ id: string; url: string; pid: number; data: string }>;
  postgres: { url: string; pid: number; dir: string };
  /** The query of the `try: curl` line: a route of the sample with prices. */
  example: URLSearchParams;
}

interface DevRun {
  child: ChildProcess;
  exited: Promise<number | null>;
  output: () => { stdout: string; stderr: string };
  started: Promise<Started>;
}

const running: DevRun[] = [];

afterEach(async () => {
  // A failed test still stops what it started (the command's own Ctrl-C path).
  for (const run of running.splice(0)) {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGINT');
    await run.exited;
  }
});

/** `ratestore dev ARGS` as a child process, with an environment free of the caller's Ratestore settings. */
function startDev(args: string[]): DevRun {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('RATESTORE_') && name !== 'PORT'));
  const child = spawn(process.execPath, [CLI, 'dev', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const started = new Promise<Started>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const summary = /^ratestore dev --cluster \d+: ready\n([\s\S]*?)^Ctrl-C/m.exec(stdout);
      if (summary === null) return;
      const nodes = [...summary[1]!.matchAll(/^ {2}(node-\d+) +(http:\S+) +pid (\d+) +data (\S+)$/gm)].map(([, id, url, pid, data]) => ({ id: id!, url: url!, pid: Number(pid), data: data! }));
      const [, url, pid, dir] = /^ {2}postgresql +(\S+) +pid (\d+) +data (\S+)/m.exec(summary[1]!)!;
      const example = new URL(/^try: curl '(\S+)'$/m.exec(summary[1]!)![1]!).searchParams;
      resolve({ nodes, postgres: { url: url!, pid: Number(pid), dir: dir! }, example });
    });
    void exited.then((code) => reject(new Error(`dev --cluster exited with ${code} before it was ready:\n${stdout}\n${stderr}`)));
  });
  const run = { child, exited, output: () => ({ stdout, stderr }), started };
  running.push(run);
  return run;
}

/** Listens on 127.0.0.1:port; the server, or undefined when the port is taken. */
function occupy(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => resolve(server));
  });
}

/** A first port with `count` free ports from it (other test runs share this machine). */
async function freeRange(count: number): Promise<number> {
  for (;;) {
    const first = 20_000 + Math.floor(Math.random() * 40_000);
    const held = await Promise.all(Array.from({ length: count }, (_, i) => occupy(first + i)));
    await Promise.all(held.map((server) => server && new Promise((resolve) => server.close(resolve))));
    if (held.every((server) => server !== undefined)) return first;
  }
}

const STARTED_MS = 120_000;

describe('ratestore dev --cluster N', () => {
  it('starts PostgreSQL and 3 seeded nodes on consecutive ports that read each other\'s writes, and Ctrl-C leaves nothing behind', async () => {
    const first = await freeRange(3);
    const dev = startDev(['--cluster', '3', '--port', String(first), '--prices', '3000']);
    const { nodes, postgres, example } = await dev.started;

    expect(nodes.map((node) => [node.id, node.url])).toEqual([1, 2, 3].map((n, i) => [`node-${n}`, `http://127.0.0.1:${first + i}`]));
    expect(postgres.url).toMatch(/^postgresql:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    for (const pid of [...nodes.map((node) => node.pid), postgres.pid]) expect(isAlive(pid)).toBe(true);

    // Every node is a cluster node of its own id, with the sample applied: the same answers everywhere.
    const answers = await Promise.all(
      nodes.map(async (node) => {
        const status = (await (await fetch(`${node.url}/v1/status`)).json()) as { node_id: string; mode: string; version: number };
        expect(status).toMatchObject({ node_id: node.id, mode: 'cluster', version: 1 });
        const rates = await fetch(`${node.url}/rates?${example}`);
        expect(rates.status).toBe(200);
        return { rates: await rates.json(), batches: ((await (await fetch(`${node.url}/v1/batches`)).json()) as { batches: Array<{ batch_id: string }> }).batches.map((b) => b.batch_id) };
      })
    );
    expect(answers[0]!.batches).toEqual(['sample-seed']);
    expect((answers[0]!.rates as Array<{ average_price: number | null }>).some((row) => row.average_price !== null)).toBe(true);
    for (const answer of answers.slice(1)) expect(answer).toEqual(answers[0]);

    // A write through node-2 is read through node-3 at once with min_version (read your writes anywhere).
    const route = { origin: example.get('origin')!, destination: example.get('destination')! };
    const written = await new RatestoreClient({ baseUrl: nodes[1]!.url }).uploadBatch([100, 200, 330].map((price) => ({ ...route, day: '2017-03-01', price })));
    expect(written.version).toBe(2);
    const read = await new RatestoreClient({ baseUrl: nodes[2]!.url }).rates({ ...route, dateFrom: '2017-03-01', dateTo: '2017-03-01', minVersion: written.version });
    expect(read).toEqual([{ day: '2017-03-01', averagePrice: 210 }]);

    dev.child.kill('SIGINT');
    expect(await dev.exited).toBe(0);
    for (const pid of [...nodes.map((node) => node.pid), postgres.pid]) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    for (const dir of [...nodes.map((node) => node.data), postgres.dir]) expect(existsSync(dir), dir).toBe(false);
    expect(existsSync(dirname(nodes[0]!.data))).toBe(false);
  }, STARTED_MS + 60_000);

  it('takes every node and PostgreSQL down, and fails, when a node dies', async () => {
    const dev = startDev(['--cluster', '2', '--port', '0', '--prices', '500']);
    const { nodes, postgres } = await dev.started;
    process.kill(nodes[1]!.pid, 'SIGKILL');
    expect(await dev.exited).toBe(1);
    expect(dev.output().stderr).toMatch(/^error RATESTORE_NODE_FAILED: node-2 \(pid \d+\) exited \(SIGKILL\)/m);
    for (const pid of [nodes[0]!.pid, postgres.pid]) expect(isAlive(pid), `pid ${pid}`).toBe(false);
    for (const dir of [nodes[0]!.data, postgres.dir]) expect(existsSync(dir), dir).toBe(false);
  }, STARTED_MS + 60_000);

  it('refuses a port in use before it starts anything, naming the port and the node', async () => {
    const first = await freeRange(2);
    const taken = (await occupy(first + 1))!;
    try {
      const run = await cli(['dev', '--cluster', '2', '--port', String(first)]);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(`error RATESTORE_CONFIG: port: cannot listen on 127.0.0.1:${first + 1} for node-2: the port is in use; nodes take consecutive ports from --port (${first}), so choose another\n`);
      expect(run.stdout).toBe('');
    } finally {
      taken.close();
    }
  });

  it.each(['0', '17', '-1', '2.5', 'three'])('refuses --cluster %s with RATESTORE_INVALID_ARGUMENT', async (n) => {
    const run = await cli(['dev', '--cluster', n]);
    expect(run).toEqual({ code: 2, stdout: '', stderr: `error RATESTORE_INVALID_ARGUMENT: --cluster must be the number of nodes, a whole number from 1 to 16, not "${n}"\n` });
  });
});
