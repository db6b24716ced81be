import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { firstMissing, removeEmptyStore } from '../../store-directory.js';
import { Ratestore, RatestoreError, type BatchItem, type CommitResult, type ItemIssue } from '@ratestore/core';
import { openImportInput, type ImportInput } from '../../import/input.js';
import { FORMATS, parseFormat, type ImportFormat } from '../../import/source.js';
import {
  EXIT_FAILURE, configureCommand, count, dataDir, dataOption, openStore, processIo, runAction, storeExists, storeOptions,
  type CliIo
} from './common.js';

/** How many problems of a rejected file's items are printed (all are counted). */
const SHOWN_ISSUES = 20;

interface ImportOptions {
  data?: string;
  dryRun?: boolean;
  format?: ImportFormat;
}

/**
 * `ratestore import SOURCE... [--data DIR] [--dry-run] [--format sql|csv|ndjson]`: each source, a
 * file or a `postgres://` database with the ratestask tables, is one atomic batch whose id is derived
 * from its content, so importing it again writes nothing.
 */
export function registerImportCommand(program: Command, io: CliIo = processIo()): void {
  const command = program
    .command('import')
    .description('import PostgreSQL ratestask dumps (.sql), CSV price files (.csv), NDJSON item files (.ndjson, .jsonl) or live ratestask databases (postgres://...), each as one atomic batch')
    .argument('<sources...>', 'files or postgres://user@host:port/db URLs to import, in order');
  storeOptions(command)
    .option('--dry-run', 'check the files against the store without writing anything')
    .option('--format <format>', `read every file (not a postgres:// URL) as this format (${FORMATS.join(', ')}) instead of going by the extension`, (value: string) => {
      const format = parseFormat(value);
      if (format === undefined) throw new InvalidArgumentError(`use one of ${FORMATS.join(', ')}`);
      return format;
    })
    .addHelpText('after', [
      '',
      'A dump is imported as PostgreSQL would restore it: the COPY sections of ports, regions and prices,',
      "then the INSERT INTO and DELETE FROM prices WHERE day = date'...' statements after them. DDL is skipped;",
      'any other statement rejects the file. A rejected file writes nothing; later files are not imported.',
      'A postgres:// URL reads the tables regions, ports and prices (found through the search_path) in one',
      'snapshot; the password may also come from PGPASSWORD.'
    ].join('\n'));
  configureCommand(command, io);
  command.action(async (sources: string[], options: ImportOptions, cmd: Command) => {
    await runAction(io, () => importSources(io, sources, { ...options, data: dataOption(cmd) }));
  });
}

async function importSources(io: CliIo, sources: string[], options: ImportOptions): Promise<void> {
  const dir = dataDir(options.data, io);
  // Every input is opened before the store is touched: a file's format known and the file readable,
  // a database reachable and holding the ratestask tables.
  const inputs: ImportInput[] = [];
  try {
    for (const source of sources) inputs.push(await openImportInput(source, options.format));
    if (options.dryRun === true) await dryRun(io, dir, inputs);
    else await importInto(io, dir, inputs);
  } finally {
    for (const input of inputs) await input.close();
  }
}

async function importInto(io: CliIo, dir: string, inputs: ImportInput[]): Promise<void> {
  const created = firstMissing(dir);
  const store = await openStore(dir, { mustExist: false, spill: true });
  try {
    for (const [i, input] of inputs.entries()) {
      const outcome = await importOne(io, store, input, (batchId) => store.batch(batchId) !== undefined);
      if (outcome.kind === 'rejected') {
        skipRest(io, inputs.slice(i + 1));
        return;
      }
      const { batchId } = outcome;
      if (outcome.kind === 'known') {
        const done = store.batch(batchId)!;
        io.stdout.write(`${input.label}: already imported as version ${done.version} on ${done.committedAt}${done.revertedBy === null ? '' : ` (reverted by version ${done.revertedBy})`}; nothing written (batch ${batchId})\n`);
        continue;
      }
      const { result, seconds } = outcome;
      io.stdout.write(`${input.label}: imported as version ${result.version}: ${counts(result)} in ${seconds.toFixed(1)} s (${count(Math.round(total(result) / Math.max(seconds, 0.001)))} rows/s); batch ${batchId}\n`);
    }
    io.stdout.write(`store ${dir} is at version ${store.version}\n`);
  } finally {
    // A store this import made and wrote nothing into (every file refused) is removed again.
    const empty = store.version === 0;
    await store.close();
    if (created !== undefined && empty) removeEmptyStore(dir, created);
  }
}

/**
 * A dry run imports into a throwaway store in a temporary directory, seeded with the target's ports
 * and regions, so the store itself checks everything a real import would (formats, prices, unknown
 * ports and regions, cycles) without a line of store logic repeated here; the target is only read.
 * The scratch store is on disk, not in memory, so a dry run of a large file needs no more memory
 * than the import itself. Later files see what earlier ones would have added, as in a real run.
 */
async function dryRun(io: CliIo, dir: string, inputs: ImportInput[]): Promise<void> {
  let version = 0;
  let seed: BatchItem[] = [];
  const imported = new Map<string, { version: number; reverted: boolean }>();
  if (storeExists(dir)) {
    const target = await openStore(dir, { mustExist: true });
    try {
      version = target.version;
      seed = [...target.regions().map((region) => ({ type: 'region' as const, ...region })), ...target.ports().map((port) => ({ type: 'port' as const, ...port }))];
      for (const done of target.batches()) imported.set(done.batchId, { version: done.version, reverted: done.revertedBy !== null });
    } finally {
      await target.close();
    }
  }
  const scratchDir = await mkdtemp(join(tmpdir(), 'ratestore-dry-run-'));
  try {
    const scratch = new Ratestore({ location: scratchDir, spillDirectory: scratchDir });
    await scratch.open();
    try {
      if (seed.length > 0) await scratch.write(seed, { batchId: 'dry-run-seed' });
      for (const [i, input] of inputs.entries()) {
        const outcome = await importOne(io, scratch, input, (batchId) => imported.has(batchId));
        if (outcome.kind === 'rejected') {
          skipRest(io, inputs.slice(i + 1));
          return;
        }
        if (outcome.kind === 'known') {
          const done = imported.get(outcome.batchId)!;
          io.stdout.write(`${input.label}: already imported as version ${done.version}${done.reverted ? ' (since reverted)' : ''}; an import would write nothing (dry run)\n`);
          continue;
        }
        imported.set(outcome.batchId, { version: ++version, reverted: false });
        io.stdout.write(`${input.label}: valid: ${counts(outcome.result)}; would be imported as version ${version} (dry run, nothing written)\n`);
      }
    } finally {
      await scratch.close();
    }
  } finally {
    await rm(scratchDir, { recursive: true, force: true });
  }
}

type Outcome =
  | { kind: 'imported'; batchId: string; result: CommitResult; seconds: number }
  /** The content was imported before (`known` said so): nothing was written. */
  | { kind: 'known'; batchId: string }
  /** The store refused the batch: its bad items are printed, or that it has none. */
  | { kind: 'rejected' };

/** Names one input's batch by its content and, unless `known`, writes it as one batch, with progress shown throughout; says why when the store refuses it. */
async function importOne(io: CliIo, store: Ratestore, input: ImportInput, known: (batchId: string) => boolean): Promise<Outcome> {
  const progress = new Progress(io, input);
  progress.start();
  try {
    const batchId = await input.batchId();
    if (known(batchId)) return { kind: 'known', batchId };
    const started = performance.now();
    const result = await store.write(input.read(), { batchId });
    return { kind: 'imported', batchId, result, seconds: (performance.now() - started) / 1000 };
  } catch (error) {
    progress.stop();
    if (error instanceof RatestoreError && error.code === 'RATESTORE_INVALID_BATCH') {
      printIssues(io, input, error);
      return { kind: 'rejected' };
    }
    if (error instanceof RatestoreError && error.code === 'RATESTORE_EMPTY_BATCH') {
      io.stderr.write(`error RATESTORE_EMPTY_BATCH: ${input.label} has no items (no prices, ports or regions); nothing written\n`);
      io.setExitCode(EXIT_FAILURE);
      return { kind: 'rejected' };
    }
    throw error;
  } finally {
    progress.stop();
  }
}

function printIssues(io: CliIo, input: ImportInput, error: RatestoreError): void {
  const issues = error.issues ?? [];
  const total = error.issueCount ?? issues.length;
  const lines = [`error RATESTORE_INVALID_BATCH: ${input.label} was rejected: ${count(total)} problem${total === 1 ? '' : 's'} in its items; nothing written`];
  for (const issue of issues.slice(0, SHOWN_ISSUES)) lines.push(`  ${describeIssue(input, issue)}`);
  const shown = Math.min(issues.length, SHOWN_ISSUES);
  if (total > shown) lines.push(`  ... and ${count(total - shown)} more (${count(total)} in all)`);
  io.stderr.write(lines.join('\n') + '\n');
  io.setExitCode(EXIT_FAILURE);
}

function describeIssue(input: ImportInput, issue: ItemIssue): string {
  const where = input.whereOf(issue.index);
  return `item ${issue.index}${where === undefined ? '' : ` (${where})`}: ${issue.field === '' ? '(item)' : issue.field} ${issue.code}: ${issue.reason}`;
}

function skipRest(io: CliIo, rest: ImportInput[]): void {
  if (rest.length > 0) io.stderr.write(`not imported (after the rejected file): ${rest.map((input) => input.label).join(', ')}\n`);
}

function counts(result: CommitResult): string {
  const { prices, ports, regions } = result.counts;
  return `${count(prices)} prices, ${count(ports)} ports, ${count(regions)} regions`;
}

function total(result: CommitResult): number {
  return result.counts.prices + result.counts.ports + result.counts.regions;
}

/**
 * Progress of one input: a cli-progress bar (bytes of a file or rows of a database, items, items/s)
 * when stdout is a terminal, a plain line every few seconds otherwise (logs, CI). Every input is
 * first read whole to name its batch ("hashing"); a dump is then checked ("checking") and read
 * ("reading"); "committing" follows the last item.
 */
class Progress {
  readonly #io: CliIo;
  readonly #source: ImportInput;
  readonly #label: string;
  #timer: NodeJS.Timeout | undefined;
  #bar: cliProgress.SingleBar | undefined;
  #readingSince: number | undefined;
  #onInterrupt: (() => void) | undefined;

  constructor(io: CliIo, source: ImportInput) {
    this.#io = io;
    this.#source = source;
    this.#label = source.unit === 'file' ? basename(source.label) : source.label;
  }

  start(): void {
    if (this.#io.stdout.isTTY === true) {
      this.#bar = new cliProgress.SingleBar({
        stream: this.#io.stdout as NodeJS.WritableStream,
        format: '{file} [{bar}] {percentage}% | {phase} | {items} rows | {rate} rows/s',
        barsize: 24,
        hideCursor: true,
        clearOnComplete: true,
        fps: 10
      }, cliProgress.Presets.shades_classic);
      this.#bar.start(1, 0, this.#payload());
      this.#timer = setInterval(() => {
        this.#bar!.setTotal(Math.max(this.#source.total, 1));
        this.#bar!.update(this.#source.done, this.#payload());
      }, 100);
      if (this.#io.stdout === process.stdout) {
        // Ctrl-C mid-import: give the terminal its cursor back, then die of the signal as usual
        // (the store drops the half-staged batch when it is next opened).
        this.#onInterrupt = () => {
          this.stop();
          process.kill(process.pid, 'SIGINT');
        };
        process.once('SIGINT', this.#onInterrupt);
      }
    } else {
      this.#timer = setInterval(() => {
        const { phase, items, rate } = this.#payload();
        const percent = Math.floor((100 * this.#source.done) / Math.max(this.#source.total, 1));
        this.#io.stdout.write(`${this.#source.label}: ${phase}, ${percent}% of the ${this.#source.unit}, ${items} rows, ${rate} rows/s\n`);
      }, this.#io.progressIntervalMs ?? 2000);
    }
  }

  stop(): void {
    if (this.#onInterrupt !== undefined) process.removeListener('SIGINT', this.#onInterrupt);
    this.#onInterrupt = undefined;
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#bar?.stop();
    this.#bar = undefined;
  }

  #payload(): { file: string; phase: string; items: string; rate: string } {
    const phase = this.#source.phase;
    if (phase === 'reading' && this.#readingSince === undefined) this.#readingSince = performance.now();
    const seconds = this.#readingSince === undefined ? 0 : (performance.now() - this.#readingSince) / 1000;
    const items = this.#source.items;
    return {
      file: this.#label,
      phase: phase === 'done' ? 'committing' : phase === 'waiting' ? 'starting' : phase,
      items: count(items),
      rate: seconds > 0.05 ? count(Math.round(items / seconds)) : '-'
    };
  }
}
