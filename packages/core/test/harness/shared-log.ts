/**
 * A commit log that several stores in one process share, kept in memory: the reference double of
 * a shared log (PostgreSQL in cluster mode). Each store gets its own handle (`connect()`); an entry
 * appended through one is applied by every other store's follower, from the copy the log keeps.
 */
import { once } from 'node:events';
import { setImmediate as turn } from 'node:timers/promises';
import type { Appended, BatchSource, CommitLog, FoldResult, LogEntry, LogNode, LoggedEntry, Proposal, Retention } from '../../src/index.js';
import type { EncodedChunk } from '../../src/staging/chunk-builder.js';
import { memorySource } from '../../src/staging/batch-source.js';
import { dueHorizon } from '../../src/log/retention.js';
import { Mutex } from '../../src/util/locks.js';

let logs = 0;

interface Logged {
  entry: LogEntry;
  chunks?: EncodedChunk[];
}

export class SharedMemoryLog {
  /** Every log has an identity: stores record it and refuse another's. */
  readonly id = `memory-log-${++logs}`;
  readonly #entries: Logged[] = [];
  readonly #lock = new Mutex();
  readonly #changes = new EventTarget();
  readonly #retainVersions: number;
  #retention: Retention = { foldedThrough: 0, decidedAt: 0 };

  constructor(options: { retainVersions?: number } = {}) {
    this.#retainVersions = options.retainVersions ?? Infinity;
  }

  get head(): number {
    return this.#entries.length;
  }

  get horizon(): Retention {
    return { ...this.#retention };
  }

  /** A handle for one store: pass it as the store's `log` option. */
  connect(): CommitLog {
    let node: LogNode | undefined;
    const opened = (): LogNode => {
      if (node === undefined) throw new Error('the log was not opened');
      return node;
    };
    return {
      id: this.id,
      open: async (n) => {
        node = n;
      },
      head: async () => this.head,
      append: async (proposal) => {
        const appended = await this.#append(opened(), proposal);
        // This store applies its own entry from the data in hand (a follower may have been first).
        if (!appended.replayed) await opened().apply(appended.entry, proposal.kind === 'batch' ? proposal.source : undefined);
        return appended;
      },
      read: (after) => this.#read(after),
      changed: (version, foldedThrough, signal) => this.#changed(version, foldedThrough, signal),
      retention: async () => this.horizon,
      retain: (foldedThrough) => this.#retain(opened(), foldedThrough),
      close: async () => undefined
    };
  }

  #append(node: LogNode, proposal: Proposal): Promise<Appended> {
    return this.#lock.run(async () => {
      const head = this.head;
      const replayed = await node.admit(proposal, head);
      if (replayed !== undefined) return { entry: replayed, replayed: true };
      const entry: LogEntry = { kind: proposal.kind, version: head + 1, batchId: proposal.batchId, committedAt: new Date().toISOString() };
      if (proposal.kind === 'batch' && proposal.fingerprint !== undefined) entry.fingerprint = proposal.fingerprint;
      this.#entries.push({ entry, ...(proposal.kind === 'batch' ? { chunks: await copy(proposal.source) } : {}) });
      const horizon = dueHorizon(entry.version, this.#retention.foldedThrough, this.#retainVersions);
      if (horizon !== undefined) this.#retention = { foldedThrough: horizon, decidedAt: entry.version };
      this.#changes.dispatchEvent(new Event('change'));
      return { entry, replayed: false };
    });
  }

  async *#read(after: number): AsyncIterable<LoggedEntry> {
    for (const { entry, chunks } of this.#entries.slice(after)) yield chunks === undefined ? { entry } : { entry, source: memorySource(chunks) };
  }

  async #changed(version: number, foldedThrough: number, signal: AbortSignal): Promise<void> {
    if (this.head > version || this.#retention.foldedThrough > foldedThrough) return;
    // Resolves on the next change, or (rejecting, caught) when `signal` aborts; either way no listener stays behind.
    await once(this.#changes, 'change', { signal }).catch(() => undefined);
  }

  async #retain(node: LogNode, foldedThrough: number): Promise<FoldResult> {
    const { retention, raised } = await this.#lock.run(async () => {
      const raised = foldedThrough > this.#retention.foldedThrough;
      if (raised) {
        this.#retention = { foldedThrough, decidedAt: this.head };
        this.#changes.dispatchEvent(new Event('change'));
      }
      return { retention: this.horizon, raised };
    });
    // A remote log's notification can wake this store's follower before the call that raised the
    // horizon folds: the double lets the follower go first, so every compact here meets that race.
    for (let turns = 0; raised && turns < 1000 && node.foldedThrough < retention.foldedThrough; turns++) await turn();
    return node.fold(retention, raised);
  }
}

/** The log's own copy of a batch's data: the proposing store's staged chunks go away once it commits. */
async function copy(source: BatchSource): Promise<EncodedChunk[]> {
  const refs = (await source.refs()).map(({ chunk: _chunk, ...ref }) => ref);
  const chunks: EncodedChunk[] = [{ prices: new Uint8Array(0), refs, items: refs.length, ports: Uint32Array.from(await source.ports()) }];
  for await (const { bytes } of source.prices()) chunks.push({ prices: bytes.slice(), refs: [], items: bytes.byteLength / 20, ports: new Uint32Array(0) });
  return chunks;
}
