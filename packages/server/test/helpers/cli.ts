import { CommanderError } from 'commander';
import { Ratestore } from '@ratestore/core';
import type { CliIo } from '../../src/cli/commands/common.js';
import { buildProgram } from '../../src/cli/program.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

class Exit {
  constructor(readonly code: number) {}
}

/**
 * Runs `ratestore ARGS` in-process: the program main.ts runs, built afresh on a captured output.
 * (A serve that starts keeps running: only its failures to start are for this helper.)
 */
export async function cli(args: string[], options: { env?: Record<string, string>; tty?: boolean; progressIntervalMs?: number } = {}): Promise<CliRun> {
  const out = { code: 0, stdout: '', stderr: '' };
  const io: CliIo = {
    stdout: { write: (text: string) => (out.stdout += text), isTTY: options.tty === true, columns: 100 },
    stderr: { write: (text: string) => (out.stderr += text) },
    env: options.env ?? {},
    setExitCode: (code) => {
      if (code !== 0) out.code = code;
    },
    exit: (code) => {
      throw new Exit(code);
    },
    ...(options.progressIntervalMs === undefined ? {} : { progressIntervalMs: options.progressIntervalMs })
  };
  const program = buildProgram(io);
  try {
    await program.parseAsync(args, { from: 'user' });
  } catch (error) {
    if (error instanceof Exit) out.code = error.code;
    else if (error instanceof CommanderError) out.code = error.exitCode === 0 ? 0 : 2;
    else throw error;
  }
  return out;
}

/** Opens the store a command wrote (the command must have closed it), to check what it holds. */
export async function storeAt(dir: string): Promise<Ratestore> {
  const store = new Ratestore({ location: dir });
  await store.open();
  return store;
}
