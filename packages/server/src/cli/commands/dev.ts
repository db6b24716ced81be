import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { createLogger } from '../../logger.js';
import { DEFAULT_SAMPLE } from '../../seed.js';
import { configureCommand, integerOption, processIo, runAction, type CliIo } from './common.js';
import { portOption, serveUntilSignal } from './serve.js';

interface DevFlags {
  port?: number;
  host?: string;
  prices?: number;
  ports?: number;
  seed?: number;
}

/** `ratestore dev`: an in-memory store with generated sample data, served at once. */
export function registerDevCommand(program: Command, io: CliIo = processIo()): void {
  const command = program
    .command('dev')
    .description('serve an in-memory store filled with generated sample data (nothing is written to disk)')
    .option('--port <n>', 'port, 0 for any free one (default: $PORT, then 3000)', portOption)
    .option('--host <host>', 'address to listen on (default 127.0.0.1)')
    .option('--prices <n>', `sample prices (default ${DEFAULT_SAMPLE.prices})`, integerOption('--prices', 1))
    .option('--ports <n>', `sample ports (default ${DEFAULT_SAMPLE.ports})`, integerOption('--ports', 2))
    .option('--seed <n>', 'seed of the generator (default 1)', integerOption('--seed', 0));
  configureCommand(command, io);
  command.action(async (flags: DevFlags) => {
    await runAction(io, async () => {
      const config = loadConfig({
        env: io.env,
        overrides: { memory: true, ...(flags.port === undefined ? {} : { port: flags.port }), ...(flags.host === undefined ? {} : { host: flags.host }) }
      });
      const sample = {
        ...DEFAULT_SAMPLE,
        ...(flags.prices === undefined ? {} : { prices: flags.prices }),
        ...(flags.ports === undefined ? {} : { ports: flags.ports }),
        ...(flags.seed === undefined ? {} : { seed: flags.seed })
      };
      await serveUntilSignal({ config, logger: createLogger(config.logLevel), seedIfEmpty: true, sample });
    });
  });
}
