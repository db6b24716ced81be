import { invalidArgument } from './errors.js';
import type { RequestOptions } from './types.js';

/** The `minVersion` a read asks for, checked: an integer of at least 0, or undefined. */
export function minVersionOf(options: RequestOptions | undefined): number | undefined {
  const asked = options?.minVersion;
  if (asked === undefined) return undefined;
  if (typeof asked !== 'number' || !Number.isSafeInteger(asked) || asked < 0) {
    throw invalidArgument('minVersion', `must be an integer of at least 0, got ${JSON.stringify(asked)}`);
  }
  return asked;
}
