import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { RatestoreError } from '@ratestore/core';
import { ConfigError, loadConfig, type ConfigInput } from '../../config.js';
import type { RunningServer, StartOptions } from '../../server.js';
import { DEFAULT_SAMPLE } from '../../seed.js';
import { CliError, configureCommand, dataOption, isLocked, processIo, runAction, storeOptions, type CliIo } from './common.js';

function portOption(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError('the port must be a number from 0 to 65535');
  return Number(value);
}

/** `--port` and `--host`, of the commands that serve. */
export interface ListenFlags {
  port?: number;
  host?: string;
}

/** Adds `--port` and `--host` to a command that serves. */
export function listenOptions(command: Command, hostHelp: string): Command {
  return command.option('--port <n>', 'port, 0 for any free one (default: $PORT, then 3000)', portOption).option('--host <host>', hostHelp);
}

/** The configuration `--port` and `--host` set. */
export function listenOverrides(flags: ListenFlags): ConfigInput {
  return { ...(flags.port === undefined ? {} : { port: flags.port }), ...(flags.host === undefined ? {} : { host: flags.host }) };
}

/**
 * Runs a server until SIGTERM or SIGINT, then drains it; a second signal exits at once. A server
 * that cannot start throws: RATESTORE_CONFIG, RATESTORE_DATA_LOCKED (another process holds the
 * data directory), an engine code, or RATESTORE_START_FAILED for anything else.
 */
export async function serveUntilSignal(options: StartOptions): Promise<RunningServer> {
  // The server (Express, pino...) is loaded when one starts: `import` and the other commands need none of it.
  const { createLogger, flushLog } = await import('../../logger.js');
  const logger = options.logger ?? createLogger(options.config.logLevel);
  // The log's last lines out first (see flushLog: a closed pipe would hold the exit forever).
  const exit = (code: number): void => void flushLog(logger).then(() => process.exit(code));
  let running: RunningServer | undefined;
  let stopping = false;
  const listen = (on: boolean): void => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      if (on) process.on(signal, onSignal);
      else process.off(signal, onSignal);
    }
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (running === undefined) {
      // Still starting: the signal does what it did before there was a handler (ends the process).
      listen(false);
      process.kill(process.pid, signal);
      return;
    }
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    running.shutdown().then(
      () => exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        exit(1);
      }
    );
  };
  // Listened for before the server starts: a signal sent as soon as it logs "listening" must find
  // the handler, not the default action (the process killed mid-way, as a test under load saw).
  listen(true);
  try {
    running = await start({ ...options, logger });
  } catch (error) {
    listen(false);
    throw error;
  }
  return running;
}

async function start(options: StartOptions): Promise<RunningServer> {
  const { startServer } = await import('../../server.js');
  try {
    return await startServer(options);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof RatestoreError || isLocked(error) || hasCode(error)) throw error;
    // LevelDB says only "Database failed to open"; the cause says why.
    const cause = (error as { cause?: Error }).cause;
    throw new CliError('RATESTORE_START_FAILED', `${(error as Error).message}${cause?.message === undefined ? '' : ` (${cause.message})`}`);
  }
}

/** An error that names its own stable code (cluster start-up: RATESTORE_LOG_UNAVAILABLE, RATESTORE_LOG_PRUNED). */
function hasCode(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && code.startsWith('RATESTORE_');
}

interface ServeFlags extends ListenFlags {
  memory?: boolean;
  config?: string;
  seedIfEmpty?: boolean;
  logLevel?: string;
  cluster?: string;
  nodeId?: string;
}

/** `ratestore serve [--data DIR] [--port N] [--host H] [--memory]`. */
export function registerServeCommand(program: Command, io: CliIo = processIo()): void {
  const command = listenOptions(storeOptions(program.command('serve').description('serve the HTTP API over a store (default ./data on 127.0.0.1:3000)')), 'address to listen on (default 127.0.0.1; others need API keys)')
    .option('--memory', 'keep the store in memory (lost on exit)')
    .option('--config <file>', 'JSON configuration file (default: $RATESTORE_CONFIG)')
    .option('--seed-if-empty', 'load generated sample data when the store is empty')
    .option('--log-level <level>', 'pino log level (default info)')
    .option('--cluster <url>', 'cluster mode: the PostgreSQL URL of the commit log; --data is this node\'s replica (default: $RATESTORE_CLUSTER_URL)')
    .option('--node-id <id>', 'this node\'s id in a cluster (default: $RATESTORE_NODE_ID, then derived from the host name and --data)');
  configureCommand(command, io);
  command.action(async (flags: ServeFlags, cmd: Command) => {
    await runAction(io, async () => {
      const data = dataOption(cmd);
      const overrides: ConfigInput = {
        ...(data === undefined ? {} : { data }),
        ...listenOverrides(flags),
        ...(flags.memory === true ? { memory: true } : {}),
        ...(flags.logLevel === undefined ? {} : { logLevel: flags.logLevel }),
        ...(flags.cluster === undefined && flags.nodeId === undefined ? {} : {
          cluster: { ...(flags.cluster === undefined ? {} : { url: flags.cluster }), ...(flags.nodeId === undefined ? {} : { nodeId: flags.nodeId }) }
        })
      };
      const config = loadConfig({ env: io.env, ...(flags.config === undefined ? {} : { file: flags.config }), overrides });
      config.data = resolve(config.data);
      await serveUntilSignal({ config, seedIfEmpty: flags.seedIfEmpty === true, sample: DEFAULT_SAMPLE });
    });
  });
}
