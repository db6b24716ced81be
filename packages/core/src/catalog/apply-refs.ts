import type { IssueList } from '../errors.js';
import type { Issue, NormalRef } from '../validate/items.js';
import type { CatalogView } from './catalog.js';

/** A port or region item of a batch, with where it stood for error reports. */
export type LocatedRef = NormalRef & { chunk?: number };

/**
 * Applies a batch's ports and regions to the current catalog and checks the result as a whole:
 * a batch may name a region before the item that creates it (as a database dump does), so
 * references are checked only once every item is known. Every problem of an item is reported
 * (a duplicate port in an unknown region has two).
 */
export function applyRefs(head: CatalogView, refs: readonly LocatedRef[], issues: IssueList): CatalogView {
  const ports = new Map(head.ports);
  const regions = new Map(head.regions);
  const seen = new Set<string>();
  // The first item of a code or slug counts; a later one is a duplicate.
  const duplicates = new Set<LocatedRef>();
  for (const ref of refs) {
    const id = ref.kind === 'port' ? ref.code : ref.slug;
    if (seen.has(id)) {
      duplicates.add(ref);
      continue;
    }
    seen.add(id);
    if (ref.kind === 'port') ports.set(ref.code, { code: ref.code, name: ref.name, region: ref.region });
    else regions.set(ref.slug, { slug: ref.slug, name: ref.name, parent: ref.parent });
  }
  // Only region items change levels or make cycles: a batch of prices and ports spares the walk.
  const levels = refs.some((ref) => ref.kind === 'region') ? regionLevels(regions) : new Map<string, number>();
  const tooDeep = tooDeepRegions(regions, levels);
  for (const ref of refs) {
    const problems: Issue[] = [];
    const duplicate = duplicates.has(ref);
    if (duplicate) {
      problems.push({ field: ref.kind === 'port' ? 'code' : 'slug', code: 'RATESTORE_DUPLICATE_CODE', reason: `${ref.kind} ${ref.kind === 'port' ? ref.code : ref.slug} appears more than once in the batch` });
    }
    if (ref.kind === 'port') {
      if (!regions.has(ref.region)) problems.push({ field: 'region', code: 'RATESTORE_UNKNOWN_REGION', reason: `region ${ref.region} does not exist` });
    } else if (ref.parent !== null && !regions.has(ref.parent)) {
      problems.push({ field: 'parent', code: 'RATESTORE_UNKNOWN_REGION', reason: `region ${ref.parent} does not exist` });
    } else if (!duplicate && levels.get(ref.slug) === CYCLIC) {
      problems.push({ field: 'parent', code: 'RATESTORE_REGION_CYCLE', reason: `making ${ref.parent} the parent of ${ref.slug} creates a cycle` });
    }
    if (problems.length === 0 && ref.kind === 'region' && !duplicate) {
      // A region too deep itself, or one that this item moves with a region too deep beneath it.
      const deep = tooDeep.get(ref.slug);
      const moved = head.regions.has(ref.slug) && head.regions.get(ref.slug)!.parent !== ref.parent;
      if (deep !== undefined && (deep.itself || moved)) problems.push({ field: 'parent', code: 'RATESTORE_REGION_TOO_DEEP', reason: deep.reason });
    }
    if (problems.length > 0) issues.addItem(ref.index, ref.chunk, problems);
  }
  return { ports, regions };
}

/**
 * How deep regions may nest, a root being level 1. Real trees are a handful of levels deep; a
 * price rolls up to every pair of regions on its two chains, so depth costs every commit its
 * square, and a tree thousands deep exhausted the stack of the code that walks it (a store that
 * took one could not start again).
 */
export const MAX_REGION_DEPTH = 64;

/** The level of a region whose parents never reach a root: a cycle runs through it or above it. */
const CYCLIC = 0;
/** A region on the walk under way (see regionLevels). */
const VISITING = -1;

/**
 * Each region's level, a root being 1 (a region under a parent that does not exist counts as a
 * root: that is reported on its own), or CYCLIC. One walk up per region, remembering what it
 * passed, so thousands of levels cost thousands of steps, not their square.
 */
function regionLevels(regions: CatalogView['regions']): Map<string, number> {
  const levels = new Map<string, number>();
  for (const slug of regions.keys()) {
    if (levels.has(slug)) continue;
    // The regions of this walk are marked VISITING: meeting one again is a cycle.
    const path: string[] = [];
    let above = 0;
    let cyclic = false;
    for (let current: string | null = slug; current !== null && regions.has(current); current = regions.get(current)!.parent) {
      const known = levels.get(current);
      if (known !== undefined) {
        cyclic = known === VISITING || known === CYCLIC;
        above = known;
        break;
      }
      levels.set(current, VISITING);
      path.push(current);
    }
    for (let i = path.length - 1; i >= 0; i--) levels.set(path[i]!, cyclic ? CYCLIC : ++above);
  }
  return levels;
}

/**
 * The regions deeper than MAX_REGION_DEPTH (`itself`) and those with one beneath them, each with
 * the reason to give; empty when none is.
 */
function tooDeepRegions(regions: CatalogView['regions'], levels: Map<string, number>): Map<string, { itself: boolean; reason: string }> {
  const found = new Map<string, { itself: boolean; reason: string }>();
  for (const [slug, level] of levels) {
    if (level <= MAX_REGION_DEPTH) continue;
    const why = (beneath: string): string => `region ${slug}${beneath === slug ? '' : `, beneath ${beneath},`} would be at level ${level}; regions nest at most ${MAX_REGION_DEPTH} levels deep`;
    found.set(slug, { itself: true, reason: why(slug) });
    // Every region above it, up to the first found already (above which all are).
    for (let current = regions.get(slug)!.parent; current !== null && regions.has(current); current = regions.get(current)!.parent) {
      if (found.has(current)) break;
      found.set(current, { itself: false, reason: why(current) });
    }
  }
  return found;
}
