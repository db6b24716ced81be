import { Command } from 'commander';
import { registerBatchesCommand } from './commands/batches.js';
import { configureCommand, processIo, type CliIo } from './commands/common.js';
import { registerCompactCommand } from './commands/compact.js';
import { registerClusterCommands } from './commands/cluster.js';
import { registerDevCommand } from './commands/dev.js';
import { registerImportCommand } from './commands/import.js';
import { registerRatesCommand } from './commands/rates.js';
import { registerServeCommand } from './commands/serve.js';

/**
 * The `ratestore` command line. The program itself is configured like every command, so an unknown
 * command or option, or no command at all, is `error RATESTORE_USAGE: …` with exit code 2.
 */
export function buildProgram(io: CliIo = processIo()): Command {
  const program = configureCommand(
    new Command('ratestore')
      .description('Ratestore: a versioned, all-or-nothing store and HTTP service for ocean-freight route prices')
      .version('0.1.0')
      .showHelpAfterError(),
    io
  );
  registerServeCommand(program, io);
  registerDevCommand(program, io);
  registerImportCommand(program, io);
  registerRatesCommand(program, io);
  registerBatchesCommand(program, io);
  registerCompactCommand(program, io);
  registerClusterCommands(program, io);
  return program;
}
