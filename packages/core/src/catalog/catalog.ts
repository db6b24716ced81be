import type { Port, Region, RegionChildren, RegionNode } from '../types.js';
import type { NormalRef } from '../validate/items.js';

interface PortState { version: number; name: string; region: string }
interface RegionState { version: number; name: string; parent: string | null }

/** Ports and regions as of one version. */
export interface CatalogView {
  ports: Map<string, Port>;
  regions: Map<string, Region>;
}

/**
 * Ports and regions with their whole history, held in memory: reference data is small (thousands
 * of rows) and every query resolves locations as of the version it reads.
 */
export class Catalog {
  readonly #ports = new Map<string, PortState[]>();
  readonly #regions = new Map<string, RegionState[]>();
  #headView: CatalogView | undefined;
  #headChildren: Map<string, RegionChildren> | undefined;

  /** Records a port or region as of `version`; history must be added in version order. */
  add(version: number, ref: NormalRef): void {
    if (ref.kind === 'port') {
      push(this.#ports, ref.code, { version, name: ref.name, region: ref.region });
    } else {
      push(this.#regions, ref.slug, { version, name: ref.name, parent: ref.parent });
    }
    this.#headView = undefined;
    this.#headChildren = undefined;
  }

  view(version: number): CatalogView {
    const ports = new Map<string, Port>();
    for (const [code, history] of this.#ports) {
      const state = at(history, version);
      if (state !== undefined) ports.set(code, { code, name: state.name, region: state.region });
    }
    const regions = new Map<string, Region>();
    for (const [slug, history] of this.#regions) {
      const state = at(history, version);
      if (state !== undefined) regions.set(slug, { slug, name: state.name, parent: state.parent });
    }
    return { ports, regions };
  }

  /** The latest state; cached because commits validate against it. */
  headView(): CatalogView {
    this.#headView ??= this.view(Number.MAX_SAFE_INTEGER);
    return this.#headView;
  }

  /** Each region's direct children at the latest version; cached, since region pages ask it per request. */
  headChildren(): Map<string, RegionChildren> {
    this.#headChildren ??= childIndex(this.headView());
    return this.#headChildren;
  }

  /** One port as of `version`, without building a whole view. */
  port(code: string, version: number): Port | undefined {
    const state = at(this.#ports.get(code) ?? [], version);
    return state === undefined ? undefined : { code, name: state.name, region: state.region };
  }

  /** One region as of `version`, without building a whole view. */
  region(slug: string, version: number): Region | undefined {
    const state = at(this.#regions.get(slug) ?? [], version);
    return state === undefined ? undefined : { slug, name: state.name, parent: state.parent };
  }

  /** 'port', 'region' or undefined, as of `version`. */
  kindOf(location: string, version: number): 'port' | 'region' | undefined {
    const ports = this.#ports.get(location);
    if (ports !== undefined && at(ports, version) !== undefined) return 'port';
    const regions = this.#regions.get(location);
    if (regions !== undefined && at(regions, version) !== undefined) return 'region';
    return undefined;
  }
}

/**
 * For each port, the chain of nodes whose rollups include it: the port itself, then its region and
 * every ancestor up to the root.
 */
export function ancestorChains(view: CatalogView): Map<string, string[]> {
  const regionChains = new Map<string, string[]>();
  const chainOf = (slug: string): string[] => {
    let chain = regionChains.get(slug);
    if (chain === undefined) {
      const parent = view.regions.get(slug)?.parent ?? null;
      chain = parent === null ? [slug] : [slug, ...chainOf(parent)];
      regionChains.set(slug, chain);
    }
    return chain;
  };
  const chains = new Map<string, string[]>();
  for (const port of view.ports.values()) chains.set(port.code, [port.code, ...chainOf(port.region)]);
  return chains;
}

/** Each region's direct ports and sub-regions, sorted; regions with neither are absent. */
export function childIndex(view: CatalogView): Map<string, RegionChildren> {
  const index = new Map<string, RegionChildren>();
  const of = (slug: string): RegionChildren => {
    let children = index.get(slug);
    if (children === undefined) index.set(slug, (children = { ports: [], regions: [] }));
    return children;
  };
  for (const port of sorted(view.ports.values(), (p) => p.code)) of(port.region).ports.push(port.code);
  for (const region of sorted(view.regions.values(), (r) => r.slug)) if (region.parent !== null) of(region.parent).regions.push(region.slug);
  return index;
}

export function buildTree(view: CatalogView): RegionNode[] {
  const nodes = new Map<string, RegionNode>();
  for (const region of sorted(view.regions.values(), (r) => r.slug)) nodes.set(region.slug, { ...region, ports: [], regions: [] });
  const roots: RegionNode[] = [];
  for (const node of nodes.values()) {
    if (node.parent === null) roots.push(node);
    else nodes.get(node.parent)!.regions.push(node);
  }
  for (const port of sorted(view.ports.values(), (p) => p.code)) nodes.get(port.region)!.ports.push({ ...port });
  return roots;
}

export function sorted<T>(items: Iterable<T>, key: (item: T) => string): T[] {
  return [...items].sort((x, y) => (key(x) < key(y) ? -1 : key(x) > key(y) ? 1 : 0));
}

function push<T>(map: Map<string, T[]>, key: string, state: T): void {
  const history = map.get(key);
  if (history === undefined) map.set(key, [state]);
  else history.push(state);
}

function at<T extends { version: number }>(history: T[], version: number): T | undefined {
  for (let i = history.length - 1; i >= 0; i--) if (history[i]!.version <= version) return history[i];
  return undefined;
}
