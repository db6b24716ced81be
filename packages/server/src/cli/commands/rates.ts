import type { Command } from 'commander';
import type { RatesResult } from '@ratestore/core';
import { DEFAULT_MIN_COUNT, percentileKey, ratesToWire } from '@ratestore/core/contract';
import { configureCommand, integerOption, percentilesOption, printJson, processIo, runAction, storeOptions, table, withCommandStore, type CliIo } from './common.js';

interface RatesOptions {
  from: string;
  to: string;
  origin: string;
  destination: string;
  minCount?: number;
  asOf?: number;
  widen?: boolean;
  percentiles?: number[];
  json?: boolean;
}

/** The flags the engine's query arguments come from. */
const FLAGS = { dateFrom: '--from', dateTo: '--to', origin: '--origin', destination: '--destination', minCount: '--min-count', asOf: '--as-of', widen: '--widen', percentiles: '--percentiles' };

/** `ratestore rates --from --to --origin --destination [--min-count N] [--widen] [--percentiles LIST] [--as-of V] [--data DIR] [--json]`. */
export function registerRatesCommand(program: Command, io: CliIo = processIo()): void {
  const command = program
    .command('rates')
    .description('daily average, count, min and max of the prices between two ports or regions')
    .requiredOption('--from <day>', 'first day, YYYY-MM-DD')
    .requiredOption('--to <day>', 'last day, YYYY-MM-DD (inclusive)')
    .requiredOption('--origin <code>', 'origin port code or region slug')
    .requiredOption('--destination <code>', 'destination port code or region slug')
    .option('--min-count <n>', 'days with fewer prices get no average (default 3)', integerOption('--min-count', 1))
    .option('--widen', 'when no day reaches --min-count prices, widen origin and destination to their parent regions until one does')
    .option('--percentiles <list>', 'also the percentiles of each day\'s prices, e.g. 25,50,75 (1 to 9 distinct numbers above 0 and below 100)', percentilesOption('--percentiles'))
    .option('--as-of <version>', 'read as of this data version instead of the latest', integerOption('--as-of', 0));
  storeOptions(command, 'print the result as GET /v1/rates answers it: {"version": N, "origin", "destination", "date_from", "date_to", "min_count", "rows": [{day, average, count, min, max}, ...]}, with "origin_used" and "destination_used" under --widen and each row\'s "percentiles" under --percentiles');
  configureCommand(command, io);
  command.action(async (options: RatesOptions, cmd: Command) => {
    await runAction(io, () => withCommandStore(cmd, io, async (store) => {
      const result = await store.rates({
        dateFrom: options.from,
        dateTo: options.to,
        origin: options.origin,
        destination: options.destination,
        ...(options.minCount === undefined ? {} : { minCount: options.minCount }),
        ...(options.asOf === undefined ? {} : { asOf: options.asOf }),
        ...(options.widen === true ? { widen: true } : {}),
        ...(options.percentiles === undefined ? {} : { percentiles: options.percentiles })
      });
      if (options.json === true) {
        const query = { origin: options.origin, destination: options.destination, dateFrom: options.from, dateTo: options.to, minCount: options.minCount ?? DEFAULT_MIN_COUNT };
        printJson(io, ratesToWire(query, result));
      } else {
        io.stdout.write(formatRates(options, result));
      }
    }), FLAGS);
  });
}

function formatRates(options: RatesOptions, result: RatesResult): string {
  const heading = `${options.origin} -> ${options.destination}, ${options.from} to ${options.to}, data version ${result.version}` +
    `${options.asOf === undefined ? '' : ' (as of)'}; no average below ${options.minCount ?? DEFAULT_MIN_COUNT} prices\n` +
    (result.originUsed === undefined ? '' : widening(options, result));
  // The percentiles' columns are named as the rows name them (p25, p99.9), in the order asked.
  const percentiles = options.percentiles?.map(percentileKey) ?? [];
  const rows = result.rows.map((row) => [
    row.day, money(row.average), row.count, row.min ?? '-', row.max ?? '-', ...percentiles.map((key) => money(row.percentiles?.[key] ?? null))
  ]);
  return heading + table(['day', 'average', 'count', 'min', 'max', ...percentiles], rows);
}

/** With --widen, the heading's line on the lane the rows are for: the one asked for, or the wider one. */
function widening(options: RatesOptions, result: RatesResult): string {
  if (result.originUsed === options.origin && result.destinationUsed === options.destination) return 'not widened: rows are for the lane asked for\n';
  return `widened: rows are for ${result.originUsed} -> ${result.destinationUsed}\n`;
}

/** A computed price (an average, a percentile) to the cent; `-` for none. */
function money(value: number | null): string {
  return value === null ? '-' : String(Math.round(value * 100) / 100);
}
