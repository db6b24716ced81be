import type { Ratestore } from '@ratestore/core';
import { LRUCache } from 'lru-cache';

export interface RegionChildren {
  /** Codes of the ports directly in the region, sorted. */
  ports: readonly string[];
  /** Slugs of its direct sub-regions, sorted. */
  regions: readonly string[];
}

const NONE: RegionChildren = { ports: [], regions: [] };

/**
 * The direct ports and sub-regions of every region, per version. The store lists them only by
 * copying every port and region, so that is done once per version read, not once per request.
 */
export class RegionIndex {
  readonly #store: Ratestore;
  readonly #byVersion: LRUCache<number, Map<string, RegionChildren>>;

  /** `maxVersions`: how many versions are kept (the latest and a few `as_of` ones), least recently read dropped first. */
  constructor(store: Ratestore, maxVersions = 4) {
    this.#store = store;
    this.#byVersion = new LRUCache({ max: maxVersions });
  }

  /** The children of `slug` at `asOf`, or at the latest version. */
  children(slug: string, asOf: number | undefined): RegionChildren {
    const version = asOf ?? this.#store.version;
    let index = this.#byVersion.get(version);
    if (index === undefined) {
      index = this.#build(asOf === undefined ? {} : { asOf });
      this.#byVersion.set(version, index);
    }
    return index.get(slug) ?? NONE;
  }

  #build(options: { asOf?: number }): Map<string, RegionChildren> {
    const index = new Map<string, { ports: string[]; regions: string[] }>();
    const of = (slug: string) => {
      let children = index.get(slug);
      if (children === undefined) index.set(slug, (children = { ports: [], regions: [] }));
      return children;
    };
    for (const port of this.#store.ports(options)) of(port.region).ports.push(port.code);
    for (const region of this.#store.regions(options)) if (region.parent !== null) of(region.parent).regions.push(region.slug);
    return index;
  }
}
