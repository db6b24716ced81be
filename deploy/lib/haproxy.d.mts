/** Types of haproxy.mjs, for the TypeScript tests that use it. */
export function runtimeCommand(socket: string, command: string): Promise<string>;
export interface ServerStat {
  backend: string;
  server: string;
  status: string;
  sessions: number;
  active: number;
  http5xx: number;
  check: string;
  retries: number;
  redispatches: number;
}
export function serverStats(socket: string, backend: string): Promise<ServerStat[]>;
export function setServerState(socket: string, backend: string, server: string, state: 'ready' | 'drain' | 'maint'): Promise<void>;
