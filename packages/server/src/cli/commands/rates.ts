import type { Command } from 'commander';
import type { RatesResult } from '@ratestore/core';
import { DEFAULT_MIN_COUNT, ratesToWire } from '@ratestore/core/contract';
import { configureCommand, integerOption, printJson, processIo, runAction, storeOptions, table, withCommandStore, type CliIo } from './common.js';

interface RatesOptions {
  from: string;
  to: string;
  origin: string;
  destination: string;
  minCount?: number;
  asOf?: number;
  json?: boolean;
}

/** The flags the engine's query arguments come from. */
const FLAGS = { dateFrom: '--from', dateTo: '--to', origin: '--origin', destination: '--destination', minCount: '--min-count', asOf: '--as-of' };

/** `ratestore rates --from --to --origin --destination [--min-count N] [--as-of V] [--data DIR] [--json]`. */
export function registerRatesCommand(program: Command, io: CliIo = processIo()): void {
  const command = program
    .command('rates')
    .description('daily average, count, min and max of the prices between two ports or regions')
    .requiredOption('--from <day>', 'first day, YYYY-MM-DD')
    .requiredOption('--to <day>', 'last day, YYYY-MM-DD (inclusive)')
    .requiredOption('--origin <code>', 'origin port code or region slug')
    .requiredOption('--destination <code>', 'destination port code or region slug')
    .option('--min-count <n>', 'days with fewer prices get no average (default 3)', integerOption('--min-count', 1))
    .option('--as-of <version>', 'read as of this data version instead of the latest', integerOption('--as-of', 0));
  storeOptions(command, 'print the result as GET /v1/rates answers it: {"version": N, "origin", "destination", "date_from", "date_to", "min_count", "rows": [{day, average, count, min, max}, ...]}');
  configureCommand(command, io);
  command.action(async (options: RatesOptions, cmd: Command) => {
    await runAction(io, () => withCommandStore(cmd, io, async (store) => {
      const result = await store.rates({
        dateFrom: options.from,
        dateTo: options.to,
        origin: options.origin,
        destination: options.destination,
        ...(options.minCount === undefined ? {} : { minCount: options.minCount }),
        ...(options.asOf === undefined ? {} : { asOf: options.asOf })
      });
      const query = { origin: options.origin, destination: options.destination, dateFrom: options.from, dateTo: options.to, minCount: options.minCount ?? DEFAULT_MIN_COUNT };
      if (options.json === true) printJson(io, ratesToWire(query, result));
      else io.stdout.write(formatRates(options, result));
    }), FLAGS);
  });
}

function formatRates(options: RatesOptions, result: RatesResult): string {
  const heading = `${options.origin} -> ${options.destination}, ${options.from} to ${options.to}, data version ${result.version}` +
    `${options.asOf === undefined ? '' : ' (as of)'}; no average below ${options.minCount ?? DEFAULT_MIN_COUNT} prices\n`;
  const rows = result.rows.map((row) => [row.day, row.average === null ? '-' : round2(row.average), row.count, row.min ?? '-', row.max ?? '-']);
  return heading + table(['day', 'average', 'count', 'min', 'max'], rows);
}

function round2(value: number): string {
  return String(Math.round(value * 100) / 100);
}
