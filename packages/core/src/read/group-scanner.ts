import type { AbstractIterator } from 'abstract-level';
import type { Db } from '../db.js';
import { groupFrom, historyKey, parseRecordKey, type ParsedRecordKey } from '../encoding/keys.js';
import type { VisibilityFilter } from './visible-records.js';

/** Entries per read once a group runs on: large enough that long histories cost few round trips. */
const MAX_READ = 1000;
/**
 * Entries of other groups read past, rather than sought past, when every record of the groups is
 * wanted: a seek costs a round trip to LevelDB's threads, which on a busy machine takes longer than
 * reading a few hundred small records, and wanted groups are often close together (the months of
 * one pair).
 */
const READ_THROUGH = 256;

export interface GroupScan {
  /** An iterator over the key space of `space`, holding every wanted group. */
  iterator: AbstractIterator<Db, string, Uint8Array>;
  space: 'head' | 'history';
  /** Whether the iterator already starts where the first group does; else the scan seeks there. */
  positioned?: boolean;
  /** The groups to read, sorted, each `a\0{A}\0{B}\0{YYYY-MM}` (whatever the space). */
  groups: readonly string[];
  /** Entries of the first read, and of the first after every seek; later reads double up to MAX_READ. */
  firstRead: number;
  /**
   * With a filter, the scan reads as of `version` and skips what no such read needs: records newer
   * than the version, and everything a reset or checkpoint supersedes; it gives `visit` only the
   * records the filter accepts. Without, it gives `visit` every record of the groups.
   */
  at?: { filter: VisibilityFilter; version: number };
  visit: (group: number, key: string, record: ParsedRecordKey, value: Uint8Array) => void;
}

/**
 * Reads the records of some groups of one key space on one iterator, newest first, seeking past
 * what the scan does not need (other groups, and with `at`, what a read at that version does not
 * need), so that a group costs what is read of it, not what lies next to it. In LevelDB a seek is
 * one index lookup, against reading and copying every record it skips.
 */
export async function scanGroups(scan: GroupScan): Promise<void> {
  const { iterator, groups, firstRead, visit, at: reading } = scan;
  if (groups.length === 0) return;
  const version = reading?.version ?? Infinity;
  const target = (group: string): string => {
    const from = reading === undefined ? group + '\0' : groupFrom(group, version);
    return scan.space === 'history' ? historyKey(from) : from;
  };
  let at = 0;
  let size = firstRead;
  let skipped = 0;
  if (scan.positioned !== true) iterator.seek(target(groups[0]!));
  for (;;) {
    const entries = (await iterator.nextv(size)) as Array<[string, Uint8Array]>;
    if (entries.length === 0) return;
    // Whether the last entry read lies where nothing more is wanted: another group, or (with `at`)
    // records newer than the version or the superseded rest of a group; and how many such in a row.
    let wasted = false;
    let last: ParsedRecordKey | undefined;
    for (const [key, value] of entries) {
      const record = (last = parseRecordKey(key));
      while (record.group > groups[at]!) if (++at === groups.length) return;
      wasted = record.group !== groups[at] || (reading !== undefined && (record.epoch > version || reading.filter.superseded(record)));
      if (wasted) {
        skipped++;
        continue;
      }
      skipped = 0;
      if (reading === undefined) {
        visit(at, key, record, value);
      } else {
        if (reading.filter.accept(record, value)) visit(at, key, record, value);
        wasted = reading.filter.superseded(record);
      }
    }
    if (wasted && (reading !== undefined || skipped > READ_THROUGH)) {
      if (last!.group === groups[at] && reading !== undefined && reading.filter.superseded(last!) && ++at === groups.length) return;
      iterator.seek(target(groups[at]!));
      size = firstRead;
      skipped = 0;
    } else {
      size = Math.min(size * 2, MAX_READ);
    }
  }
}
