import { describe, expect, it } from 'vitest';
import { Ratestore, generateSample, sampleCatalog, samplePrices, sampleRoutes } from '../src/index.js';
import type { PortItem, RegionItem } from '../src/index.js';
import { backends } from './backends.js';

function regionDepths(catalog: Array<RegionItem | PortItem>): Map<string, number> {
  const depths = new Map<string, number>();
  for (const item of catalog) {
    if (item.type !== 'region') continue;
    const parent = item.parent ?? null;
    // Regions come parents first, so a parent's depth is always known.
    depths.set(item.slug, parent === null ? 1 : depths.get(parent)! + 1);
  }
  return depths;
}

describe('sample generator', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = [...generateSample({ seed: 7, prices: 2_000 })];
    const b = [...generateSample({ seed: 7, prices: 2_000 })];
    const c = [...generateSample({ seed: 8, prices: 2_000 })];
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
  });

  it('gives the same prices as earlier releases, so benchmark figures stay comparable', () => {
    // Pinned from the generator as it was when the benchmarks in docs/benchmarks.md were first run.
    const prices = [...samplePrices({ seed: 1, prices: 20, dateFrom: '2016-01-01', days: 2 })];
    expect([prices[0], prices[19]]).toEqual([
      { origin: 'USDLD', destination: 'CNDLD', day: '2016-01-01', price: 1606 },
      { origin: 'EGLNR', destination: 'INHGR', day: '2016-01-02', price: 1641.7 }
    ]);
  });

  it('produces the requested counts, catalog first (regions, then ports)', () => {
    const items = [...generateSample({ prices: 1_234, ports: 60, days: 10 })];
    const kinds = items.map((item) => item.type ?? 'price');
    const firstPort = kinds.indexOf('port');
    const firstPrice = kinds.indexOf('price');
    expect(kinds.slice(0, firstPort).every((kind) => kind === 'region')).toBe(true);
    expect(kinds.slice(firstPort, firstPrice).every((kind) => kind === 'port')).toBe(true);
    expect(kinds.slice(firstPrice).every((kind) => kind === 'price')).toBe(true);
    expect(firstPrice - firstPort).toBe(60);
    expect(items.length - firstPrice).toBe(1_234);
    expect([...samplePrices({ prices: 0 })]).toEqual([]);
  });

  it('makes valid, unique, realistic items', () => {
    const catalog = sampleCatalog({ ports: 500 });
    const ports = catalog.filter((item): item is PortItem => item.type === 'port');
    const regions = catalog.filter((item): item is RegionItem => item.type === 'region');
    const codes = new Set(ports.map((port) => port.code));
    expect(codes.size).toBe(500);
    for (const port of ports) expect(port.code).toMatch(/^[A-Z]{5}$/);
    expect(ports.some((port) => port.code.startsWith('CN'))).toBe(true);
    expect(ports.some((port) => port.code.startsWith('NL'))).toBe(true);
    const slugs = new Set(regions.map((region) => region.slug));
    expect(slugs.size).toBe(regions.length);
    for (const region of regions) expect(region.slug).toMatch(/^[a-z0-9_]{1,64}$/);
    for (const port of ports) expect(slugs.has(port.region)).toBe(true);

    const days = new Set<string>();
    for (const price of samplePrices({ ports: 500, prices: 20_000, dateFrom: '2016-02-20', days: 14 })) {
      expect(codes.has(price.origin) && codes.has(price.destination)).toBe(true);
      expect(price.origin).not.toBe(price.destination);
      expect(price.price).toBeGreaterThanOrEqual(200);
      expect(price.price).toBeLessThanOrEqual(6000);
      expect(Math.abs(Math.round(price.price * 100) - price.price * 100)).toBeLessThan(1e-6);
      days.add(price.day);
    }
    expect([...days].sort()).toEqual(Array.from({ length: 14 }, (_, i) => new Date(Date.UTC(2016, 1, 20 + i)).toISOString().slice(0, 10)));
  });

  it('builds a region tree of the requested depth', () => {
    for (const depth of [1, 2, 3, 4]) {
      const catalog = sampleCatalog({ depth, ports: 100 });
      const depths = regionDepths(catalog);
      expect(Math.max(...depths.values())).toBe(depth);
      // Ports sit in existing regions; at depth 4 some ports are four levels down.
      const portDepths = catalog.filter((item): item is PortItem => item.type === 'port').map((port) => depths.get(port.region)!);
      expect(Math.max(...portDepths)).toBe(depth);
    }
    expect(() => sampleCatalog({ depth: 5 })).toThrow(RangeError);
  });

  it('skews route popularity: a few routes carry most prices, ~3 prices per popular route-day', () => {
    const routes = sampleRoutes();
    const top = routes.slice(0, Math.ceil(routes.length / 100)).reduce((sum, route) => sum + route.weight, 0);
    expect(top).toBeGreaterThan(0.4);
    const perRoute = new Map<string, number>();
    const perRouteDay = new Map<string, number>();
    for (const price of samplePrices()) {
      const route = `${price.origin}>${price.destination}`;
      perRoute.set(route, (perRoute.get(route) ?? 0) + 1);
      perRouteDay.set(`${route}@${price.day}`, (perRouteDay.get(`${route}@${price.day}`) ?? 0) + 1);
    }
    const counts = [...perRoute.values()].sort((a, b) => b - a);
    const top10 = counts.slice(0, 10).reduce((sum, n) => sum + n, 0);
    expect(top10 / 50_000).toBeGreaterThan(0.3);
    const routeDays = [...perRouteDay.values()].sort((a, b) => a - b);
    expect(routeDays[routeDays.length >> 1]).toBeGreaterThanOrEqual(2);
  });

  it('streams millions of prices quickly', () => {
    const started = performance.now();
    let count = 0;
    for (const price of samplePrices({ prices: 1_000_000 })) if (price.price > 0) count++;
    expect(count).toBe(1_000_000);
    // >1M/s target, with slack for a busy machine.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

for (const makeBackend of backends) {
  const backend = makeBackend();
  describe(`sample generator on ${backend.name}`, () => {
    it('writes a batch the store accepts and reads it back', async () => {
      const store = new Ratestore({ db: backend.create() });
      await store.open();
      try {
        const options = { prices: 5_000, ports: 80, seed: 3 };
        const result = await store.write(generateSample(options));
        expect(result.counts.prices).toBe(5_000);
        expect(result.counts.ports).toBe(80);
        const tree = await store.tree();
        expect(tree.length).toBeGreaterThan(0);
        const [route] = sampleRoutes(options);
        let expected = 0;
        for (const price of samplePrices(options)) if (price.origin === route!.origin && price.destination === route!.destination) expected++;
        const { rows } = await store.rates({ dateFrom: '2016-01-01', dateTo: '2016-01-31', origin: route!.origin, destination: route!.destination });
        expect(rows.reduce((sum, row) => sum + row.count, 0)).toBe(expected);
        const world = await store.rates({ dateFrom: '2016-01-01', dateTo: '2016-01-31', origin: 'asia', destination: 'europe' });
        expect(world.rows.reduce((sum, row) => sum + row.count, 0)).toBeGreaterThan(0);
      } finally {
        await store.close();
        backend.cleanup();
      }
    });
  });
}
