import type { ItemIssue } from '../errors.js';
import { parseDay } from './dates.js';
import { packCode } from '../encoding/price-codec.js';
import { MAX_PRICE, priceCents } from './price.js';

export const PORT_CODE = /^[A-Z]{5}$/;
export const REGION_SLUG = /^[a-z0-9_]{1,64}$/;
const MAX_NAME_LENGTH = 200;
const PORT_MEMBERS = ['type', 'code', 'name', 'region'];
const REGION_MEMBERS = ['type', 'slug', 'name', 'parent'];
/**
 * Characters a name may not hold: C0 and C1 controls and DEL (they break terminals, logs and
 * CSV lines), line and paragraph separators, the bidirectional marks, embeddings, overrides and
 * isolates (they make a name display as another: "Trojan Source"), and unpaired surrogates (no
 * UTF-8 for them: LevelDB would store U+FFFD and the name would read back changed).
 */
const NAME_FORBIDDEN = /[\u0000-\u001F\u007F-\u009F\u061C\u200E\u200F\u2028-\u202E\u2066-\u2069\uD800-\uDFFF]/u;

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

/** One problem of an item; an item may have several. */
export type Issue = Omit<ItemIssue, 'index' | 'chunk'>;

/**
 * Checks the shape and formats of one item and returns it normalised, or every problem it has
 * (each field is checked on its own, so a price with a bad day and a bad price reports both).
 * References between items (a price's ports, a port's region) are checked at commit, when the
 * whole batch is known.
 */
export function normalizeItem(item: unknown, index: number): NormalItem | Issue[] {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    return [{ field: '', code: 'RATESTORE_INVALID_ITEM', reason: 'an item must be an object' }];
  }
  const record = item as Record<string, unknown>;
  const type = record.type ?? 'price';
  if (type === 'price') return normalizePrice(record);
  if (type === 'port') return normalizePort(record, index);
  if (type === 'region') return normalizeRegion(record, index);
  // Which fields an item must have depends on its type: nothing more can be said.
  return [{ field: 'type', code: 'RATESTORE_INVALID_FIELD', reason: `type must be "price", "port" or "region", got ${describe(type)}` }];
}

function normalizePrice(record: Record<string, unknown>): NormalPrice | Issue[] {
  const origin = packCode(record.origin);
  const destination = packCode(record.destination);
  const day = parseDay(record.day);
  const cents = priceCents(record.price);
  const unknown = unknownPriceMember(record);
  // The hot path of every import: a good price allocates nothing but itself.
  if (origin >= 0 && destination >= 0 && day !== undefined && cents !== undefined && unknown === undefined) return { kind: 'price', origin, destination, day, cents };
  const problems: Issue[] = [];
  if (unknown !== undefined) problems.push(unknownMember(unknown, 'a price has origin, destination, day and price (USD: there is no currency member)'));
  if (origin < 0) problems.push(badPortCode('origin', record.origin));
  if (destination < 0) problems.push(badPortCode('destination', record.destination));
  if (day === undefined) {
    problems.push({ field: 'day', code: 'RATESTORE_INVALID_DATE', reason: `day must be a calendar date YYYY-MM-DD between 1900 and 2999, got ${describe(record.day)}` });
  }
  if (cents === undefined) {
    problems.push({ field: 'price', code: 'RATESTORE_INVALID_PRICE', reason: `price must be USD from 0.01 to ${MAX_PRICE} with at most 2 decimals, got ${describe(record.price)}` });
  }
  return problems;
}

/**
 * The first member of a price item that is none of its own: refused rather than ignored, since a
 * misspelled or unsupported one (`"currency": "EUR"`) would store something else than was meant.
 * A switch over the names: the check runs for every price of an import (about 25 ms per million).
 */
function unknownPriceMember(record: Record<string, unknown>): string | undefined {
  for (const key in record) {
    switch (key) {
      case 'origin': case 'destination': case 'day': case 'price': case 'type': continue;
      default: return key;
    }
  }
  return undefined;
}

/** The first member of a port or region item that is not in `known`. */
function unknownReferenceMember(record: Record<string, unknown>, known: readonly string[]): string | undefined {
  for (const key in record) if (!known.includes(key)) return key;
  return undefined;
}

function unknownMember(key: string, members: string): Issue {
  return { field: key, code: 'RATESTORE_INVALID_FIELD', reason: `unknown member ${JSON.stringify(key)}: ${members}` };
}

function badPortCode(field: 'origin' | 'destination', value: unknown): Issue {
  return { field, code: 'RATESTORE_INVALID_FIELD', reason: `${field} must be a port code of 5 letters A-Z, got ${describe(value)}` };
}

function normalizePort(record: Record<string, unknown>, index: number): NormalPort | Issue[] {
  const problems: Issue[] = [];
  const unknown = unknownReferenceMember(record, PORT_MEMBERS);
  if (unknown !== undefined) problems.push(unknownMember(unknown, 'a port has type, code, name and region'));
  const code = record.code;
  if (typeof code !== 'string' || !PORT_CODE.test(code)) {
    problems.push({ field: 'code', code: 'RATESTORE_INVALID_FIELD', reason: `code must be 5 letters A-Z, got ${describe(code)}` });
  }
  const name = checkName(record.name, problems);
  const region = record.region;
  if (typeof region !== 'string' || !REGION_SLUG.test(region)) {
    problems.push({ field: 'region', code: 'RATESTORE_INVALID_FIELD', reason: `region must be a region slug [a-z0-9_], got ${describe(region)}` });
  }
  if (problems.length > 0) return problems;
  return { kind: 'port', index, code: code as string, name, region: region as string };
}

function normalizeRegion(record: Record<string, unknown>, index: number): NormalRegion | Issue[] {
  const problems: Issue[] = [];
  const unknown = unknownReferenceMember(record, REGION_MEMBERS);
  if (unknown !== undefined) problems.push(unknownMember(unknown, 'a region has type, slug, name and parent'));
  const slug = record.slug;
  if (typeof slug !== 'string' || !REGION_SLUG.test(slug)) {
    problems.push({ field: 'slug', code: 'RATESTORE_INVALID_FIELD', reason: `slug must match [a-z0-9_]{1,64}, got ${describe(slug)}` });
  }
  const name = checkName(record.name, problems);
  const parent = record.parent ?? null;
  if (parent !== null && (typeof parent !== 'string' || !REGION_SLUG.test(parent))) {
    problems.push({ field: 'parent', code: 'RATESTORE_INVALID_FIELD', reason: `parent must be a region slug or null, got ${describe(parent)}` });
  } else if (parent !== null && parent === slug) {
    problems.push({ field: 'parent', code: 'RATESTORE_REGION_CYCLE', reason: `region ${slug} cannot be its own parent` });
  }
  if (problems.length > 0) return problems;
  return { kind: 'region', index, slug: slug as string, name, parent: parent as string | null };
}

/** The name, or '' with its problem added to `problems`. */
function checkName(name: unknown, problems: Issue[]): string {
  if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NAME_LENGTH) {
    problems.push({ field: 'name', code: 'RATESTORE_INVALID_FIELD', reason: `name must be a non-empty string of at most ${MAX_NAME_LENGTH} characters` });
    return '';
  }
  const at = NAME_FORBIDDEN.exec(name);
  if (at !== null) {
    const unit = at[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    problems.push({ field: 'name', code: 'RATESTORE_INVALID_FIELD', reason: `name must not hold control, bidirectional formatting or unpaired surrogate characters, got U+${unit} at position ${at.index}` });
    return '';
  }
  return name;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? text.slice(0, 37) + '...' : text;
}
