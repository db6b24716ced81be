#!/usr/bin/env node
// @ts-check
/**
 * Blue/green deploys of a Ratestore cluster behind HAProxy (deploy/haproxy.cfg), run by an operator:
 *
 *   node deploy/bluegreen.mjs switch green --nodes /etc/ratestore/nodes.json
 *
 * starts the green nodes (the code and data directories the nodes file gives green), waits until
 * each has caught up with the log and is ready, enables them in HAProxy and waits until HAProxy
 * sends them traffic, then drains the blue nodes, sends them SIGTERM (they finish what is in flight)
 * and waits for them to exit, and reports. When a green node does not become ready it refuses:
 * it says why, stops the green nodes it started, and leaves blue serving. Rolling back is the same
 * command the other way (`switch blue`). See docs/operations.md.
 *
 * Commands: status | start COLOUR | switch COLOUR | stop COLOUR. Exit codes: 0 done, 1 refused or
 * failed (what was serving still serves), 2 usage.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { serverStats, setServerState } from './lib/haproxy.mjs';

const USAGE = `usage: bluegreen.mjs status|start COLOUR|switch COLOUR|stop COLOUR [--nodes FILE] [--json]
  status         every server's state in HAProxy and every running node's /v1/status
  start COLOUR   start COLOUR's nodes, wait until they are ready and enable them (first start)
  switch COLOUR  deploy: start COLOUR, wait until ready, enable it, drain and stop the other colour
  stop COLOUR    drain COLOUR's nodes in HAProxy, SIGTERM them, wait for them to exit
  --nodes FILE   the nodes file (default: $RATESTORE_NODES, then deploy/nodes.json)
  --json         print the report as one JSON document`;

/** Raised for what the operator must hear and act on: printed without a stack trace. */
class Refusal extends Error {
  /** Whether traffic had moved to the new colour already (only the old one's stop failed). */
  switched = false;
}

/**
 * @typedef {{ server: string, port: number, data: string, nodeId: string, url: string, pidFile: string, logFile: string }} Node
 * @typedef {{ name: string, command: string[], env: Record<string, string>, nodes: Node[] }} Colour
 * @typedef {{ socket: string, backend: string, host: string, readyTimeoutMs: number, stopTimeoutMs: number, colours: Map<string, Colour> }} Plan
 */

/**
 * Reads and checks the nodes file (see deploy/nodes.example.json); relative paths are taken from
 * the file's folder.
 * @param {string} file
 * @returns {Plan}
 */
function loadPlan(file) {
  const base = dirname(resolve(file));
  /** @type {any} */
  let raw;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Refusal(`cannot read the nodes file ${file}: ${/** @type {Error} */ (error).message}`);
  }
  const need = (/** @type {unknown} */ ok, /** @type {string} */ what) => {
    if (!ok) throw new Refusal(`nodes file ${file}: ${what}`);
  };
  need(typeof raw?.haproxy?.socket === 'string' && typeof raw.haproxy.backend === 'string', 'haproxy.socket and haproxy.backend are required');
  need(typeof raw.run === 'string', '"run" (the folder of pid files and node logs) is required');
  need(raw.colours !== null && typeof raw.colours === 'object' && Object.keys(raw.colours).length === 2, '"colours" must name exactly two colours (blue and green)');
  const host = raw.host ?? '127.0.0.1';
  const run = resolve(base, raw.run);
  /** @type {Map<string, Colour>} */
  const colours = new Map();
  for (const [name, colour] of Object.entries(raw.colours)) {
    const c = /** @type {any} */ (colour);
    need(Array.isArray(c?.command) && c.command.length > 0 && c.command.every((/** @type {unknown} */ a) => typeof a === 'string'), `colours.${name}.command must be the command that runs \`ratestore serve\`, as an array`);
    need(Array.isArray(c.nodes) && c.nodes.length > 0, `colours.${name}.nodes must list its nodes`);
    const nodes = c.nodes.map((/** @type {any} */ n, /** @type {number} */ i) => {
      need(typeof n?.server === 'string' && Number.isInteger(n.port) && typeof n.data === 'string', `colours.${name}.nodes[${i}] needs server (its name in HAProxy), port and data`);
      return {
        server: n.server,
        port: n.port,
        data: resolve(base, n.data),
        nodeId: n.nodeId ?? n.server,
        url: `http://${host.includes(':') ? `[${host}]` : host}:${n.port}`,
        pidFile: join(run, `${n.server}.pid`),
        logFile: join(run, `${n.server}.log`)
      };
    });
    colours.set(name, { name, command: c.command, env: c.env ?? {}, nodes });
  }
  return {
    socket: resolve(base, raw.haproxy.socket),
    backend: raw.haproxy.backend,
    host,
    readyTimeoutMs: (raw.readyTimeoutSeconds ?? 300) * 1000,
    stopTimeoutMs: (raw.stopTimeoutSeconds ?? 90) * 1000,
    colours
  };
}

/**
 * @param {Plan} plan
 * @param {string} name
 */
function colourOf(plan, name) {
  const colour = plan.colours.get(name);
  if (colour === undefined) throw new Refusal(`no colour "${name}" in the nodes file (it has ${[...plan.colours.keys()].join(' and ')})`);
  const other = [...plan.colours.values()].find((c) => c.name !== name);
  return { colour, other: /** @type {Colour} */ (other) };
}

// ---- the node processes ---------------------------------------------------------------------

/**
 * Whether a process runs. A node that exited stays a zombie until its parent reaps it, and the
 * parent of a node this script started is whoever adopted it (init, a subreaper), so a zombie
 * counts as gone.
 */
function alive(/** @type {number} */ pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (!existsSync('/proc/self/stat')) return true; // no procfs: no zombies to tell apart
  try {
    // The state follows the command name in parentheses: `123 (node) Z ...`.
    return !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false; // gone between the two looks
  }
}

/** The PID of a node's running process from its pid file, if that process is alive and is this node (serves its data directory). */
function runningPid(/** @type {Node} */ node) {
  if (!existsSync(node.pidFile)) return undefined;
  const pid = Number(readFileSync(node.pidFile, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return undefined;
  // A PID that the system gave to another process since is not this node.
  const cmdline = existsSync(`/proc/${pid}/cmdline`) ? readFileSync(`/proc/${pid}/cmdline`, 'utf8') : node.data;
  return cmdline.includes(node.data) ? pid : undefined;
}

/**
 * Starts a node in the background (it outlives this script): its output is appended to its log
 * file, its PID written to its pid file.
 * @param {Colour} colour
 * @param {Node} node
 * @param {string} host
 */
function startNode(colour, node, host) {
  mkdirSync(dirname(node.pidFile), { recursive: true });
  mkdirSync(node.data, { recursive: true });
  const log = openSync(node.logFile, 'a');
  const [command, ...args] = colour.command;
  const child = spawn(/** @type {string} */ (command), [...args, '--host', host, '--port', String(node.port), '--data', node.data, '--node-id', node.nodeId], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, ...colour.env }
  });
  closeSync(log);
  /** @type {{ pid: number, exit: { code: number | null, signal: string | null } | undefined, startedAt: number }} */
  const started = { pid: /** @type {number} */ (child.pid), exit: undefined, startedAt: Date.now() };
  child.on('exit', (code, signal) => (started.exit = { code, signal }));
  child.on('error', (error) => (started.exit = { code: null, signal: error.message }));
  child.unref();
  writeFileSync(node.pidFile, `${child.pid}\n`);
  return started;
}

/** The last lines of a node's log, for a refusal that says why. */
function logTail(/** @type {Node} */ node, lines = 5) {
  if (!existsSync(node.logFile)) return '(no log)';
  return readFileSync(node.logFile, 'utf8').trimEnd().split('\n').slice(-lines).map((line) => `      ${line}`).join('\n');
}

/**
 * GET a node's path; resolves `{ status, body }`, or `{ status: 0, body: reason }` when it cannot be reached.
 * @param {Node} node
 * @param {string} path
 * @returns {Promise<{ status: number, body: any }>}
 */
async function ask(node, path) {
  try {
    const response = await fetch(`${node.url}${path}`, { signal: AbortSignal.timeout(2000) });
    const text = await response.text();
    let body = text;
    try {
      body = JSON.parse(text);
    } catch {}
    return { status: response.status, body };
  } catch (error) {
    const cause = /** @type {{ cause?: { code?: string } }} */ (error).cause;
    return { status: 0, body: cause?.code ?? /** @type {Error} */ (error).message };
  }
}

/**
 * Waits until a node started here answers /readyz 200 (it has caught up with the log head it saw
 * at start), or refuses with the reason: it exited (with its log's last lines), or it was not ready
 * in time (with what /readyz and /v1/status say).
 * @param {Node} node
 * @param {ReturnType<typeof startNode>} started
 * @param {number} timeoutMs
 */
async function waitReady(node, started, timeoutMs) {
  const deadline = started.startedAt + timeoutMs;
  let last = { status: 0, body: /** @type {any} */ ('not asked yet') };
  while (Date.now() < deadline) {
    if (started.exit !== undefined) {
      throw new Refusal(`${node.server} exited during start (${started.exit.signal ?? `code ${started.exit.code}`}); the end of ${node.logFile}:\n${logTail(node)}`);
    }
    last = await ask(node, '/readyz');
    if (last.status === 200) {
      const status = await ask(node, '/v1/status');
      return { readyMs: Date.now() - started.startedAt, status: status.body };
    }
    await delay(250);
  }
  const status = await ask(node, '/v1/status');
  const lag = status.status === 200 ? `; /v1/status: version ${status.body.version} of log version ${status.body.log_version} (${status.body.lag_versions} behind)` : '';
  throw new Refusal(`${node.server} is not ready after ${timeoutMs / 1000} s: /readyz answered ${last.status === 0 ? `nothing (${last.body})` : `${last.status} ${JSON.stringify(last.body)}`}${lag}`);
}

/** SIGTERM (a graceful drain) to a node's process, and waits until it is gone; resolves how long that took, or undefined at the timeout. */
async function stopPid(/** @type {number} */ pid, /** @type {number} */ timeoutMs) {
  const started = Date.now();
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return 0;
  }
  while (Date.now() - started < timeoutMs) {
    if (!alive(pid)) return Date.now() - started;
    await delay(100);
  }
  return undefined;
}

// ---- HAProxy --------------------------------------------------------------------------------

/** Waits until HAProxy reports every server of a colour UP (its checks passed), or refuses at the timeout. */
async function waitUp(/** @type {Plan} */ plan, /** @type {Colour} */ colour, timeoutMs = 30_000) {
  const names = new Set(colour.nodes.map((n) => n.server));
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = (await serverStats(plan.socket, plan.backend)).filter((s) => names.has(s.server));
    if (stats.length === names.size && stats.every((s) => s.status === 'UP')) return;
    if (Date.now() > deadline) throw new Refusal(`HAProxy did not take ${colour.name} in within ${timeoutMs / 1000} s: ${stats.map((s) => `${s.server} ${s.status} (check ${s.check})`).join(', ')}`);
    await delay(100);
  }
}

/** The colour's servers that HAProxy has not in maintenance: that colour is live (or coming up). */
async function enabledServers(/** @type {Plan} */ plan, /** @type {Colour} */ colour) {
  const names = new Set(colour.nodes.map((n) => n.server));
  const stats = await serverStats(plan.socket, plan.backend);
  const missing = [...names].filter((name) => !stats.some((s) => s.server === name));
  if (missing.length > 0) throw new Refusal(`HAProxy's backend ${plan.backend} has no server ${missing.join(', ')}: add it to haproxy.cfg first`);
  return stats.filter((s) => names.has(s.server) && !s.status.startsWith('MAINT'));
}

// ---- the commands ---------------------------------------------------------------------------

/**
 * Starts a colour's nodes and waits until each is ready; on any failure the nodes it started are
 * stopped again and the refusal says why.
 * @param {Plan} plan
 * @param {Colour} colour
 * @param {(line: string) => void} say
 */
async function startColour(plan, colour, say) {
  const running = colour.nodes.filter((n) => runningPid(n) !== undefined);
  if (running.length > 0) throw new Refusal(`${colour.name} is already running (${running.map((n) => `${n.server} pid ${runningPid(n)}`).join(', ')}): stop it first (bluegreen.mjs stop ${colour.name})`);
  const started = colour.nodes.map((node) => ({ node, process: startNode(colour, node, plan.host) }));
  for (const { node, process } of started) say(`${node.server}: started, pid ${process.pid}, data ${node.data}, log ${node.logFile}`);
  try {
    const ready = await Promise.all(started.map(async ({ node, process }) => ({ node, ...(await waitReady(node, process, plan.readyTimeoutMs)) })));
    for (const { node, readyMs, status } of ready) say(`${node.server}: ready in ${(readyMs / 1000).toFixed(1)} s, at version ${status.version} of ${status.log_version} (server ${status.server_version})`);
    return ready;
  } catch (error) {
    say(`stopping the ${colour.name} nodes started`);
    await Promise.all(started.map(async ({ node, process }) => {
      await stopPid(process.pid, plan.stopTimeoutMs);
      rmSync(node.pidFile, { force: true });
    }));
    throw error;
  }
}

/**
 * Takes a colour out: drain in HAProxy (no new requests), SIGTERM (the node drains too, finishing
 * what is in flight), wait for the exit, maintenance.
 * @param {Plan} plan
 * @param {Colour} colour
 * @param {(line: string) => void} say
 */
async function stopColour(plan, colour, say) {
  for (const node of colour.nodes) await setServerState(plan.socket, plan.backend, node.server, 'drain');
  say(`${colour.name}: draining in HAProxy (${colour.nodes.map((n) => n.server).join(', ')})`);
  const stopped = await Promise.all(colour.nodes.map(async (node) => {
    const pid = runningPid(node);
    const ms = pid === undefined ? 0 : await stopPid(pid, plan.stopTimeoutMs);
    await setServerState(plan.socket, plan.backend, node.server, 'maint');
    if (ms !== undefined) rmSync(node.pidFile, { force: true });
    say(pid === undefined ? `${node.server}: was not running` : ms === undefined ? `${node.server}: pid ${pid} still running ${plan.stopTimeoutMs / 1000} s after SIGTERM` : `${node.server}: pid ${pid} exited ${(ms / 1000).toFixed(1)} s after SIGTERM`);
    return { server: node.server, pid, stopMs: ms };
  }));
  const stuck = stopped.filter((s) => s.pid !== undefined && s.stopMs === undefined);
  if (stuck.length > 0) throw new Refusal(`${stuck.map((s) => s.server).join(', ')} did not exit in time; HAProxy sends them nothing (maint); look at their logs`);
  return stopped;
}

/**
 * @param {Plan} plan
 * @param {string} name
 * @param {(line: string) => void} say
 */
async function switchTo(plan, name, say) {
  const { colour, other } = colourOf(plan, name);
  const enabled = await enabledServers(plan, colour);
  if (enabled.length > 0) throw new Refusal(`${name} is already enabled in HAProxy (${enabled.map((s) => `${s.server} ${s.status}`).join(', ')}): it is live; to roll back, switch to ${other.name}`);
  const live = await enabledServers(plan, other);
  if (live.length === 0) say(`${other.name} is not enabled in HAProxy: nothing serves now`);
  const ready = await startColour(plan, colour, say);
  for (const node of colour.nodes) await setServerState(plan.socket, plan.backend, node.server, 'ready');
  try {
    await waitUp(plan, colour);
  } catch (error) {
    await stopColour(plan, colour, say);
    throw error;
  }
  say(`${name}: enabled, HAProxy sends it requests`);
  try {
    return { ready, stopped: await stopColour(plan, other, say) };
  } catch (error) {
    if (error instanceof Refusal) error.switched = true;
    throw error;
  }
}

/** @param {Plan} plan @param {string} name @param {(line: string) => void} say */
async function startCommand(plan, name, say) {
  const { colour } = colourOf(plan, name);
  const ready = await startColour(plan, colour, say);
  for (const node of colour.nodes) await setServerState(plan.socket, plan.backend, node.server, 'ready');
  await waitUp(plan, colour);
  say(`${name}: enabled, HAProxy sends it requests`);
  return { ready, stopped: [] };
}

/** @param {Plan} plan @param {(line: string) => void} say */
async function statusCommand(plan, say) {
  const stats = await serverStats(plan.socket, plan.backend);
  const nodes = [];
  for (const colour of plan.colours.values()) {
    for (const node of colour.nodes) {
      const stat = stats.find((s) => s.server === node.server);
      const pid = runningPid(node);
      const status = pid === undefined ? undefined : await ask(node, '/v1/status');
      nodes.push({ colour: colour.name, server: node.server, haproxy: stat?.status ?? 'absent', pid, status: status?.body });
      const detail = status === undefined ? 'not running' : status.status === 200
        ? `pid ${pid}, server ${status.body.server_version}, version ${status.body.version} of ${status.body.log_version}${status.body.stale ? ', STALE (PostgreSQL unreachable)' : ''}`
        : `pid ${pid}, /v1/status ${status.status} ${JSON.stringify(status.body)}`;
      say(`${colour.name} ${node.server}: HAProxy ${stat?.status ?? 'absent'} (requests ${stat?.sessions ?? 0}); ${detail}`);
    }
  }
  return { nodes };
}

async function main() {
  const { values, positionals } = parseArgs({ options: { nodes: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean' } }, allowPositionals: true });
  const [command, colour] = positionals;
  if (values.help === true) {
    console.log(USAGE);
    return 0;
  }
  const needsColour = ['start', 'switch', 'stop'].includes(command ?? '');
  if (!(command === 'status' || needsColour) || (needsColour && colour === undefined) || positionals.length > (needsColour ? 2 : 1)) {
    console.error(USAGE);
    return 2;
  }
  const file = values.nodes ?? process.env.RATESTORE_NODES ?? join(dirname(new URL(import.meta.url).pathname), 'nodes.json');
  /** @type {string[]} */
  const lines = [];
  const say = (/** @type {string} */ line) => {
    lines.push(line);
    if (values.json !== true) console.log(line);
  };
  const started = Date.now();
  try {
    const plan = loadPlan(file);
    const c = /** @type {string} */ (colour);
    const result = command === 'status' ? await statusCommand(plan, say)
      : command === 'start' ? await startCommand(plan, c, say)
      : command === 'switch' ? await switchTo(plan, c, say)
      : { stopped: await stopColour(plan, colourOf(plan, c).colour, say) };
    const wallMs = Date.now() - started;
    if (command === 'switch') say(`switched to ${c} in ${(wallMs / 1000).toFixed(1)} s`);
    if (values.json === true) console.log(JSON.stringify({ ok: true, command, colour, wallMs, ...result, lines }));
    return 0;
  } catch (error) {
    const switched = error instanceof Refusal && error.switched;
    const what = command !== 'switch' ? `${command}${colour === undefined ? '' : ` ${colour}`} failed` : switched ? `switched to ${colour}, but` : `refusing to switch to ${colour}`;
    const message = `bluegreen: ${what}: ${/** @type {Error} */ (error).message}`;
    if (values.json === true) console.log(JSON.stringify({ ok: false, command, colour, wallMs: Date.now() - started, error: message, lines }));
    console.error(message);
    if (command === 'switch') console.error(switched ? `${colour} serves now; the other colour did not stop cleanly` : 'what served before still serves: nothing was switched');
    return 1;
  }
}

process.exitCode = await main();
