import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import cliProgress from 'cli-progress';
import { Ratestore, RatestoreError, type BatchItem, type CommitResult, type ItemIssue } from '@ratestore/core';
import { ImportSource, FORMATS, hashFile, importBatchId, parseFormat, type ImportFormat } from '../../import/source.js';
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
 * `ratestore import FILE... [--data DIR] [--dry-run] [--format sql|csv|ndjson]`: each file is one
 * atomic batch whose id is derived from the file's content, so importing it again writes nothing.
 */
export function registerImportCommand(program: Command, io: CliIo = processIo()): void {
  const command = program
    .command('import')
    .description('import PostgreSQL ratestask dumps (.sql), CSV price files (.csv) or NDJSON item files (.ndjson, .jsonl), each as one atomic batch')
    .argument('<files...>', 'files to import, in order');
  storeOptions(command)
    .option('--dry-run', 'check the files against the store without writing anything')
    .option('--format <format>', `read every file as this format (${FORMATS.join(', ')}) instead of going by the extension`, (value: string) => {
      const format = parseFormat(value);
      if (format === undefined) throw new InvalidArgumentError(`use one of ${FORMATS.join(', ')}`);
      return format;
    })
    .addHelpText('after', [
      '',
      'A dump is imported as PostgreSQL would restore it: the COPY sections of ports, regions and prices,',
      "then the INSERT INTO and DELETE FROM prices WHERE day = date'...' statements after them. DDL is skipped;",
      'any other statement rejects the file. A rejected file writes nothing; later files are not imported.'
    ].join('\n'));
  configureCommand(command, io);
  command.action(async (files: string[], options: ImportOptions, cmd: Command) => {
    await runAction(io, () => importFiles(io, files, { ...options, data: dataOption(cmd) }));
  });
}

async function importFiles(io: CliIo, files: string[], options: ImportOptions): Promise<void> {
  const dir = dataDir(options.data, io);
  // Every file is checked for a known format and readability before the store is touched.
  const sources: ImportSource[] = [];
  for (const file of files) sources.push(await ImportSource.open(file, options.format));
  const batchIds: string[] = [];
  for (const source of sources) batchIds.push(importBatchId(source.format, await hashFile(source.path)));
  if (options.dryRun === true) await dryRun(io, dir, sources, batchIds);
  else await importInto(io, dir, sources, batchIds);
}

async function importInto(io: CliIo, dir: string, sources: ImportSource[], batchIds: string[]): Promise<void> {
  const store = await openStore(dir, { mustExist: false });
  try {
    for (const [i, source] of sources.entries()) {
      const batchId = batchIds[i]!;
      const done = store.batch(batchId);
      if (done !== undefined) {
        io.stdout.write(`${source.path}: already imported as version ${done.version} on ${done.committedAt}${done.revertedBy === null ? '' : ` (reverted by version ${done.revertedBy})`}; nothing written (batch ${batchId})\n`);
        continue;
      }
      const outcome = await importOne(io, store, source, batchId);
      if (outcome === undefined) {
        skipRest(io, sources.slice(i + 1));
        return;
      }
      const { result, seconds } = outcome;
      io.stdout.write(`${source.path}: imported as version ${result.version}: ${counts(result)} in ${seconds.toFixed(1)} s (${count(Math.round(total(result) / Math.max(seconds, 0.001)))} rows/s); batch ${batchId}\n`);
    }
    io.stdout.write(`store ${dir} is at version ${store.version}\n`);
  } finally {
    await store.close();
  }
}

/**
 * A dry run imports into a throwaway store in a temporary directory, seeded with the target's ports
 * and regions, so the store itself checks everything a real import would (formats, prices, unknown
 * ports and regions, cycles) without a line of store logic repeated here; the target is only read.
 * The scratch store is on disk, not in memory, so a dry run of a large file needs no more memory
 * than the import itself. Later files see what earlier ones would have added, as in a real run.
 */
async function dryRun(io: CliIo, dir: string, sources: ImportSource[], batchIds: string[]): Promise<void> {
  let version = 0;
  let seed: BatchItem[] = [];
  const imported = new Map<string, { version: number; reverted: boolean }>();
  if (storeExists(dir)) {
    const target = await openStore(dir, { mustExist: true });
    try {
      version = target.version;
      seed = [...target.regions().map((region) => ({ type: 'region' as const, ...region })), ...target.ports().map((port) => ({ type: 'port' as const, ...port }))];
      for (const batchId of batchIds) {
        const done = target.batch(batchId);
        if (done !== undefined) imported.set(batchId, { version: done.version, reverted: done.revertedBy !== null });
      }
    } finally {
      await target.close();
    }
  }
  const scratchDir = await mkdtemp(join(tmpdir(), 'ratestore-dry-run-'));
  try {
    const scratch = new Ratestore({ location: scratchDir });
    await scratch.open();
    try {
      if (seed.length > 0) await scratch.write(seed, { batchId: 'dry-run-seed' });
      for (const [i, source] of sources.entries()) {
        const batchId = batchIds[i]!;
        const done = imported.get(batchId);
        if (done !== undefined) {
          io.stdout.write(`${source.path}: already imported as version ${done.version}${done.reverted ? ' (since reverted)' : ''}; an import would write nothing (dry run)\n`);
          continue;
        }
        const outcome = await importOne(io, scratch, source, batchId);
        if (outcome === undefined) {
          skipRest(io, sources.slice(i + 1));
          return;
        }
        imported.set(batchId, { version: ++version, reverted: false });
        io.stdout.write(`${source.path}: valid: ${counts(outcome.result)}; would be imported as version ${version} (dry run, nothing written)\n`);
      }
    } finally {
      await scratch.close();
    }
  } finally {
    await rm(scratchDir, { recursive: true, force: true });
  }
}

/** Writes one file as one batch with progress shown; undefined (after saying why) when the store rejects it: bad items, or none. */
async function importOne(io: CliIo, store: Ratestore, source: ImportSource, batchId: string): Promise<{ result: CommitResult; seconds: number } | undefined> {
  const started = performance.now();
  const progress = new Progress(io, source);
  progress.start();
  let result: CommitResult;
  try {
    result = await store.write(source.read(), { batchId });
  } catch (error) {
    progress.stop();
    if (error instanceof RatestoreError && error.code === 'RATESTORE_INVALID_BATCH') {
      printIssues(io, source, error);
      return undefined;
    }
    if (error instanceof RatestoreError && error.code === 'RATESTORE_EMPTY_BATCH') {
      io.stderr.write(`error RATESTORE_EMPTY_BATCH: ${source.path} has no items (no prices, ports or regions); nothing written\n`);
      io.setExitCode(EXIT_FAILURE);
      return undefined;
    }
    throw error;
  }
  progress.stop();
  return { result, seconds: (performance.now() - started) / 1000 };
}

function printIssues(io: CliIo, source: ImportSource, error: RatestoreError): void {
  const issues = error.issues ?? [];
  const total = error.issueCount ?? issues.length;
  const lines = [`error RATESTORE_INVALID_BATCH: ${source.path} was rejected: ${count(total)} problem${total === 1 ? '' : 's'} in its items; nothing written`];
  for (const issue of issues.slice(0, SHOWN_ISSUES)) lines.push(`  ${describeIssue(source, issue)}`);
  const shown = Math.min(issues.length, SHOWN_ISSUES);
  if (total > shown) lines.push(`  ... and ${count(total - shown)} more (${count(total)} in all)`);
  io.stderr.write(lines.join('\n') + '\n');
  io.setExitCode(EXIT_FAILURE);
}

function describeIssue(source: ImportSource, issue: ItemIssue): string {
  const line = source.lineOf(issue.index);
  return `item ${issue.index}${line === undefined ? '' : ` (line ${line})`}: ${issue.field === '' ? '(item)' : issue.field} ${issue.code}: ${issue.reason}`;
}

function skipRest(io: CliIo, rest: ImportSource[]): void {
  if (rest.length > 0) io.stderr.write(`not imported (after the rejected file): ${rest.map((source) => source.path).join(', ')}\n`);
}

function counts(result: CommitResult): string {
  const { prices, ports, regions } = result.counts;
  return `${count(prices)} prices, ${count(ports)} ports, ${count(regions)} regions`;
}

function total(result: CommitResult): number {
  return result.counts.prices + result.counts.ports + result.counts.regions;
}

/**
 * Progress of one file: a cli-progress bar (bytes of the file, rows, rows/s) when stdout is a
 * terminal, a plain line every few seconds otherwise (logs, CI). A dump is read twice: "checking"
 * is the first pass, "reading" the second; "committing" follows the last item.
 */
class Progress {
  readonly #io: CliIo;
  readonly #source: ImportSource;
  readonly #label: string;
  #timer: NodeJS.Timeout | undefined;
  #bar: cliProgress.SingleBar | undefined;
  #readingSince: number | undefined;
  #onInterrupt: (() => void) | undefined;

  constructor(io: CliIo, source: ImportSource) {
    this.#io = io;
    this.#source = source;
    this.#label = basename(source.path);
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
      this.#bar.start(Math.max(this.#source.size, 1), 0, this.#payload());
      this.#timer = setInterval(() => this.#bar!.update(this.#value(), this.#payload()), 100);
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
        const percent = Math.floor((100 * this.#value()) / Math.max(this.#source.size, 1));
        this.#io.stdout.write(`${this.#source.path}: ${phase}, ${percent}% of the file, ${items} rows, ${rate} rows/s\n`);
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

  #value(): number {
    return this.#source.phase === 'done' ? this.#source.size : Math.min(this.#source.bytesRead, this.#source.size);
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
