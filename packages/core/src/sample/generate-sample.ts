/**
 * A deterministic generator of realistic sample data: a region tree (world areas > trade regions >
 * countries > coastal zones), ports with UN/LOCODE-like codes, and a stream of prices whose route
 * popularity follows a Zipf-like law, so that a few routes carry most of the prices, with several
 * prices per popular route and day. Everything follows from the seed; prices are streamed, never
 * held as a list, so millions of them cost no memory.
 */
import type { BatchItem, PortItem, PriceItem, RegionItem } from '../types.js';
import { formatDay, parseDay } from '../validate/dates.js';

export interface SampleOptions {
  /** Seed of the pseudo-random generator; the same options always give the same items. Default 1. */
  seed?: number;
  /** Exact number of prices. Default 50,000. */
  prices?: number;
  /** Number of ports, at least 2. Default 200. */
  ports?: number;
  /** First day of the prices, `YYYY-MM-DD`. Default `2016-01-01`. */
  dateFrom?: string;
  /** Number of days the prices are spread over (evenly). Default 31. */
  days?: number;
  /** Levels of the region tree, 1 to 4; ports sit in the deepest level that exists for their country. Default 4. */
  depth?: number;
}

/** A route of the sample, with its share of the prices. */
export interface SampleRoute {
  origin: string;
  destination: string;
  /** Share of all prices, between 0 and 1; routes are listed most popular first. */
  weight: number;
}

// ---------------------------------------------------------------------------------------------
// Static geography. Weights are rough shares of container traffic; coasts become level-4 regions.

interface CountrySpec {
  code: string;
  slug: string;
  name: string;
  weight: number;
  coasts?: string[];
}

interface TradeRegionSpec {
  slug: string;
  name: string;
  countries: CountrySpec[];
}

interface AreaSpec {
  slug: string;
  name: string;
  regions: TradeRegionSpec[];
}

const c = (code: string, slug: string, name: string, weight: number, coasts?: string[]): CountrySpec =>
  coasts === undefined ? { code, slug, name, weight } : { code, slug, name, weight, coasts };

const WORLD: AreaSpec[] = [
  {
    slug: 'asia', name: 'Asia', regions: [
      { slug: 'far_east', name: 'Far East', countries: [
        c('CN', 'china', 'China', 30, ['north', 'east', 'south']),
        c('JP', 'japan', 'Japan', 6, ['east', 'west']),
        c('KR', 'south_korea', 'South Korea', 6, ['south', 'west']),
        c('TW', 'taiwan', 'Taiwan', 3),
        c('HK', 'hong_kong', 'Hong Kong', 4)
      ] },
      { slug: 'southeast_asia', name: 'Southeast Asia', countries: [
        c('SG', 'singapore', 'Singapore', 6),
        c('MY', 'malaysia', 'Malaysia', 5, ['west', 'east']),
        c('VN', 'vietnam', 'Vietnam', 4, ['north', 'south']),
        c('TH', 'thailand', 'Thailand', 3),
        c('ID', 'indonesia', 'Indonesia', 4, ['java', 'sumatra']),
        c('PH', 'philippines', 'Philippines', 2)
      ] },
      { slug: 'indian_subcontinent', name: 'Indian Subcontinent', countries: [
        c('IN', 'india', 'India', 6, ['west', 'east']),
        c('LK', 'sri_lanka', 'Sri Lanka', 2),
        c('PK', 'pakistan', 'Pakistan', 1),
        c('BD', 'bangladesh', 'Bangladesh', 1)
      ] }
    ]
  },
  {
    slug: 'europe', name: 'Europe', regions: [
      { slug: 'north_europe', name: 'North Europe', countries: [
        c('NL', 'netherlands', 'Netherlands', 6),
        c('DE', 'germany', 'Germany', 6, ['north_sea', 'baltic']),
        c('BE', 'belgium', 'Belgium', 4),
        c('GB', 'united_kingdom', 'United Kingdom', 5, ['east', 'south', 'west']),
        c('FR', 'france', 'France', 3, ['atlantic', 'channel']),
        c('PL', 'poland', 'Poland', 2)
      ] },
      { slug: 'nordic_baltic', name: 'Nordic and Baltic', countries: [
        c('NO', 'norway', 'Norway', 2, ['south', 'west', 'north']),
        c('SE', 'sweden', 'Sweden', 2, ['west', 'east']),
        c('FI', 'finland', 'Finland', 2, ['south', 'west']),
        c('DK', 'denmark', 'Denmark', 2),
        c('EE', 'estonia', 'Estonia', 1),
        c('LT', 'lithuania', 'Lithuania', 1)
      ] },
      { slug: 'mediterranean', name: 'Mediterranean', countries: [
        c('ES', 'spain', 'Spain', 4, ['mediterranean', 'atlantic']),
        c('IT', 'italy', 'Italy', 3, ['tyrrhenian', 'adriatic']),
        c('GR', 'greece', 'Greece', 2),
        c('TR', 'turkey', 'Turkey', 3, ['marmara', 'aegean']),
        c('PT', 'portugal', 'Portugal', 1)
      ] }
    ]
  },
  {
    slug: 'americas', name: 'Americas', regions: [
      { slug: 'north_america', name: 'North America', countries: [
        c('US', 'united_states', 'United States', 12, ['east_coast', 'west_coast', 'gulf']),
        c('CA', 'canada', 'Canada', 3, ['east', 'west']),
        c('MX', 'mexico', 'Mexico', 2, ['pacific', 'gulf'])
      ] },
      { slug: 'latin_america', name: 'Latin America', countries: [
        c('BR', 'brazil', 'Brazil', 4, ['north', 'south']),
        c('AR', 'argentina', 'Argentina', 1),
        c('CL', 'chile', 'Chile', 2),
        c('PE', 'peru', 'Peru', 1),
        c('CO', 'colombia', 'Colombia', 1, ['caribbean', 'pacific']),
        c('PA', 'panama', 'Panama', 2)
      ] }
    ]
  },
  {
    slug: 'middle_east_africa', name: 'Middle East and Africa', regions: [
      { slug: 'middle_east', name: 'Middle East', countries: [
        c('AE', 'united_arab_emirates', 'United Arab Emirates', 5),
        c('SA', 'saudi_arabia', 'Saudi Arabia', 3, ['red_sea', 'gulf']),
        c('OM', 'oman', 'Oman', 1),
        c('QA', 'qatar', 'Qatar', 1)
      ] },
      { slug: 'africa', name: 'Africa', countries: [
        c('ZA', 'south_africa', 'South Africa', 2),
        c('NG', 'nigeria', 'Nigeria', 1),
        c('KE', 'kenya', 'Kenya', 1),
        c('EG', 'egypt', 'Egypt', 2),
        c('MA', 'morocco', 'Morocco', 2)
      ] }
    ]
  },
  {
    slug: 'oceania', name: 'Oceania', regions: [
      { slug: 'australasia', name: 'Australasia', countries: [
        c('AU', 'australia', 'Australia', 3, ['east', 'west']),
        c('NZ', 'new_zealand', 'New Zealand', 1)
      ] }
    ]
  }
];

const SYLLABLES = [
  'ka', 'lo', 'ra', 'vik', 'sund', 'ham', 'berg', 'na', 'po', 'ri', 'ta', 'mar', 'sen', 'dal', 'ko', 'shan', 'hai',
  'tian', 'jin', 'lin', 'bu', 'sa', 'to', 'ma', 'ni', 'la', 'ven', 'dor', 'gar', 'ro', 'te', 'mo', 'lu', 'an', 'el',
  'hav', 'fjor', 'os', 'kal', 'mer', 'port', 'sol', 'var', 'ze', 'qui', 'bar', 'can', 'del', 'ho', 'yo'
];

// ---------------------------------------------------------------------------------------------
// Random numbers

/** mulberry32: a small, fast 32-bit PRNG; returns floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed | 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Mixes two integers into a seed (murmur3 finaliser). */
function mix(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(b + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}

// ---------------------------------------------------------------------------------------------
// Options

interface Resolved {
  seed: number;
  prices: number;
  ports: number;
  /** Days since 1970-01-01. */
  firstDay: number;
  days: number;
  depth: number;
}

/** Days from 1900-01-01 (the engine's day 0) to 1970-01-01: the sample's random streams count from 1970. */
const DAYS_1900_TO_1970 = 25_567;
const MAX_PORTS = 50_000;

function resolve(options: SampleOptions = {}): Resolved {
  const int = (value: number | undefined, fallback: number, name: string, min: number, max: number): number => {
    const v = value ?? fallback;
    if (!Number.isSafeInteger(v) || v < min || v > max) throw new RangeError(`sample option ${name} must be an integer from ${min} to ${max}, got ${String(v)}`);
    return v;
  };
  const dateFrom = options.dateFrom ?? '2016-01-01';
  const day = parseDay(dateFrom);
  if (day === undefined) throw new RangeError(`sample option dateFrom must be a date YYYY-MM-DD from 1900 to 2999, got ${String(dateFrom)}`);
  return {
    seed: int(options.seed, 1, 'seed', -0x8000_0000, 0xffff_ffff) | 0,
    prices: int(options.prices, 50_000, 'prices', 0, Number.MAX_SAFE_INTEGER),
    ports: int(options.ports, 200, 'ports', 2, MAX_PORTS),
    firstDay: day - DAYS_1900_TO_1970,
    days: int(options.days, 31, 'days', 1, 36_500),
    depth: int(options.depth, 4, 'depth', 1, 4)
  };
}

// ---------------------------------------------------------------------------------------------
// The world: regions, ports, routes

interface SamplePort {
  code: string;
  name: string;
  /** Slug of the region the port is in. */
  region: string;
  /** Index into WORLD: area, then trade region. */
  area: number;
  tradeRegion: string;
  weight: number;
}

interface World {
  regions: RegionItem[];
  ports: SamplePort[];
  /** Route endpoints as indices into `ports`, most popular first. */
  origins: Uint32Array;
  destinations: Uint32Array;
  /** Cumulative Zipf weights of the routes, ending at 1. */
  cdf: Float64Array;
  /** Price level of each route, USD. */
  base: Float64Array;
  /** Phase of the route's seasonal cycle, radians. */
  phase: Float64Array;
}

/** Zipf exponent of route popularity: with ~5,000 routes the top 1% carry about half of the prices. */
const ZIPF_EXPONENT = 1.05;
/** Routes per port: real networks serve a small fraction of all port pairs. */
const ROUTES_PER_PORT = 25;

const worlds = new Map<string, World>();

function world(options: Resolved): World {
  const key = `${options.seed}/${options.ports}/${options.depth}`;
  let built = worlds.get(key);
  if (built === undefined) {
    built = buildWorld(options);
    if (worlds.size >= 8) worlds.clear();
    worlds.set(key, built);
  }
  return built;
}

function buildWorld({ seed, ports: portCount, depth }: Resolved): World {
  const random = mulberry32(mix(seed, 0x5eed));
  const countries = WORLD.flatMap((area, a) => area.regions.flatMap((region) => region.countries.map((country) => ({ country, area: a, region }))));

  // Regions, top down; a country's coasts exist only at depth 4.
  const regions: RegionItem[] = [];
  for (const area of WORLD) regions.push({ type: 'region', slug: area.slug, name: area.name });
  if (depth >= 2) for (const area of WORLD) for (const region of area.regions) regions.push({ type: 'region', slug: region.slug, name: region.name, parent: area.slug });
  if (depth >= 3) for (const { country, region } of countries) regions.push({ type: 'region', slug: country.slug, name: country.name, parent: region.slug });
  if (depth >= 4) {
    for (const { country } of countries) {
      for (const coast of country.coasts ?? []) regions.push({ type: 'region', slug: `${country.slug}_${coast}`, name: `${country.name} ${titleCase(coast)}`, parent: country.slug });
    }
  }

  // Ports per country by weight (largest remainder), at least one each while there are enough.
  const totalWeight = countries.reduce((sum, { country }) => sum + country.weight, 0);
  const perCountry = countries.map(() => 0);
  let left = portCount;
  if (portCount >= countries.length) {
    perCountry.fill(1);
    left -= countries.length;
  }
  const shares = countries.map(({ country }, i) => ({ i, exact: (left * country.weight) / totalWeight }));
  for (const share of shares) perCountry[share.i]! += Math.floor(share.exact);
  left -= shares.reduce((sum, share) => sum + Math.floor(share.exact), 0);
  shares.sort((x, y) => (y.exact % 1) - (x.exact % 1) || x.i - y.i);
  for (let k = 0; left > 0; k = (k + 1) % shares.length, left--) perCountry[shares[k]!.i]! += 1;

  const codes = new Set<string>();
  const names = new Set<string>();
  const ports: SamplePort[] = [];
  countries.forEach(({ country, area, region }, i) => {
    const count = perCountry[i]!;
    for (let n = 0; n < count; n++) {
      const name = uniqueName(random, names);
      const code = uniqueCode(random, codes, country.code, name);
      const coasts = depth >= 4 ? country.coasts : undefined;
      const where = depth >= 4 && coasts !== undefined ? `${country.slug}_${coasts[n % coasts.length]!}`
        : depth >= 3 ? country.slug
        : depth >= 2 ? region.slug
        : WORLD[area]!.slug;
      // The first ports of a country are its hubs.
      ports.push({ code, name, region: where, area, tradeRegion: region.slug, weight: country.weight / (n + 1) ** 0.9 });
    }
  });

  // Routes: the port pairs with the highest (hub x hub x noise) scores, ranked, Zipf weights by rank.
  const wanted = Math.min(portCount * (portCount - 1), ROUTES_PER_PORT * portCount);
  const candidates = new Map<number, number>();
  // Deep-sea lanes between hubs rank first; domestic and intra-region lanes rank lower.
  const score = (o: number, d: number): number => {
    const from = ports[o]!;
    const to = ports[d]!;
    const lane = from.code.slice(0, 2) === to.code.slice(0, 2) ? 0.1 : from.tradeRegion === to.tradeRegion ? 0.4 : 1;
    return from.weight * to.weight * lane * Math.exp(1.5 * (random() + random() + random() - 1.5));
  };
  if (portCount * (portCount - 1) <= 250_000) {
    for (let o = 0; o < portCount; o++) for (let d = 0; d < portCount; d++) if (o !== d) candidates.set(o * portCount + d, score(o, d));
  } else {
    const portCdf = cumulative(ports.map((port) => port.weight));
    for (let tries = 0; candidates.size < 4 * wanted && tries < 40 * wanted; tries++) {
      const o = pick(portCdf, random());
      const d = pick(portCdf, random());
      if (o !== d && !candidates.has(o * portCount + d)) candidates.set(o * portCount + d, score(o, d));
    }
  }
  const ranked = [...candidates].sort((x, y) => y[1] - x[1] || x[0] - y[0]).slice(0, wanted);
  const routes = ranked.length;
  const origins = new Uint32Array(routes);
  const destinations = new Uint32Array(routes);
  const base = new Float64Array(routes);
  const phase = new Float64Array(routes);
  const weights: number[] = [];
  ranked.forEach(([pair], r) => {
    const o = Math.floor(pair / portCount);
    const d = pair % portCount;
    origins[r] = o;
    destinations[r] = d;
    weights.push(1 / (r + 1) ** ZIPF_EXPONENT);
    const from = ports[o]!;
    const to = ports[d]!;
    // Short-sea lanes are cheap, deep-sea lanes dear; backhaul (towards Asia) cheaper than headhaul.
    const [low, high] = from.tradeRegion === to.tradeRegion ? [220, 900] : from.area === to.area ? [450, 1800] : [1100, 4600];
    const backhaul = to.area === 0 && from.area !== 0 ? 0.55 : 1;
    base[r] = (low + (high - low) * random()) * backhaul;
    phase[r] = 2 * Math.PI * random();
  });
  return { regions, ports, origins, destinations, cdf: cumulative(weights), base, phase };
}

function cumulative(weights: number[]): Float64Array {
  const cdf = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => (cdf[i] = sum += w));
  for (let i = 0; i < cdf.length; i++) cdf[i]! /= sum;
  cdf[cdf.length - 1] = 1;
  return cdf;
}

/** The first index whose cumulative weight exceeds `u`. */
function pick(cdf: Float64Array, u: number): number {
  let lo = 0;
  let hi = cdf.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cdf[mid]! > u) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

function uniqueName(random: () => number, taken: Set<string>): string {
  for (;;) {
    const parts = 2 + (random() < 0.35 ? 1 : 0);
    let name = '';
    for (let i = 0; i < parts; i++) name += SYLLABLES[Math.floor(random() * SYLLABLES.length)]!;
    name = name[0]!.toUpperCase() + name.slice(1);
    if (!taken.has(name)) {
      taken.add(name);
      return name;
    }
  }
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** Like a UN/LOCODE: country prefix plus three letters from the name (first letter, then consonants), else random. */
function uniqueCode(random: () => number, taken: Set<string>, country: string, name: string): string {
  const upper = name.toUpperCase();
  const consonants = upper.slice(1).replace(/[AEIOU]/g, '');
  const tries = [upper[0]! + consonants.slice(0, 2), upper[0]! + consonants.slice(0, 1) + consonants.slice(-1), upper.slice(0, 3)];
  for (const suffix of tries) {
    const code = country + suffix;
    if (/^[A-Z]{5}$/.test(code) && !taken.has(code)) {
      taken.add(code);
      return code;
    }
  }
  if (taken.size >= LETTERS.length ** 3 * 60) throw new RangeError('too many ports');
  for (;;) {
    let code = country;
    for (let i = 0; i < 3; i++) code += LETTERS[Math.floor(random() * 26)]!;
    if (!taken.has(code)) {
      taken.add(code);
      return code;
    }
  }
}

function titleCase(slug: string): string {
  return slug.split('_').map((word) => word[0]!.toUpperCase() + word.slice(1)).join(' ');
}

// ---------------------------------------------------------------------------------------------
// Public API

/** The regions (parents before children) and then the ports of the sample. */
export function sampleCatalog(options?: SampleOptions): Array<RegionItem | PortItem> {
  const { regions, ports } = world(resolve(options));
  return [
    ...regions.map((region) => ({ ...region })),
    ...ports.map((port): PortItem => ({ type: 'port', code: port.code, name: port.name, region: port.region }))
  ];
}

/** The sample's routes, most popular first, with their share of the prices. */
export function sampleRoutes(options?: SampleOptions): SampleRoute[] {
  const { ports, origins, destinations, cdf } = world(resolve(options));
  return Array.from(origins, (o, r) => ({
    origin: ports[o]!.code,
    destination: ports[destinations[r]!]!.code,
    weight: cdf[r]! - (r === 0 ? 0 : cdf[r - 1]!)
  }));
}

/**
 * Streams the sample's prices, day by day, evenly spread over the days. Each day draws quotes:
 * a route by popularity, then 1 to 5 prices for it (3 on average) around the route's price level,
 * which drifts with a yearly cycle. Each day has its own random stream, seeded by the seed and the
 * date, so a day's prices do not depend on the days before it.
 */
export function* samplePrices(options?: SampleOptions): Generator<PriceItem> {
  const resolved = resolve(options);
  const { ports, origins, destinations, cdf, base, phase } = world(resolved);
  const codes = ports.map((port) => port.code);
  const { prices, days, firstDay, seed } = resolved;
  for (let d = 0; d < days; d++) {
    const epochDay = firstDay + d;
    const day = formatDay(epochDay + DAYS_1900_TO_1970);
    const season = (2 * Math.PI * epochDay) / 365.25;
    let left = Math.floor((prices * (d + 1)) / days) - Math.floor((prices * d) / days);
    const random = mulberry32(mix(seed, epochDay));
    while (left > 0) {
      const r = pick(cdf, random());
      const origin = codes[origins[r]!]!;
      const destination = codes[destinations[r]!]!;
      const level = base[r]! * (1 + 0.12 * Math.sin(season + phase[r]!));
      let quotes = 1 + (random() < 0.5 ? 1 : 0) + (random() < 0.5 ? 1 : 0) + (random() < 0.5 ? 1 : 0) + (random() < 0.5 ? 1 : 0);
      for (; quotes > 0 && left > 0; quotes--, left--) {
        const noise = 1 + 0.08 * (random() + random() + random() - 1.5);
        let price = Math.min(6000, Math.max(200, level * noise));
        // Most quotes are whole dollars, some carry cents.
        price = random() < 0.7 ? Math.round(price) : Math.round(price * 100) / 100;
        yield { origin, destination, day, price };
      }
    }
  }
}

/** The whole sample as one batch: the catalog, then the prices. */
export function* generateSample(options?: SampleOptions): Generator<BatchItem> {
  yield* sampleCatalog(options);
  yield* samplePrices(options);
}
