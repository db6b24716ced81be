import type { Command } from 'commander';
import type { BatchInfo } from '@ratestore/core';
import { batchToWire, revertToWire } from '@ratestore/core/contract';
import { CliError, configureCommand, count, printJson, processIo, runAction, storeOptions, table, withCommandStore, type CliIo } from './common.js';

interface BatchesOptions {
  json?: boolean;
}

/** The batch id argument, where the engine speaks of `batchId`. */
const FLAGS = { batchId: '<id>' };

/** `ratestore batches list|show ID|revert ID [--data DIR] [--json]`. */
export function registerBatchesCommand(program: Command, io: CliIo = processIo()): void {
  const batches = storeOptions(configureCommand(program.command('batches').description('list, show and revert committed batches'), io));

  const list = storeOptions(batches.command('list').description('the batch log, in version order'), 'print JSON as GET /v1/batches answers it');
  list.action(async (options: BatchesOptions, cmd: Command) => {
    await runAction(io, () => withCommandStore(cmd, io, async (store) => {
      const all = store.batches();
      if (options.json === true) {
        printJson(io, { version: store.version, batches: all.map(batchToWire) });
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

  const show = storeOptions(batches.command('show').description('one batch').argument('<id>', 'batch id'), 'print JSON as GET /v1/batches/{id} answers it');
  show.action(async (id: string, options: BatchesOptions, cmd: Command) => {
    await runAction(io, () => withCommandStore(cmd, io, async (store) => {
      const batch = store.batch(id);
      if (batch === undefined) throw new CliError('RATESTORE_UNKNOWN_BATCH', `batch ${id} was never committed`);
      if (options.json === true) printJson(io, batchToWire(batch));
      else io.stdout.write(describeBatch(batch));
    }), FLAGS);
  });

  const revert = storeOptions(batches.command('revert').description('revert a batch: a new version without its prices (its ports and regions stay)')
    .argument('<id>', 'batch id'), 'print JSON as POST /v1/batches/{id}/revert answers it');
  revert.action(async (id: string, options: BatchesOptions, cmd: Command) => {
    await runAction(io, () => withCommandStore(cmd, io, async (store) => {
      const before = store.batch(id)?.revertedBy ?? null;
      const result = await store.revert(id);
      if (options.json === true) printJson(io, revertToWire(result));
      else if (before !== null) io.stdout.write(`batch ${id} (version ${result.revertedVersion}) was already reverted by version ${result.version}; nothing written\n`);
      else io.stdout.write(`reverted batch ${id} (version ${result.revertedVersion}) as version ${result.version}\n`);
    }), FLAGS);
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
