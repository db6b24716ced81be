import type { LogIndex } from '../replica/log-index.js';
import { isReset } from '../encoding/record-codec.js';
import { parseRecordKey, type ParsedRecordKey } from '../encoding/keys.js';

export interface VisibleRecord extends ParsedRecordKey {
  key: string;
  value: Uint8Array;
}

/**
 * Filters aggregate records, in key order, down to those that make up the state at `version`:
 * committed writers only, no reverted source, and nothing older than a visible reset of its group.
 * Keys sort newest epoch first within a group, so one forward pass suffices.
 */
export class VisibilityFilter {
  readonly #index: LogIndex;
  readonly #version: number;
  #group = '';
  #cutEpoch = -1;

  constructor(index: LogIndex, version: number) {
    this.#index = index;
    this.#version = version;
  }

  accept(key: string, value: Uint8Array): VisibleRecord | undefined {
    const parsed = parseRecordKey(key);
    if (parsed.group !== this.#group) {
      this.#group = parsed.group;
      this.#cutEpoch = -1;
    }
    if (parsed.epoch < this.#cutEpoch) return undefined;
    if (!this.#index.isVisible(parsed.epoch, parsed.writer, parsed.source, this.#version)) return undefined;
    if (isReset(value)) this.#cutEpoch = parsed.epoch;
    return { ...parsed, key, value };
  }
}
