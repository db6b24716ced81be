import type { ItemIssue } from '../errors.js';
import { parseDay } from './dates.js';
import { packCode } from '../encoding/price-codec.js';
import { MAX_PRICE, priceCents } from './price.js';

export const PORT_CODE = /^[A-Z]{5}$/;
export const REGION_SLUG = /^[a-z0-9_]{1,64}$/;
const MAX_NAME_LENGTH = 200;

export interface NormalPrice {
  kind: 'price';
  /** Port codes packed (see price-codec). */
  origin: number;
  destination: number;
  day: number;
  cents: number;
}

export interface NormalPort {
  kind: 'port';
  index: number;
  code: string;
  name: string;
  region: string;
}

export interface NormalRegion {
  kind: 'region';
  index: number;
  slug: string;
  name: string;
  parent: string | null;
}

export type NormalRef = NormalPort | NormalRegion;
export type NormalItem = NormalPrice | NormalPort | NormalRegion;

type Issue = Omit<ItemIssue, 'index' | 'chunk'>;

/**
 * Checks the shape and formats of one item; references between items (a price's ports, a port's
 * region) are checked at commit, when the whole batch is known.
 */
export function normalizeItem(item: unknown, index: number): NormalItem | Issue {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    return { field: '', code: 'RATESTORE_INVALID_ITEM', reason: 'an item must be an object' };
  }
  const record = item as Record<string, unknown>;
  const type = record.type ?? 'price';
  if (type === 'price') return normalizePrice(record);
  if (type === 'port') return normalizePort(record, index);
  if (type === 'region') return normalizeRegion(record, index);
  return { field: 'type', code: 'RATESTORE_INVALID_FIELD', reason: `type must be "price", "port" or "region", got ${describe(type)}` };
}

export function isIssue(value: NormalItem | Issue): value is Issue {
  return !('kind' in value);
}

function normalizePrice(record: Record<string, unknown>): NormalPrice | Issue {
  const origin = packCode(record.origin);
  if (origin < 0) return badPortCode('origin', record.origin);
  const destination = packCode(record.destination);
  if (destination < 0) return badPortCode('destination', record.destination);
  const day = parseDay(record.day);
  if (day === undefined) {
    return { field: 'day', code: 'RATESTORE_INVALID_DATE', reason: `day must be a calendar date YYYY-MM-DD between 1900 and 2999, got ${describe(record.day)}` };
  }
  const cents = priceCents(record.price);
  if (cents === undefined) {
    return { field: 'price', code: 'RATESTORE_INVALID_PRICE', reason: `price must be USD from 0.01 to ${MAX_PRICE} with at most 2 decimals, got ${describe(record.price)}` };
  }
  return { kind: 'price', origin, destination, day, cents };
}

function badPortCode(field: 'origin' | 'destination', value: unknown): Issue {
  return { field, code: 'RATESTORE_INVALID_FIELD', reason: `${field} must be a port code of 5 letters A-Z, got ${describe(value)}` };
}

function normalizePort(record: Record<string, unknown>, index: number): NormalPort | Issue {
  if (typeof record.code !== 'string' || !PORT_CODE.test(record.code)) {
    return { field: 'code', code: 'RATESTORE_INVALID_FIELD', reason: `code must be 5 letters A-Z, got ${describe(record.code)}` };
  }
  const name = checkName(record.name);
  if (typeof name !== 'string') return name;
  if (typeof record.region !== 'string' || !REGION_SLUG.test(record.region)) {
    return { field: 'region', code: 'RATESTORE_INVALID_FIELD', reason: `region must be a region slug [a-z0-9_], got ${describe(record.region)}` };
  }
  return { kind: 'port', index, code: record.code, name, region: record.region };
}

function normalizeRegion(record: Record<string, unknown>, index: number): NormalRegion | Issue {
  if (typeof record.slug !== 'string' || !REGION_SLUG.test(record.slug)) {
    return { field: 'slug', code: 'RATESTORE_INVALID_FIELD', reason: `slug must match [a-z0-9_]{1,64}, got ${describe(record.slug)}` };
  }
  const name = checkName(record.name);
  if (typeof name !== 'string') return name;
  const parent = record.parent ?? null;
  if (parent !== null && (typeof parent !== 'string' || !REGION_SLUG.test(parent))) {
    return { field: 'parent', code: 'RATESTORE_INVALID_FIELD', reason: `parent must be a region slug or null, got ${describe(parent)}` };
  }
  if (parent === record.slug) {
    return { field: 'parent', code: 'RATESTORE_REGION_CYCLE', reason: `region ${record.slug} cannot be its own parent` };
  }
  return { kind: 'region', index, slug: record.slug, name, parent };
}

function checkName(name: unknown): string | Issue {
  if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NAME_LENGTH) {
    return { field: 'name', code: 'RATESTORE_INVALID_FIELD', reason: `name must be a non-empty string of at most ${MAX_NAME_LENGTH} characters` };
  }
  return name;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? text.slice(0, 37) + '...' : text;
}
