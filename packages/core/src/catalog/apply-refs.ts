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
    } else if (!duplicate && inCycle(ref.slug, regions)) {
      problems.push({ field: 'parent', code: 'RATESTORE_REGION_CYCLE', reason: `making ${ref.parent} the parent of ${ref.slug} creates a cycle` });
    }
    if (problems.length > 0) issues.addItem(ref.index, ref.chunk, problems);
  }
  return { ports, regions };
}

function inCycle(slug: string, regions: CatalogView['regions']): boolean {
  let current = regions.get(slug)?.parent ?? null;
  for (let steps = 0; current !== null && steps <= regions.size; steps++) {
    if (current === slug) return true;
    current = regions.get(current)?.parent ?? null;
  }
  return current !== null;
}
