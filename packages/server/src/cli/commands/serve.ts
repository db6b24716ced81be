import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { ConfigError, loadConfig, type ConfigInput } from '../../config.js';
import { createLogger, type Logger } from '../../logger.js';
import { startServer, type RunningServer, type StartOptions } from '../../server.js';
import { DEFAULT_SAMPLE } from '../../seed.js';

export function portOption(value: string): number {
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new InvalidArgumentError('the port must be a number from 0 to 65535');
  return Number(value);
}

function positive(name: string) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError(`${name} must be a whole number of at least 1`);
    return Number(value);
  };
}

/** Runs a server until SIGTERM or SIGINT, then drains it; a second signal exits at once. */
export async function serveUntilSignal(options: StartOptions & { logger: Logger }): Promise<RunningServer | undefined> {
  let running: RunningServer;
  try {
    running = await startServer(options);
  } catch (error) {
    const code = error instanceof ConfigError ? 'RATESTORE_CONFIG' : ((error as { code?: string }).code === 'LEVEL_DATABASE_NOT_OPEN' ? 'RATESTORE_DATA_LOCKED' : 'RATESTORE_START_FAILED');
    const cause = (error as { cause?: Error }).cause;
    process.stderr.write(`error ${code}: ${(error as Error).message}${cause?.message === undefined ? '' : ` (${cause.message})`}\n`);
    process.exitCode = 1;
    return undefined;
  }
  const { logger } = options;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    running.shutdown().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      }
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return running;
}

interface ServeFlags {
  data?: string;
  port?: number;
  host?: string;
  memory?: boolean;
  config?: string;
  seedIfEmpty?: boolean;
  logLevel?: string;
}

/** `ratestore serve [--data DIR] [--port N] [--host H] [--memory]`. */
export function registerServeCommand(program: Command): void {
  program
    .command('serve')
    .description('serve the HTTP API over a store (default ./data on 127.0.0.1:3000)')
    .option('--data <dir>', 'data directory (default: $RATESTORE_DATA, then ./data)')
    .option('--port <n>', 'port, 0 for any free one (default: $PORT, then 3000)', portOption)
    .option('--host <host>', 'address to listen on (default 127.0.0.1; others need API keys)')
    .option('--memory', 'keep the store in memory (lost on exit)')
    .option('--config <file>', 'JSON configuration file (default: $RATESTORE_CONFIG)')
    .option('--seed-if-empty', 'load generated sample data when the store is empty')
    .option('--log-level <level>', 'pino log level (default info)')
    .action(async (flags: ServeFlags) => {
      let config;
      try {
        const overrides: ConfigInput = {};
        if (flags.data !== undefined) overrides.data = flags.data;
        if (flags.port !== undefined) overrides.port = flags.port;
        if (flags.host !== undefined) overrides.host = flags.host;
        if (flags.memory === true) overrides.memory = true;
        if (flags.logLevel !== undefined) overrides.logLevel = flags.logLevel;
        config = loadConfig({ ...(flags.config === undefined ? {} : { file: flags.config }), overrides });
        config.data = resolve(config.data);
      } catch (error) {
        process.stderr.write(`error RATESTORE_CONFIG: ${(error as Error).message}\n`);
        process.exitCode = 1;
        return;
      }
      await serveUntilSignal({ config, logger: createLogger(config.logLevel), seedIfEmpty: flags.seedIfEmpty === true, sample: DEFAULT_SAMPLE });
    });
}
