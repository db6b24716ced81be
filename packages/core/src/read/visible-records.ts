import type { LogIndex } from '../replica/log-index.js';
import { isReset } from '../encoding/record-codec.js';
import { CHECKPOINT_WRITER, type ParsedRecordKey } from '../encoding/keys.js';

export interface VisibilityOptions {
  /**
   * Whether checkpoints stand in for the records they merge (reads). Code that needs each source's
   * own records (folding, rebuilding rollups) passes false: checkpoints are then never visible.
   */
  checkpoints: boolean;
}

/**
 * Filters aggregate records, in key order, down to those that make up the state at `version`:
 * committed writers only, no reverted source, and nothing a visible reset or checkpoint of its
 * group supersedes. Keys sort newest epoch first within a group, so one forward pass suffices.
 *
 * A reset (a rebuilt rollup, a folded base) supersedes the older epochs of its group; the records of
 * its own epoch that follow it are part of the state. A checkpoint sorts first in its epoch and holds
 * that epoch's records too, so it supersedes everything after it. It stands for the state at its
 * epoch, so it holds only while no batch it merged has been reverted by `version`
 * (LogIndex.isCheckpointValid); otherwise it is skipped and the records it merged are read instead.
 */
export class VisibilityFilter {
  readonly #index: LogIndex;
  readonly #version: number;
  readonly #checkpoints: boolean;
  #group = '';
  /** Records of the current group with an older epoch than this are superseded. */
  #cutEpoch = -1;
  /** The last checkpoint epoch asked about, and the answer: a read meets the same one month after month. */
  #checkedEpoch = -1;
  #checkedValid = false;

  constructor(index: LogIndex, version: number, options: VisibilityOptions = { checkpoints: true }) {
    this.#index = index;
    this.#version = version;
    this.#checkpoints = options.checkpoints;
  }

  /** Whether the record belongs to the state at the filter's version. */
  accept(record: ParsedRecordKey, value: Uint8Array): boolean {
    if (record.group !== this.#group) {
      this.#group = record.group;
      this.#cutEpoch = -1;
    }
    if (record.epoch < this.#cutEpoch) return false;
    if (record.writer === CHECKPOINT_WRITER) {
      if (!this.#checkpoints || !this.#isCheckpointValid(record.epoch)) return false;
      this.#cutEpoch = record.epoch + 1;
      return true;
    }
    if (!this.#index.isVisible(record.epoch, record.writer, record.source, this.#version)) return false;
    if (isReset(value)) this.#cutEpoch = record.epoch;
    return true;
  }

  /** Whether `record`, one the filter has been given, is superseded, and with it everything after it in its group. */
  superseded(record: ParsedRecordKey): boolean {
    return record.group === this.#group && record.epoch < this.#cutEpoch;
  }

  #isCheckpointValid(epoch: number): boolean {
    if (epoch !== this.#checkedEpoch) {
      this.#checkedEpoch = epoch;
      this.#checkedValid = this.#index.isCheckpointValid(epoch, this.#version);
    }
    return this.#checkedValid;
  }
}
