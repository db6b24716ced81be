/**
 * The HTTP API's answers (snake_case members), made from results (results.ts) and read back into
 * them. The server writes every answer with the `...ToWire` functions and the CLI its `--json`
 * output; the remote client reads answers with the `...FromWire` ones; the embedded client passes
 * the store's results through both, so that it answers exactly what the remote client would.
 */
import type {
  BatchCounts, BatchInfo, CommitResult, FoldResult, AddChunkResult, Port, Rate, RateRow, RatesQuery, RatesResult, Region, RegionChildren,
  RegionDetail, RegionNode, RevertResult, StagedBatchInfo, UploadStatus
} from './results.js';
import { percentilesToWire } from './percentiles.js';

export interface CommitWire {
  batch_id: string;
  version: number;
  counts: BatchCounts;
  committed_at: string;
}

export interface BatchWire extends CommitWire {
  reverted_by: number | null;
  revertible: boolean;
}

export interface RevertWire {
  batch_id: string;
  reverted_version: number;
  version: number;
  reverted_at: string;
}

/** `GET /v1/rates`: the version read, the query as the engine took it, and one row per day. */
export interface RatesWire {
  version: number;
  origin: string;
  destination: string;
  date_from: string;
  date_to: string;
  min_count: number;
  rows: RateRow[];
  /** With `widen=true`: the origin the rows are for (the query's, or an ancestor region of it). */
  origin_used?: string;
  /** With `widen=true`: the destination the rows are for. */
  destination_used?: string;
}

/** One day of `GET /rates`, the original API. */
export interface DailyAverageWire {
  day: string;
  average_price: number | null;
}

export interface StagedUploadWire {
  batch_id: string;
  state: 'staged';
  created_at: string;
  chunks: number[];
  items: number;
}

export interface CommittedUploadWire {
  batch_id: string;
  state: 'committed';
  result: CommitWire;
}

/** `GET /v1/uploads/{id}`, and `POST /v1/uploads`. */
export type UploadWire = StagedUploadWire | CommittedUploadWire;

/** `PUT /v1/uploads/{id}/chunks/{n}`. */
export interface ChunkWire {
  batch_id: string;
  chunk: number;
  items: number;
}

/** `ratestore compact --json`. */
export interface CompactWire {
  folded_through: number;
  removed: number;
  written: number;
}

// Ports and regions have the same members on the wire as in code; reads carry the version they read.
export interface PortListWire {
  version: number;
  ports: Port[];
}
export interface PortWire {
  version: number;
  port: Port;
}
export interface RegionListWire {
  version: number;
  regions: Region[];
}
export interface RegionWire {
  version: number;
  region: RegionDetail;
}
export interface TreeWire {
  version: number;
  regions: RegionNode[];
}
export interface BatchListWire {
  version: number;
  batches: BatchWire[];
}

function countsOf(counts: BatchCounts): BatchCounts {
  return { prices: counts.prices, ports: counts.ports, regions: counts.regions };
}

export function commitToWire(result: CommitResult): CommitWire {
  return { batch_id: result.batchId, version: result.version, counts: countsOf(result.counts), committed_at: result.committedAt };
}

export function commitFromWire(wire: CommitWire): CommitResult {
  return { batchId: wire.batch_id, version: wire.version, counts: countsOf(wire.counts), committedAt: wire.committed_at };
}

/** A batch log entry; what the engine keeps besides (the fingerprint) stays off the wire. */
export function batchToWire(info: BatchInfo): BatchWire {
  return { ...commitToWire(info), reverted_by: info.revertedBy, revertible: info.revertible };
}

export function batchFromWire(wire: BatchWire): BatchInfo {
  return { ...commitFromWire(wire), revertedBy: wire.reverted_by ?? null, revertible: wire.revertible };
}

export function revertToWire(result: RevertResult): RevertWire {
  return { batch_id: result.batchId, reverted_version: result.revertedVersion, version: result.version, reverted_at: result.revertedAt };
}

export function revertFromWire(wire: RevertWire): RevertResult {
  return { batchId: wire.batch_id, revertedVersion: wire.reverted_version, version: wire.version, revertedAt: wire.reverted_at };
}

function rowOf(row: RateRow): RateRow {
  const copy: RateRow = { day: row.day, average: row.average, count: row.count, min: row.min, max: row.max };
  // A copy: the answer owns its objects.
  if (row.percentiles !== undefined) copy.percentiles = { ...row.percentiles };
  return copy;
}

/** `GET /v1/rates`: `query` is the query as the engine took it (`minCount` given or defaulted). */
export function ratesToWire(query: Pick<RatesQuery, 'origin' | 'destination' | 'dateFrom' | 'dateTo'> & { minCount: number }, result: RatesResult): RatesWire {
  return {
    version: result.version,
    origin: query.origin,
    destination: query.destination,
    date_from: query.dateFrom,
    date_to: query.dateTo,
    min_count: query.minCount,
    rows: result.rows.map(rowOf),
    ...widenedTo(result.originUsed, result.destinationUsed, (origin, destination) => ({ origin_used: origin, destination_used: destination }))
  };
}

export function ratesFromWire(wire: Pick<RatesWire, 'version' | 'rows' | 'origin_used' | 'destination_used'>): RatesResult {
  return {
    version: wire.version,
    rows: wire.rows.map(rowOf),
    ...widenedTo(wire.origin_used, wire.destination_used, (originUsed, destinationUsed) => ({ originUsed, destinationUsed }))
  };
}

/** The members naming the locations a widened answer used; none for an answer that was not asked to widen. */
function widenedTo<T>(origin: string | undefined, destination: string | undefined, members: (origin: string, destination: string) => T): T | object {
  return origin === undefined || destination === undefined ? {} : members(origin, destination);
}

/**
 * An average as the original rates API answers it: whole dollars, halves rounded up. Averages are
 * exact divisions of cents, so noise below a millionth is removed first: 1234.4999999 is 1234.5 and
 * rounds up, as it would on paper.
 */
export function roundAverage(average: number): number {
  return Math.floor(Math.round(average * 1e6) / 1e6 + 0.5);
}

/** `GET /rates`, the original API: the rows' averages rounded (null stays null). */
export function dailyAveragesToWire(rows: readonly RateRow[]): DailyAverageWire[] {
  return rows.map((row) => ({ day: row.day, average_price: row.average === null ? null : roundAverage(row.average) }));
}

export function dailyAveragesFromWire(wire: readonly DailyAverageWire[]): Rate[] {
  return wire.map((row) => ({ day: row.day, averagePrice: row.average_price }));
}

export function stagedUploadToWire(info: StagedBatchInfo): StagedUploadWire {
  return { batch_id: info.batchId, state: 'staged', created_at: info.createdAt, chunks: info.chunks, items: info.items };
}

export function committedUploadToWire(result: CommitResult): CommittedUploadWire {
  return { batch_id: result.batchId, state: 'committed', result: commitToWire(result) };
}

export function uploadFromWire(wire: UploadWire): UploadStatus {
  if (wire.state === 'committed') return { state: 'committed', batchId: wire.batch_id, result: commitFromWire(wire.result) };
  return { state: 'staged', batchId: wire.batch_id, createdAt: wire.created_at, chunks: wire.chunks };
}

export function chunkToWire(result: AddChunkResult): ChunkWire {
  return { batch_id: result.batchId, chunk: result.chunk, items: result.items };
}

export function compactToWire(result: FoldResult): CompactWire {
  return { folded_through: result.foldedThrough, removed: result.removed, written: result.written };
}

/** `GET /v1/regions/{slug}`: the region with what it directly holds. */
export function regionDetail(region: Region, children: RegionChildren): RegionDetail {
  return { slug: region.slug, name: region.name, parent: region.parent, ports: children.ports, regions: children.regions };
}

/**
 * What any read may ask besides its own parameters: a version to read at (`as_of`), and one the
 * server must have applied before it answers (`min_version`: in a cluster, a write's version read
 * through another node).
 */
export interface ReadQuery {
  asOf?: number | undefined;
  minVersion?: number | undefined;
}

/** The query parameters of `GET /rates` and `GET /v1/rates` (absent options left out). */
export function ratesQueryToWire(query: RatesQuery & ReadQuery): Record<string, string | number> {
  return {
    date_from: query.dateFrom,
    date_to: query.dateTo,
    origin: query.origin,
    destination: query.destination,
    ...(query.minCount === undefined ? {} : { min_count: query.minCount }),
    ...(query.widen === undefined ? {} : { widen: String(query.widen) }),
    ...(query.percentiles === undefined ? {} : { percentiles: percentilesToWire(query.percentiles) }),
    ...versionQueryToWire(query)
  };
}

/** The query parameters of a read's version: `as_of`, `min_version` (those asked for). */
export function versionQueryToWire(options: ReadQuery): Record<string, number> {
  return {
    ...(options.asOf === undefined ? {} : { as_of: options.asOf }),
    ...(options.minVersion === undefined ? {} : { min_version: options.minVersion })
  };
}
