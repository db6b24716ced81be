import type { RatestoreClient } from './vendor/client/index.js';

/** A place to pick as origin or destination: a port (by code) or a region (by slug). */
export interface Location {
  id: string;
  name: string;
  kind: 'port' | 'region';
  /** The region a port is in, or a region's parent. */
  within: string | null;
}

/** Every port and region, from GET /v1/ports and GET /v1/regions, by code or slug. */
export async function loadLocations(client: RatestoreClient): Promise<Map<string, Location>> {
  const [ports, regions] = await Promise.all([client.ports(), client.regions()]);
  const locations = new Map<string, Location>();
  for (const region of regions) locations.set(region.slug, { id: region.slug, name: region.name, kind: 'region', within: region.parent });
  for (const port of ports) locations.set(port.code, { id: port.code, name: port.name, kind: 'port', within: port.region });
  return locations;
}

/**
 * Fills the `<datalist>` both location fields use: the browser's own search then matches what is
 * typed against codes, slugs and names alike.
 */
export function fillDatalist(list: HTMLDataListElement, locations: Map<string, Location>): void {
  const options = [...locations.values()].map((location) => {
    const option = document.createElement('option');
    option.value = location.id;
    option.label = `${location.name} · ${location.kind}${location.within === null ? '' : ` in ${location.within}`}`;
    return option;
  });
  list.replaceChildren(...options);
}

/** `Shanghai (CNSGH)` when the location is known, else the id as typed. */
export function describe(id: string, locations: Map<string, Location>): string {
  const location = locations.get(id);
  return location === undefined ? id : `${location.name} (${id})`;
}
