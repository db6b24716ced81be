/**
 * Key layout. Every key is ASCII so that utf8 and byte order agree on every backend; fields are
 * fixed width or end with `\x00`, which sorts below every byte a field may contain.
 *
 *   a\0{A}\0{B}\0{YYYY-MM}\0{inv epoch}{writer}{source}{part}  aggregate record (8 hex digits each) (see record-codec)
 *   a\0{A}\0{B}\0{YYYY-MM}\0{inv epoch}000000000000000000000000 checkpoint: the group as merged at that version
 *   h\0{A}\0{B}\0{YYYY-MM}\0{inv epoch}{writer}{source}{part}  history: a record a checkpoint superseded
 *   c\0{version}                                              commit log entry (JSON)
 *   f\0{txn}                                                  fold marker: txn -> version (JSON)
 *   r\0p\0{CODE}\0{version}  /  r\0r\0{slug}\0{version}       port / region as of a version (JSON)
 *   s\0{batchId}\0m  /  s\0{batchId}\0r\0{chunk}  /  s\0{batchId}\0p\0{chunk}  /  s\0{batchId}\0n\0{chunk}
 *   s\0{batchId}\0u\0{chunk}                                 staged batch: meta, refs, prices, item count, ports used
 *   m\0txn / m\0retention / m\0log                            store metadata (JSON): last txn id, horizon, the shared log followed
 *
 * A, B are location nodes: a port code (upper case) or a region slug (lower case), so the two never
 * collide and all port-to-port keys of an origin sit in one range (`A`..`Z`).
 */

const HEX8 = 0xffff_ffff;

export function hex8(value: number): string {
  return value.toString(16).padStart(8, '0');
}

/** The first character of a history key, 'h'. */
const HISTORY = 0x68;

/** Length of the fixed-width suffix `{inv epoch}{writer}{source}{part}` of an aggregate key. */
export const RECORD_SUFFIX_LENGTH = 32;

export function groupPrefix(a: string, b: string): string {
  return `a\0${a}\0${b}\0`;
}

/** The group `a\0{A}\0{B}\0{YYYY-MM}` of the records of a pair in one month. */
export function recordGroup(a: string, b: string, month: string): string {
  return groupPrefix(a, b) + month;
}

/** What follows the group in a record key; the same for every record a writer writes in one part. */
export function recordKeySuffix(epoch: number, writer: number, source: number, part: number): string {
  return '\0' + hex8(HEX8 - epoch) + hex8(writer) + hex8(source) + hex8(part);
}

export function recordKey(group: string, epoch: number, writer: number, source: number, part: number): string {
  return group + recordKeySuffix(epoch, writer, source, part);
}

/** `group` is `a\0{A}\0{B}\0{YYYY-MM}`: everything of the key but the separator and suffix. */
export interface ParsedRecordKey {
  group: string;
  month: string;
  epoch: number;
  writer: number;
  source: number;
}

/** Parses a record key of either space; `group` is named as in the head (`a\0…`) for both. */
export function parseRecordKey(key: string): ParsedRecordKey {
  const suffixAt = key.length - RECORD_SUFFIX_LENGTH;
  const group = key.charCodeAt(0) === HISTORY ? 'a' + key.slice(1, suffixAt - 1) : key.slice(0, suffixAt - 1);
  return {
    group,
    month: group.slice(group.length - 7),
    epoch: HEX8 - parseInt(key.slice(suffixAt, suffixAt + 8), 16),
    writer: parseInt(key.slice(suffixAt + 8, suffixAt + 16), 16),
    source: parseInt(key.slice(suffixAt + 16, suffixAt + 24), 16)
  };
}

/** The source of a record that merges every folded batch; no batch has this transaction id. */
export const FOLDED_SOURCE = HEX8;

/**
 * The writer of a checkpoint: the merged state of a group at the version that is its epoch (see
 * maintenance/write-checkpoints.ts). No transaction has id 0, so a checkpoint sorts before every
 * other record of its epoch, and readers that know nothing of checkpoints see an uncommitted
 * writer and skip it. Checkpoints are derived from the other records and need no transaction.
 */
export const CHECKPOINT_WRITER = 0;

export function checkpointKey(group: string, version: number): string {
  return recordKey(group, version, CHECKPOINT_WRITER, 0, 0);
}

/** Where the records of `group` with an epoch of at most `version` start (the newest epoch sorts first). */
export function groupFrom(group: string, version: number): string {
  return group + '\0' + hex8(HEX8 - version);
}

/**
 * The head: every aggregate record that no checkpoint supersedes, and each group's newest checkpoint,
 * which is what reads at the latest version read. The history: the records checkpoints superseded,
 * under the same key with `h` for `a`, which reads at older versions and after reverts read too.
 */
export const AGGREGATES_RANGE = { gte: 'a\0', lt: 'a\x01' };
export const HISTORY_RANGE = { gte: 'h\0', lt: 'h\x01' };

/** The history key of a head key (or group, or prefix). */
export function historyKey(key: string): string {
  return 'h' + key.slice(1);
}

/** Port-to-port records whose origin is `port`. */
export function portPairsRange(port: string): { gte: string; lt: string } {
  return { gte: `a\0${port}\0A`, lt: `a\0${port}\0[` };
}

export const COMMITS_RANGE = { gte: 'c\0', lt: 'c\x01' };
export function commitKey(version: number): string {
  return 'c\0' + hex8(version);
}

export const FOLDS_RANGE = { gte: 'f\0', lt: 'f\x01' };
export function foldKey(txn: number): string {
  return 'f\0' + hex8(txn);
}
export function txnOfFoldKey(key: string): number {
  return parseInt(key.slice(2), 16);
}

export const REFERENCE_RANGE = { gte: 'r\0', lt: 'r\x01' };
export function portKey(code: string, version: number): string {
  return `r\0p\0${code}\0${hex8(version)}`;
}
export function regionKey(slug: string, version: number): string {
  return `r\0r\0${slug}\0${hex8(version)}`;
}
/** What a port or region key names: its kind, its code or slug, and the version it is as of. */
export function parseReferenceKey(key: string): { kind: 'port' | 'region'; id: string; version: number } {
  const [, kind, id, version] = key.split('\0') as [string, string, string, string];
  return { kind: kind === 'p' ? 'port' : 'region', id, version: parseInt(version, 16) };
}

export const STAGED_RANGE = { gte: 's\0', lt: 's\x01' };
export function stagedMetaKey(batchId: string): string {
  return `s\0${batchId}\0m`;
}
/** Whether a key of STAGED_RANGE is a batch's meta record (the others are its chunks). */
export function isStagedMetaKey(key: string): boolean {
  return key.endsWith('\0m');
}
export function stagedRefsKey(batchId: string, chunk: number): string {
  return `s\0${batchId}\0r\0${hex8(chunk)}`;
}
export function stagedPricesKey(batchId: string, chunk: number): string {
  return `s\0${batchId}\0p\0${hex8(chunk)}`;
}
export function stagedPortsKey(batchId: string, chunk: number): string {
  return `s\0${batchId}\0u\0${hex8(chunk)}`;
}
export function stagedPortsRange(batchId: string): { gte: string; lt: string } {
  return { gte: `s\0${batchId}\0u\0`, lt: `s\0${batchId}\0u\x01` };
}
export function stagedCountKey(batchId: string, chunk: number): string {
  return `s\0${batchId}\0n\0${hex8(chunk)}`;
}
export function stagedCountsRange(batchId: string): { gte: string; lt: string } {
  return { gte: `s\0${batchId}\0n\0`, lt: `s\0${batchId}\0n\x01` };
}
export function stagedBatchRange(batchId: string): { gte: string; lt: string } {
  return { gte: `s\0${batchId}\0`, lt: `s\0${batchId}\x01` };
}
export function stagedPricesRange(batchId: string): { gte: string; lt: string } {
  return { gte: `s\0${batchId}\0p\0`, lt: `s\0${batchId}\0p\x01` };
}
export function stagedRefsRange(batchId: string): { gte: string; lt: string } {
  return { gte: `s\0${batchId}\0r\0`, lt: `s\0${batchId}\0r\x01` };
}
export function chunkOfStagedKey(key: string): number {
  return parseInt(key.slice(key.length - 8), 16);
}

export const TXN_KEY = 'm\0txn';
export const RETENTION_KEY = 'm\0retention';
export const LOG_KEY = 'm\0log';
