import { CliError, EXIT_USAGE } from './common.js';

/** The most nodes `dev --cluster` starts: each is a process with its own replica and PostgreSQL connections. */
export const MAX_DEV_NODES = 16;

/** `--cluster N` as typed: a whole number of nodes from 1 to MAX_DEV_NODES. */
export function parseNodeCount(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || Number(value) > MAX_DEV_NODES) {
    throw new CliError('RATESTORE_INVALID_ARGUMENT', `--cluster must be the number of nodes, a whole number from 1 to ${MAX_DEV_NODES}, not "${value}"`, EXIT_USAGE);
  }
  return Number(value);
}
