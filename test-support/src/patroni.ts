/**
 * A real Patroni cluster for tests: one etcd member and two PostgreSQL members managed by Patroni
 * (Debian's `etcd-server` and `patroni`), with deploy/patroni/patroni.yml and each member's own
 * addresses and folders given through Patroni's environment variables, as docs/operations.md
 * describes. Everything listens on 127.0.0.1 and is stopped by its PID.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';
import { postgresBin } from './postgres.js';

export interface PatroniMember {
  name: string;
  /** PostgreSQL's port. */
  port: number;
  /** Patroni's REST API port (GET /primary is 200 on the leader). */
  apiPort: number;
  dataDir: string;
  /** Patroni's PID while it runs. */
  patroniPid(): number | undefined;
  /** The postmaster's PID, from its data directory, while it runs. */
  postgresPid(): number | undefined;
  /** What Patroni printed. */
  output(): string;
}

export interface PatroniCluster {
  members: PatroniMember[];
  /** The superuser's password (user `postgres`). */
  password: string;
  /** The member whose REST API says it is the primary now, if any. */
  primary(): Promise<PatroniMember | undefined>;
  /** Waits until one member is the primary and the other its synchronous standby. */
  healthy(timeoutMs?: number): Promise<PatroniMember>;
  /** Stops both Patronis (SIGTERM: each stops its PostgreSQL), then etcd; removes the folder. */
  stop(): Promise<void>;
}

const PATRONI = '/usr/bin/patroni';
const ETCD = '/usr/bin/etcd';

export function patroniInstalled(): boolean {
  return existsSync(PATRONI) && existsSync(ETCD);
}

interface Child {
  process: ChildProcess;
  exited: Promise<unknown>;
  output: () => string;
}

function start(command: string, args: string[], options: { env?: Record<string, string>; uid?: number; gid?: number; cwd?: string }): Child {
  const child = spawn(command, args, { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.gid! }), cwd: options.cwd ?? '/' });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return { process: child, exited: once(child, 'exit'), output: () => output };
}

async function stopChild(child: Child, signal: NodeJS.Signals = 'SIGTERM', graceMs = 30_000): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill(signal);
  const timer = setTimeout(() => child.process.kill('SIGKILL'), graceMs);
  await child.exited;
  clearTimeout(timer);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

async function get(url: string): Promise<number> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await response.arrayBuffer();
    return response.status;
  } catch {
    return 0;
  }
}

/** Starts etcd and two Patroni members from `config` (deploy/patroni/patroni.yml). */
export async function startPatroniCluster(options: { config: string }): Promise<PatroniCluster> {
  if (!patroniInstalled()) throw new Error('patroni and etcd are missing: apt-get install -y patroni etcd-server (.ci/run does)');
  const bin = postgresBin();
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  const dir = mkdtempSync(join(tmpdir(), 'ratestore-patroni-'));
  chownSync(dir, uid, gid);
  const [etcdClient, etcdPeer] = [await freePort(), await freePort()];
  const etcd = start(ETCD, [
    '--name', 'e1', '--data-dir', join(dir, 'etcd'),
    '--listen-client-urls', `http://127.0.0.1:${etcdClient}`, '--advertise-client-urls', `http://127.0.0.1:${etcdClient}`,
    '--listen-peer-urls', `http://127.0.0.1:${etcdPeer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeer}`,
    '--initial-cluster', `e1=http://127.0.0.1:${etcdPeer}`
  ], {});
  const password = 'ratestore-test';
  const children = new Map<string, Child>();
  const members: PatroniMember[] = [];
  for (const name of ['pg1', 'pg2']) {
    const [port, apiPort] = [await freePort(), await freePort()];
    const home = join(dir, name);
    mkdirSync(home);
    chownSync(home, uid, gid);
    const dataDir = join(home, 'data');
    const child = start(PATRONI, [options.config], {
      uid, gid, cwd: home,
      env: {
        HOME: home,
        PATRONI_NAME: name,
        PATRONI_RESTAPI_LISTEN: `127.0.0.1:${apiPort}`,
        PATRONI_RESTAPI_CONNECT_ADDRESS: `127.0.0.1:${apiPort}`,
        PATRONI_POSTGRESQL_LISTEN: `127.0.0.1:${port}`,
        PATRONI_POSTGRESQL_CONNECT_ADDRESS: `127.0.0.1:${port}`,
        PATRONI_POSTGRESQL_DATA_DIR: dataDir,
        PATRONI_POSTGRESQL_BIN_DIR: bin,
        PATRONI_POSTGRESQL_PGPASS: join(home, 'pgpass'),
        PATRONI_ETCD3_HOSTS: `127.0.0.1:${etcdClient}`,
        PATRONI_SUPERUSER_PASSWORD: password,
        PATRONI_REPLICATION_PASSWORD: password
      }
    });
    children.set(name, child);
    members.push({
      name, port, apiPort, dataDir,
      patroniPid: () => (child.process.exitCode === null && child.process.signalCode === null ? child.process.pid : undefined),
      postgresPid() {
        const file = join(dataDir, 'postmaster.pid');
        if (!existsSync(file)) return undefined;
        const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
        return Number.isInteger(pid) && alive(pid) ? pid : undefined;
      },
      output: child.output
    });
    // The first member bootstraps the cluster alone; the second then copies it.
    if (name === 'pg1') await waitFor(async () => (await get(`http://127.0.0.1:${apiPort}/primary`)) === 200, 60_000, () => `pg1 did not become the primary:\n${child.output()}\netcd:\n${etcd.output()}`);
  }
  const primary = async () => {
    for (const member of members) if ((await get(`http://127.0.0.1:${member.apiPort}/primary`)) === 200) return member;
    return undefined;
  };
  const cluster: PatroniCluster = {
    members,
    password,
    primary,
    async healthy(timeoutMs = 90_000) {
      let leader: PatroniMember | undefined;
      await waitFor(async () => {
        leader = await primary();
        const standby = members.find((m) => m !== leader);
        return leader !== undefined && standby !== undefined && (await get(`http://127.0.0.1:${standby.apiPort}/sync`)) === 200;
      }, timeoutMs, () => `no primary with a synchronous standby:\n${members.map((m) => `${m.name}:\n${m.output().slice(-3000)}`).join('\n')}`);
      return leader!;
    },
    async stop() {
      await Promise.all([...children.values()].map((child) => stopChild(child)));
      // A postmaster whose Patroni was killed outlives it: stop it by its PID too.
      for (const member of members) {
        const pid = member.postgresPid();
        if (pid !== undefined) {
          process.kill(pid, 'SIGQUIT');
          await waitFor(async () => !alive(pid), 30_000, () => `postgres ${pid} did not stop`).catch(() => process.kill(pid, 'SIGKILL'));
        }
      }
      await stopChild(etcd);
      rmSync(dir, { recursive: true, force: true });
    }
  };
  try {
    await cluster.healthy();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

async function waitFor(check: () => Promise<boolean>, timeoutMs: number, why: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(why());
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
