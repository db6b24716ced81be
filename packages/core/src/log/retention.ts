/**
 * The retention policy a log applies for `retainVersions`: once twice that many versions have piled
 * up behind the horizon, it moves up to keep the last `retainVersions`. Folding rewrites every group
 * of records, so it is done rarely and in one go rather than a version at a time.
 */
export function dueHorizon(head: number, foldedThrough: number, retainVersions: number): number | undefined {
  if (retainVersions === Infinity || head - foldedThrough < 2 * retainVersions + 1) return undefined;
  return head - retainVersions;
}
