// @ts-check
/**
 * HAProxy's runtime API (the `stats socket ... level admin` of deploy/haproxy.cfg): one command per
 * connection, as `socat` would send it. Used by bluegreen.mjs and by the deploy tests.
 */
import { connect } from 'node:net';

/**
 * Sends one command and resolves HAProxy's whole answer. An answer that says the command failed
 * (an unknown server, a bad state) rejects, with HAProxy's words.
 * @param {string} socket the path of the runtime API socket
 * @param {string} command e.g. `set server ratestore/green1 state ready`
 * @returns {Promise<string>}
 */
export function runtimeCommand(socket, command) {
  return new Promise((resolve, reject) => {
    const connection = connect(socket);
    let answer = '';
    connection.setEncoding('utf8');
    connection.on('connect', () => connection.end(`${command}\n`));
    connection.on('data', (text) => (answer += text));
    connection.on('error', (error) => reject(new Error(`HAProxy runtime API at ${socket}: ${error.message}`)));
    connection.on('close', () => {
      const text = answer.trim();
      if (/^(No such|Unknown command|Require|Invalid|'set server' expects|Permission denied)/m.test(text)) reject(new Error(`HAProxy refused "${command}": ${text}`));
      else resolve(answer);
    });
  });
}

/**
 * @typedef {object} ServerStat
 * @property {string} backend
 * @property {string} server
 * @property {string} status  `UP`, `DOWN`, `MAINT`, `DRAIN`, `UP 1/2` (going down), `DOWN 1/2` (coming up), ...
 * @property {number} sessions  requests (sessions) sent to it so far
 * @property {number} active  sessions open now
 * @property {number} http5xx  5xx answers it gave
 * @property {string} check  the last health check's result, e.g. `L7OK`, `L7STS`, `L4CON`
 * @property {number} retries  requests sent to it again after a failure (`retry-on`)
 * @property {number} redispatches  requests it failed that went to another server
 */

/**
 * The servers of `backend` as `show stat` reports them.
 * @param {string} socket
 * @param {string} backend
 * @returns {Promise<ServerStat[]>}
 */
export async function serverStats(socket, backend) {
  const [header, ...rows] = (await runtimeCommand(socket, 'show stat')).trim().split('\n');
  const columns = (header ?? '').replace(/^# /, '').split(',');
  const at = (/** @type {string[]} */ row, /** @type {string} */ name) => row[columns.indexOf(name)] ?? '';
  return rows
    .map((line) => line.split(','))
    .filter((row) => at(row, 'pxname') === backend && !['FRONTEND', 'BACKEND'].includes(at(row, 'svname')))
    .map((row) => ({
      backend,
      server: at(row, 'svname'),
      status: at(row, 'status'),
      sessions: Number(at(row, 'stot')),
      active: Number(at(row, 'scur')),
      http5xx: Number(at(row, 'hrsp_5xx')),
      check: at(row, 'check_status'),
      retries: Number(at(row, 'wretr')),
      redispatches: Number(at(row, 'wredis'))
    }));
}

/**
 * Sets a server's administrative state: `ready` (takes traffic once its checks pass), `drain` (no new
 * requests; those in flight finish) or `maint` (out).
 * @param {string} socket
 * @param {string} backend
 * @param {string} server
 * @param {'ready' | 'drain' | 'maint'} state
 */
export async function setServerState(socket, backend, server, state) {
  await runtimeCommand(socket, `set server ${backend}/${server} state ${state}`);
}
