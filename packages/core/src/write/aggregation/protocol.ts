import type { MessagePort } from 'node:worker_threads';
import { monthAndDayOf } from '../../validate/dates.js';
import type { EncodedPart } from '../pair-aggregator.js';

/**
 * What a commit split across worker threads says between its thread and each worker (see
 * workers.ts for the main side, worker.ts for the worker's). Each worker takes one share of the
 * batch's months, so that every record (a pair and a month) is made by exactly one worker, and
 * the worker's records are what one thread would have made of those months.
 */

/** The task a worker runs: its share of the months, and how to aggregate them. */
export interface ShareTask {
  /** The channel to the commit's thread: chunks and acks arrive on it, parts leave on it. */
  port: MessagePort;
  /** This worker's share, 0 to shares - 1: months m with m % shares === share. */
  share: number;
  shares: number;
  /** Each port's chain, as PairAggregator takes them (the same order gives the same node ids). */
  chains: Map<string, readonly string[]>;
  /** This worker's bound on cells held (the store's maxCells divided among the workers). */
  maxCells: number;
  sketches: boolean;
  /** The batch's id, for the message of a price that names an unknown port. */
  batchId: string;
}

/** To a worker: a chunk of staged price rows (see price-codec), the end of them, or a part written. */
export type ToWorker = { kind: 'chunk'; bytes: Uint8Array } | { kind: 'end' } | { kind: 'ack' };

/** From a worker: it is done with a chunk, or a part of its records to write, as PairAggregator flushed it (the worker waits for the ack). */
export type FromWorker = { kind: 'consumed' } | { kind: 'part'; part: EncodedPart };

/** Which share a day's prices belong to: months are dealt round-robin, so a batch over n months keeps min(n, shares) workers busy. */
export function shareOfDay(day: number, shares: number): number {
  return (monthAndDayOf(day) >>> 5) % shares;
}
