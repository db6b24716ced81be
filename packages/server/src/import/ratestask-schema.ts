import type { BatchItem } from '@ratestore/core';
import { ImportError } from './errors.js';
import { byteEscape } from './sql-lexer.js';
import { priceOfText } from '../formats/price-text.js';

/**
 * The ratestask schema (tables ports, regions, prices) and how its rows become batch items: the one
 * mapping that a dump import (pg-dump.ts) and an import from a live database (postgres-source.ts) share,
 * down to the COPY text format both read.
 */

export type TableName = 'ports' | 'regions' | 'prices';

/** The tables, in the order a live database is read (parents before what refers to them). */
export const TABLE_NAMES: readonly TableName[] = ['regions', 'ports', 'prices'];
export type Value = string | number | null;

/** A row's values in its table's `columns` order, NULL where a column was not given. */
export type Row = Value[];

export interface TableSpec {
  /** Column order when a COPY or INSERT names none (the ratestask schema's), and the order of a Row. */
  columns: readonly string[];
  /** Columns that must be given (the others default to NULL). */
  required: readonly string[];
  toItem(row: Row): BatchItem;
}

export const TABLES: Record<TableName, TableSpec> = {
  ports: {
    columns: ['code', 'name', 'parent_slug'],
    required: ['code', 'name', 'parent_slug'],
    toItem: (row) => ({ type: 'port', code: row[0], name: row[1], region: row[2] }) as unknown as BatchItem
  },
  regions: {
    columns: ['slug', 'name', 'parent_slug'],
    required: ['slug', 'name'],
    toItem: (row) => ({ type: 'region', slug: row[0], name: row[1], parent: row[2] ?? null }) as unknown as BatchItem
  },
  prices: {
    columns: ['orig_code', 'dest_code', 'day', 'price'],
    required: ['orig_code', 'dest_code', 'day', 'price'],
    toItem: (row) => ({ origin: row[0], destination: row[1], day: row[2], price: typeof row[3] === 'string' ? priceOfText(row[3]) : row[3] }) as unknown as BatchItem
  }
};

/** Where the day is in a prices Row. */
export const PRICE_DAY = TABLES.prices.columns.indexOf('day');

/** The values of a row given in `columns` order, as a Row of `table`. */
export function toRow(table: TableName, columns: readonly string[], values: Value[]): Row {
  const order = TABLES[table].columns;
  if (columns.length === order.length && columns.every((column, i) => column === order[i])) return values;
  return order.map((column) => {
    const at = columns.indexOf(column);
    return at === -1 ? null : values[at]!;
  });
}


/** Splits a COPY text-format row on tabs and resolves `\N` and backslash escapes; the values are in `columns` order. */
export function decodeCopyRow(path: string, line: number, text: string, columns: readonly string[]): Value[] {
  const fields: Value[] = text.split('\t');
  if (fields.length !== columns.length) {
    throw new ImportError('RATESTORE_IMPORT_INVALID_FILE', `the COPY row has ${fields.length} field${fields.length === 1 ? '' : 's'}, expected ${columns.length} (${columns.join(', ')})`, { path, line });
  }
  for (let i = 0; i < fields.length; i++) fields[i] = decodeCopyField(fields[i] as string);
  return fields;
}

const COPY_ESCAPES: Record<string, number> = { b: 8, f: 12, n: 10, r: 13, t: 9, v: 11 };

/** One field of a COPY text row: `\N` is NULL; `\t`, `\\`, `\123` (octal), `\x7f` (hex)... are resolved. */
export function decodeCopyField(field: string): string | null {
  if (field === '\\N') return null;
  if (!field.includes('\\')) return field;
  // Octal and hex escapes are bytes of the (UTF-8) text, so the field is rebuilt as bytes.
  const bytes: number[] = [];
  const text = (chunk: string) => {
    for (const byte of Buffer.from(chunk, 'utf8')) bytes.push(byte);
  };
  let i = 0;
  while (i < field.length) {
    const slash = field.indexOf('\\', i);
    if (slash === -1) {
      text(field.slice(i));
      break;
    }
    text(field.slice(i, slash));
    const next = field[slash + 1];
    if (next === undefined) {
      i = slash + 1;
      break;
    }
    if (COPY_ESCAPES[next] !== undefined) {
      bytes.push(COPY_ESCAPES[next]);
      i = slash + 2;
      continue;
    }
    const escaped = byteEscape(field, slash);
    if (escaped !== undefined) {
      bytes.push(escaped.byte);
      i = escaped.end;
      continue;
    }
    // Any other escaped character stands for itself (`\\` is a backslash).
    const code = field.codePointAt(slash + 1)!;
    text(String.fromCodePoint(code));
    i = slash + 1 + (code > 0xffff ? 2 : 1);
  }
  return Buffer.from(bytes).toString('utf8');
}
