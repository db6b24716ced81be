import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { DEFAULT_SAMPLE } from '../../seed.js';
import { configureCommand, integerOption, processIo, runAction, type CliIo } from './common.js';
import { listenOptions, listenOverrides, serveUntilSignal, type ListenFlags } from './serve.js';

interface DevFlags extends ListenFlags {
  prices?: number;
  ports?: number;
  seed?: number;
}

/** `ratestore dev`: an in-memory store with generated sample data, served at once. */
export function registerDevCommand(program: Command, io: CliIo = processIo()): void {
  const command = listenOptions(
    program.command('dev').description('serve an in-memory store filled with generated sample data (nothing is written to disk)'),
    'address to listen on (default 127.0.0.1)'
  )
    .option('--prices <n>', `sample prices (default ${DEFAULT_SAMPLE.prices})`, integerOption('--prices', 1))
    .option('--ports <n>', `sample ports (default ${DEFAULT_SAMPLE.ports})`, integerOption('--ports', 2))
    .option('--seed <n>', 'seed of the generator (default 1)', integerOption('--seed', 0));
  configureCommand(command, io);
  command.action(async (flags: DevFlags) => {
    await runAction(io, async () => {
      const config = loadConfig({ env: io.env, overrides: { memory: true, ...listenOverrides(flags) } });
      const sample = {
        ...DEFAULT_SAMPLE,
        ...(flags.prices === undefined ? {} : { prices: flags.prices }),
        ...(flags.ports === undefined ? {} : { ports: flags.ports }),
        ...(flags.seed === undefined ? {} : { seed: flags.seed })
      };
      await serveUntilSignal({ config, seedIfEmpty: true, sample });
    });
  });
}
