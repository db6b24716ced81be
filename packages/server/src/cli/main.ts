#!/usr/bin/env node
import { Command } from 'commander';
import { registerBatchesCommand } from './commands/batches.js';
import { registerDevCommand } from './commands/dev.js';
import { registerImportCommand } from './commands/import.js';
import { registerRatesCommand } from './commands/rates.js';
import { registerServeCommand } from './commands/serve.js';

/** The `ratestore` command line. */
export function buildProgram(): Command {
  const program = new Command('ratestore')
    .description('Ratestore: a versioned, all-or-nothing store and HTTP service for ocean-freight route prices')
    .version('0.1.0')
    .showHelpAfterError();
  registerServeCommand(program);
  registerDevCommand(program);
  registerImportCommand(program);
  registerRatesCommand(program);
  registerBatchesCommand(program);
  return program;
}

await buildProgram().parseAsync(process.argv);
