import type { Command } from 'commander';
import { loadConfig } from '../../config.js';
import { DEFAULT_SAMPLE } from '../../seed.js';
import { configureCommand, integerOption, processIo, runAction, type CliIo } from './common.js';
import { MAX_DEV_NODES, parseNodeCount } from './dev-nodes.js';
import { listenOptions, listenOverrides, serveUntilSignal, type ListenFlags } from './serve.js';

interface DevFlags extends ListenFlags {
  prices?: number;
  ports?: number;
  seed?: number;
  cluster?: string;
}

/**
 * `ratestore dev`: an in-memory store with generated sample data, served at once; with `--cluster N`,
 * a throwaway PostgreSQL and N cluster nodes on consecutive ports, seeded the same way.
 */
export function registerDevCommand(program: Command, io: CliIo = processIo()): void {
  const command = listenOptions(
    program.command('dev').description('serve an in-memory store filled with generated sample data (nothing is written to disk)'),
    'address to listen on (default 127.0.0.1)'
  )
    .option('--prices <n>', `sample prices (default ${DEFAULT_SAMPLE.prices})`, integerOption('--prices', 1))
    .option('--ports <n>', `sample ports (default ${DEFAULT_SAMPLE.ports})`, integerOption('--ports', 2))
    .option('--seed <n>', 'seed of the generator (default 1)', integerOption('--seed', 0))
    .option(
      '--cluster <n>',
      `a local cluster instead: a throwaway PostgreSQL on 127.0.0.1 (Debian's postgresql package) and n nodes (1 to ${MAX_DEV_NODES}, \`serve --cluster\` processes with temporary data directories) on consecutive ports from --port`
    );
  configureCommand(command, io);
  command.action(async (flags: DevFlags) => {
    await runAction(io, async () => {
      const nodes = flags.cluster === undefined ? undefined : parseNodeCount(flags.cluster);
      const config = loadConfig({ env: io.env, overrides: { memory: true, ...listenOverrides(flags) } });
      const sample = {
        ...DEFAULT_SAMPLE,
        ...(flags.prices === undefined ? {} : { prices: flags.prices }),
        ...(flags.ports === undefined ? {} : { ports: flags.ports }),
        ...(flags.seed === undefined ? {} : { seed: flags.seed })
      };
      if (nodes === undefined) await serveUntilSignal({ config, seedIfEmpty: true, sample });
      // The cluster's modules (the client, PostgreSQL's) are loaded only for `dev --cluster`.
      else await (await import('./dev-cluster.js')).runDevCluster(io, { nodes, config, sample });
    });
  });
}
