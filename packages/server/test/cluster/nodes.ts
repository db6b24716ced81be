/**
 * Cluster nodes as users run them: real `ratestore serve --cluster URL --data DIR --node-id ID`
 * processes on 127.0.0.1, started and stopped by PID, spoken to over HTTP only.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, expect } from 'vitest';
import { CLI, startServerProcess, type ServerProcess } from '../server-process.js';
import { checkAgainstOpenApi } from '../helpers.js';

export interface ClusterNode extends ServerProcess {
  id: string;
  data: string;
}

export interface Reply<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/** Temporary data directories, removed by `removeDirs()`. */
const dirs: string[] = [];

/** A new, empty directory for a node's replica. */
export function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ratestore-node-'));
  dirs.push(dir);
  return dir;
}

export function removeDirs(): void {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** The list of nodes a test file starts: stopped after each test, their data directories removed after the file. */
export function useNodes(): ClusterNode[] {
  const nodes: ClusterNode[] = [];
  afterEach(() => stopNodes(nodes));
  afterAll(removeDirs);
  return nodes;
}

/** Stops `nodes` (emptying the list), first printing what they logged as errors, so that a failing test shows why. */
export async function stopNodes(nodes: ClusterNode[]): Promise<void> {
  for (const node of nodes) {
    for (const line of node.lines) if (typeof line.level === 'number' && line.level >= 50) console.error(`node ${node.id}:`, JSON.stringify(line));
  }
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
}

/** Starts a node on `url`'s log with its replica in `data`; resolves once it listens (caught up with the log head it saw). */
export async function startNode(url: string, id: string, data = dataDir(), args: string[] = []): Promise<ClusterNode> {
  const node = await startServerProcess({ data, args: ['--cluster', url, '--node-id', id, ...args] });
  return Object.assign(node, { id, data });
}

/** A `ratestore serve --cluster` that is expected to fail to start: its exit code and what it wrote to stderr. */
export async function failedStart(url: string, data: string, timeoutMs = 30_000): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--host', '127.0.0.1', '--port', '0', '--data', data, '--cluster', url], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let stdout = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stderr, stdout };
}

/**
 * One HTTP request to a node, its answer checked against the OpenAPI document (a problem's status
 * and code too). `body`: JSON; `raw`: a body as it is, with `type`. Each request has a connection of
 * its own: a kept-alive one that the server closes after its idle timeout, just as a request starts
 * on it, fails the request (fetch does not retry a POST).
 */
export async function call<T = any>(node: { url: string }, method: string, path: string,
  options: { body?: unknown; raw?: string | Buffer; type?: string; headers?: Record<string, string> } = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  let body: string | Buffer | undefined;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  } else if (options.raw !== undefined) {
    body = options.raw;
    if (options.type !== undefined) headers['content-type'] = options.type;
  }
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(node.url + path, { method, headers, agent: false }, resolve);
    req.on('error', reject);
    req.end(body);
  });
  let text = '';
  response.setEncoding('utf8');
  for await (const chunk of response) text += chunk as string;
  const replyHeaders = new Headers();
  for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) replyHeaders.set(name, Array.isArray(value) ? value.join(', ') : value);
  const status = response.statusCode!;
  const contentType = replyHeaders.get('content-type');
  const parsed = contentType !== null && /json/.test(contentType) && text !== '' ? JSON.parse(text) : text;
  checkAgainstOpenApi(method, node.url + path, status, contentType, parsed);
  if (contentType?.startsWith('application/problem+json') === true) expect(parsed.status).toBe(status);
  return { status, headers: replyHeaders, body: parsed as T };
}

export interface NodeStatus {
  node_id: string;
  mode: string;
  version: number;
  log_version: number | null;
  lag_versions: number | null;
  lag_seconds: number | null;
  stale: boolean;
}

export async function status(node: { url: string }): Promise<NodeStatus> {
  const reply = await call<NodeStatus>(node, 'GET', '/v1/status');
  expect(reply.status).toBe(200);
  return reply.body;
}

/** Waits until every node has applied the log's head; resolves that version. */
export async function settle(nodes: readonly ClusterNode[], timeoutMs = 30_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const states = await Promise.all(nodes.map(status));
    const head = states[0]!.log_version;
    if (head !== null && states.every((state) => state.version === head && state.log_version === head)) return head;
    if (Date.now() > deadline) throw new Error(`the nodes did not settle: ${JSON.stringify(states)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A counter of a node's GET /metrics, summed over its label sets that match `labels` (e.g. `kind="commit"`). */
export async function counter(node: { url: string }, name: string, labels: string): Promise<number> {
  const { body: text } = await call<string>(node, 'GET', '/metrics');
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`) && line.includes(labels)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

/** A CSV body of prices (`origin,destination,day,price`). */
export function csv(prices: ReadonlyArray<{ origin: string; destination: string; day: string; price: number }>): string {
  let text = 'origin,destination,day,price\n';
  for (const p of prices) text += `${p.origin},${p.destination},${p.day},${p.price}\n`;
  return text;
}

/** An NDJSON body of items. */
export function ndjson(items: readonly unknown[]): string {
  return items.map((item) => JSON.stringify(item)).join('\n') + '\n';
}
