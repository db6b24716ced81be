/**
 * A Ratestore cluster deployed as docs/operations.md says, on 127.0.0.1: PostgreSQL, HAProxy with
 * deploy/haproxy.cfg, and blue and green nodes that deploy/bluegreen.mjs starts and stops from a
 * nodes file. Green runs another build: a copy of the server package with another version string.
 * Every process is stopped by its PID.
 */
import { execFile, spawn } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, openSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RatestoreClient } from '@ratestore/client';
import { freePort, startHaproxy, type RunningHaproxy } from '@ratestore/test-support';
import { catalog } from './load.js';

export const REPO = resolve(fileURLToPath(import.meta.url), '../../..');
export const DEPLOY = join(REPO, 'deploy');
const SERVER = join(REPO, 'packages/server');

export const BLUE_VERSION = (JSON.parse(readFileSync(join(SERVER, 'package.json'), 'utf8')) as { version: string }).version;
export const GREEN_VERSION = `${BLUE_VERSION}-green`;

export interface DeployedNode {
  colour: 'blue' | 'green';
  /** Its name in HAProxy and its node id. */
  server: string;
  port: number;
  url: string;
  data: string;
  pidFile: string;
}

export interface BlueGreenRun {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The report (`--json`). */
  report: { ok: boolean; wallMs: number; error?: string; lines: string[] } | undefined;
}

export interface DeployCluster {
  /** HAProxy's frontend: where clients go. */
  url: string;
  haproxy: RunningHaproxy;
  socket: string;
  nodes: DeployedNode[];
  nodesFile: string;
  dir: string;
  /** Runs deploy/bluegreen.mjs with this cluster's nodes file (and `--json`). */
  bluegreen(...args: string[]): Promise<BlueGreenRun>;
  /** The PID in a node's pid file, while that process runs. */
  pidOf(server: string): number | undefined;
  /**
   * Starts one node again, as its service manager would after a crash (same command, data
   * directory and pid file as bluegreen.mjs uses); resolves its PID.
   */
  restart(server: string): number;
  node(server: string): DeployedNode;
  /** Stops every node (SIGTERM, then SIGKILL), then HAProxy, by PID; removes the folder. */
  stop(): Promise<void>;
}

/**
 * A copy of the built server package whose version string is `version`: another build, as far as
 * anyone can tell. It lives in the repository's .artifacts/ so that it resolves the same
 * dependencies.
 */
function copyBuild(version: string): string {
  const root = join(REPO, '.artifacts', `build-${version}-${process.pid}`);
  rmSync(root, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  for (const part of ['dist', 'web', 'assets', 'bin']) cpSync(join(SERVER, part), join(root, part), { recursive: true });
  if (existsSync(join(SERVER, 'node_modules'))) symlinkSync(join(SERVER, 'node_modules'), join(root, 'node_modules'));
  const manifest = JSON.parse(readFileSync(join(SERVER, 'package.json'), 'utf8')) as Record<string, unknown>;
  writeFileSync(join(root, 'package.json'), JSON.stringify({ ...manifest, version }, null, 2));
  return root;
}

export interface DeployClusterOptions {
  /** The cluster's PostgreSQL URL, as the nodes get it. */
  clusterUrl: string;
  /** Settings of the nodes' config file, over deploy/ratestore.json. */
  config?: Record<string, unknown>;
  /** More HAProxy configuration files after deploy/haproxy.cfg (e.g. haproxy-postgres.cfg) and the variables they read. */
  extraConfigs?: string[];
  extraEnv?: Record<string, string>;
}

export async function startDeployCluster(options: DeployClusterOptions): Promise<DeployCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'ratestore-deploy-'));
  const socket = join(dir, 'haproxy.sock');
  const lbPort = await freePort();
  const nodes: DeployedNode[] = [];
  for (const colour of ['blue', 'green'] as const) {
    for (const n of [1, 2]) {
      const port = await freePort();
      const server = `${colour}${n}`;
      nodes.push({ colour, server, port, url: `http://127.0.0.1:${port}`, data: join(dir, 'data', server), pidFile: join(dir, 'run', `${server}.pid`) });
    }
  }
  const base = JSON.parse(readFileSync(join(DEPLOY, 'ratestore.json'), 'utf8')) as Record<string, unknown>;
  const configFile = join(dir, 'ratestore.json');
  writeFileSync(configFile, JSON.stringify({ ...base, ...options.config, logLevel: 'warn' }));
  const green = copyBuild(GREEN_VERSION);
  const command = (serverDir: string) => [process.execPath, join(serverDir, 'dist/cli/main.js'), 'serve', '--config', configFile];
  const colour = (name: 'blue' | 'green', serverDir: string) => ({
    command: command(serverDir),
    env: { RATESTORE_CLUSTER_URL: options.clusterUrl },
    nodes: nodes.filter((n) => n.colour === name).map((n) => ({ server: n.server, port: n.port, data: n.data }))
  });
  const nodesFile = join(dir, 'nodes.json');
  writeFileSync(nodesFile, JSON.stringify({
    haproxy: { socket, backend: 'ratestore' },
    run: join(dir, 'run'),
    readyTimeoutSeconds: 60,
    stopTimeoutSeconds: 60,
    colours: { blue: colour('blue', SERVER), green: colour('green', green) }
  }, null, 2));
  const env: Record<string, string> = { RATESTORE_LB_SOCKET: socket, RATESTORE_LB_BIND: `127.0.0.1:${lbPort}`, RATESTORE_LB_LOG_LEVEL: 'err', ...options.extraEnv };
  for (const n of nodes) env[`RATESTORE_${n.server.toUpperCase()}`] = `127.0.0.1:${n.port}`;
  const haproxy = await startHaproxy({ configs: [join(DEPLOY, 'haproxy.cfg'), ...(options.extraConfigs ?? [])], env, socket });

  const pidOf = (server: string): number | undefined => {
    const file = nodes.find((n) => n.server === server)?.pidFile;
    if (file === undefined || !existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, 'utf8').trim());
    return running(pid) ? pid : undefined;
  };
  return {
    url: `http://127.0.0.1:${lbPort}`,
    haproxy,
    socket,
    nodes,
    nodesFile,
    dir,
    pidOf,
    node: (server) => nodes.find((n) => n.server === server)!,
    restart(server) {
      const node = nodes.find((n) => n.server === server)!;
      const { command: [file, ...args], env: extra } = colour(node.colour, node.colour === 'blue' ? SERVER : green);
      const log = openSync(join(dir, 'run', `${server}.log`), 'a');
      const child = spawn(file!, [...args, '--host', '127.0.0.1', '--port', String(node.port), '--data', node.data, '--node-id', server], {
        detached: true, stdio: ['ignore', log, log], env: { ...process.env, ...extra }
      });
      closeSync(log);
      child.unref();
      writeFileSync(node.pidFile, `${child.pid}\n`);
      return child.pid!;
    },
    bluegreen: (...args) => runBlueGreen([...args, '--nodes', nodesFile, '--json']),
    async stop() {
      if (process.env.RATESTORE_KEEP_DEPLOY_LOGS !== undefined) cpSync(join(dir, 'run'), process.env.RATESTORE_KEEP_DEPLOY_LOGS, { recursive: true });
      await Promise.all(nodes.map(async (n) => {
        const pid = pidOf(n.server);
        if (pid !== undefined) await stopPid(pid);
      }));
      await haproxy.stop();
      rmSync(dir, { recursive: true, force: true });
      rmSync(green, { recursive: true, force: true });
    }
  };
}

/** The first start: blue serving (`bluegreen.mjs start blue`), with the sample's ports and regions loaded. */
export async function serveBlue(cluster: DeployCluster): Promise<void> {
  const start = await cluster.bluegreen('start', 'blue');
  if (start.code !== 0) throw new Error(`bluegreen.mjs start blue failed: ${start.stderr}`);
  await new RatestoreClient({ baseUrl: cluster.url }).uploadBatch(catalog(), { batchId: 'catalog' });
}

export function runBlueGreen(args: string[]): Promise<BlueGreenRun> {
  return new Promise((resolvePromise) => {
    execFile(process.execPath, [join(DEPLOY, 'bluegreen.mjs'), ...args], { timeout: 180_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      let report: BlueGreenRun['report'];
      try {
        report = JSON.parse(stdout.trim().split('\n').pop() ?? '') as BlueGreenRun['report'];
      } catch {
        report = undefined;
      }
      resolvePromise({ code, stdout, stderr, report });
    });
  });
}

/** Whether a process runs (a zombie, exited but not reaped by whoever adopted it, does not). */
export function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopPid(pid: number, graceMs = 20_000): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const deadline = Date.now() + graceMs;
  while (running(pid)) {
    if (Date.now() > deadline) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** SIGKILL, and waits until the process is gone. */
export async function killPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    return;
  }
  while (running(pid)) await new Promise((r) => setTimeout(r, 20));
}
