import type { Command } from 'commander';
import type { BatchInfo } from '@ratestore/core';
import { CliError, configureCommand, count, dataDir, dataOption, processIo, runAction, table, withStore, type CliIo } from './common.js';

interface BatchesOptions {
  data?: string;
  json?: boolean;
}

const DATA_HELP = 'data directory (default: $RATESTORE_DATA, then ./data)';

/** `ratestore batches list|show ID|revert ID [--data DIR] [--json]`. */
export function registerBatchesCommand(program: Command, io: CliIo = processIo()): void {
  const batches = configureCommand(program.command('batches').description('list, show and revert committed batches'), io);
  batches.option('--data <dir>', DATA_HELP);

  const list = batches.command('list').description('the batch log, in version order').option('--data <dir>', DATA_HELP).option('--json', 'print JSON');
  list.action(async (options: BatchesOptions, cmd: Command) => {
    await runAction(io, () => withStore(dataDir(dataOption(cmd), io), { mustExist: true }, async (store) => {
      const all = store.batches();
      if (options.json === true) {
        io.stdout.write(`${JSON.stringify({ version: store.version, batches: all }, null, 2)}\n`);
        return;
      }
      if (all.length === 0) {
        io.stdout.write('no batches yet\n');
        return;
      }
      io.stdout.write(table(
        ['version', 'committed at', 'prices', 'ports', 'regions', 'reverted by', 'batch id'],
        all.map((batch) => [batch.version, batch.committedAt, count(batch.counts.prices), count(batch.counts.ports), count(batch.counts.regions), batch.revertedBy ?? '-', batch.batchId])
      ));
      io.stdout.write(`data version ${store.version}\n`);
    }));
  });

  const show = batches.command('show').description('one batch').argument('<id>', 'batch id').option('--data <dir>', DATA_HELP).option('--json', 'print JSON');
  show.action(async (id: string, options: BatchesOptions, cmd: Command) => {
    await runAction(io, () => withStore(dataDir(dataOption(cmd), io), { mustExist: true }, async (store) => {
      const batch = store.batch(id);
      if (batch === undefined) throw new CliError('RATESTORE_UNKNOWN_BATCH', `batch ${id} was never committed`);
      io.stdout.write(options.json === true ? `${JSON.stringify(batch, null, 2)}\n` : describeBatch(batch));
    }));
  });

  const revert = batches.command('revert').description('revert a batch: a new version without its prices (its ports and regions stay)')
    .argument('<id>', 'batch id').option('--data <dir>', DATA_HELP).option('--json', 'print JSON');
  revert.action(async (id: string, options: BatchesOptions, cmd: Command) => {
    await runAction(io, () => withStore(dataDir(dataOption(cmd), io), { mustExist: true }, async (store) => {
      const before = store.batch(id)?.revertedBy ?? null;
      const result = await store.revert(id);
      if (options.json === true) io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else if (before !== null) io.stdout.write(`batch ${id} (version ${result.revertedVersion}) was already reverted by version ${result.version}; nothing written\n`);
      else io.stdout.write(`reverted batch ${id} (version ${result.revertedVersion}) as version ${result.version}\n`);
    }));
  });
}

function describeBatch(batch: BatchInfo): string {
  return [
    `batch        ${batch.batchId}`,
    `version      ${batch.version}`,
    `committed at ${batch.committedAt}`,
    `prices       ${count(batch.counts.prices)}`,
    `ports        ${count(batch.counts.ports)}`,
    `regions      ${count(batch.counts.regions)}`,
    `reverted by  ${batch.revertedBy === null ? '-' : `version ${batch.revertedBy}`}`,
    `revertible   ${batch.revertible ? 'yes' : 'no'}`
  ].join('\n') + '\n';
}
