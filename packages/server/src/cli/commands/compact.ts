import type { Command } from 'commander';
import { compactToWire } from '@ratestore/core/contract';
import { configureCommand, count, dataDir, dataOption, integerOption, printJson, processIo, runAction, storeOptions, withCommandStore, type CliIo } from './common.js';

interface CompactOptions {
  retainVersions?: number;
  json?: boolean;
}

/**
 * `ratestore compact [--retain-versions N] [--data DIR] [--json]`: the engine's `compact()`, for
 * after a large load (until LevelDB's background compaction catches up, reads search more files)
 * and to fold history an operator no longer needs.
 */
export function registerCompactCommand(program: Command, io: CliIo = processIo()): void {
  const command = program
    .command('compact')
    .description('compact the store: fold history older than the last N versions (with --retain-versions), then compact LevelDB')
    .option('--retain-versions <n>', 'keep the last N versions readable (--as-of) and revertible; older history is folded (default: keep all)', integerOption('--retain-versions', 0));
  storeOptions(command, 'print {"folded_through", "removed", "written"} as JSON');
  configureCommand(command, io);
  command.action(async (options: CompactOptions, cmd: Command) => {
    await runAction(io, () => withCommandStore(cmd, io, async (store) => {
      const started = performance.now();
      const before = store.retainedFrom;
      const result = await store.compact(options.retainVersions === undefined ? {} : { retainVersions: options.retainVersions });
      if (options.json === true) {
        printJson(io, compactToWire(result));
        return;
      }
      const folded = result.foldedThrough > before
        ? `history folded through version ${result.foldedThrough} (${count(result.removed)} records removed, ${count(result.written)} written)`
        : 'no history to fold';
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      io.stdout.write(`store ${dataDir(dataOption(cmd), io)} at version ${store.version}: ${folded}; LevelDB compacted in ${seconds} s\n`);
    }), { retainVersions: '--retain-versions' });
  });
}
