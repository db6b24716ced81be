import { createHash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { itemSlices, type BatchItem } from '@ratestore/core';
import { ImportError } from './errors.js';
import type { ImportInput, ImportPhase } from './input.js';
import { TABLES, TABLE_NAMES, decodeCopyRow, toRow, type TableName } from './ratestask-schema.js';
import { importBatchId } from './source.js';

/**
 * The ratestask tables of a live PostgreSQL database as one batch: `ratestore import postgres://...`.
 *
 * Everything is read inside one REPEATABLE READ, READ ONLY transaction, so both passes see one
 * snapshot however the database changes meanwhile. The first pass streams the three tables in a
 * canonical order (`COPY (SELECT ... ORDER BY ...) TO STDOUT`) into a SHA-256 that names the batch,
 * so the same content imports once, whatever its physical order; the second streams them unordered
 * (`COPY table (columns) TO STDOUT`) through the dump importer's own row decoding and mapping
 * (ratestask-schema.ts). Rows arrive as COPY text with backpressure, so no table is ever held in memory.
 */


/** The URL as it may be shown: without its password (user, host, port, database and options stay). */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password === '') return url;
    parsed.password = '';
    return parsed.toString();
  } catch {
    return url.replace(/^(\w+:\/\/[^:/@]*):[^@]*@/, '$1@');
  }
}

/** How long connecting may take before the import fails (an unreachable host would otherwise hang). */
const CONNECT_TIMEOUT_MS = 10_000;

export class PostgresSource implements ImportInput {
  readonly label: string;
  readonly unit = 'rows';
  phase: ImportPhase = 'waiting';
  done = 0;
  total = 0;
  items = 0;
  readonly #client: pg.Client;
  /** Per table, the columns of the ratestask schema it has (at least the required ones), in schema order. */
  readonly #columns: Record<TableName, string[]>;
  /** Per table, its rows in the snapshot (counted by `batchId()`). */
  readonly #rows: Record<TableName, number> = { regions: 0, ports: 0, prices: 0 };
  /** The connection's failure while no query was running (it would otherwise crash the process). */
  #lost: Error | undefined;
  #closed = false;

  private constructor(label: string, client: pg.Client, columns: Record<TableName, string[]>) {
    this.label = label;
    this.#client = client;
    this.#columns = columns;
  }

  /** Connects and checks that the tables are there; an ImportError (and nothing held) otherwise. */
  static async open(url: string): Promise<PostgresSource> {
    const label = redactUrl(url);
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, application_name: 'ratestore import' });
    let lost: Error | undefined;
    client.on('error', (error) => (lost = error));
    try {
      await client.connect();
    } catch (error) {
      await client.end().catch(() => undefined);
      throw new ImportError('RATESTORE_IMPORT_UNREADABLE', `cannot connect to the database: ${reasonOf(error)}`, { path: label, cause: error });
    }
    try {
      const source = new PostgresSource(label, client, await tableColumns(label, client));
      client.removeAllListeners('error');
      client.on('error', (error) => (source.#lost = error));
      if (lost !== undefined) throw lost;
      return source;
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error instanceof ImportError ? error : new ImportError('RATESTORE_IMPORT_UNREADABLE', `cannot read the database: ${reasonOf(error)}`, { path: label, cause: error });
    }
  }

  whereOf(index: number): string | undefined {
    let first = 0;
    for (const table of TABLE_NAMES) {
      if (index < first + this.#rows[table]) return index < this.items ? `${table} row ${index - first + 1}` : undefined;
      first += this.#rows[table];
    }
    return undefined;
  }

  async batchId(): Promise<string> {
    return this.#reading(async () => {
      await this.#client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
      // COPY writes dates in the session's DateStyle; the items need YYYY-MM-DD. A server's or role's
      // timeouts are meant for applications, not for one long read of whole tables.
      await this.#client.query("SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL statement_timeout = 0; SET LOCAL idle_in_transaction_session_timeout = 0");
      for (const table of TABLE_NAMES) {
        const { rows } = await this.#client.query<{ count: string }>(`SELECT count(*) AS count FROM ${quote(table)}`);
        this.#rows[table] = Number(rows[0]!.count);
      }
      this.total = TABLE_NAMES.reduce((sum, table) => sum + this.#rows[table], 0);
      this.phase = 'hashing';
      const hash = createHash('sha256');
      for (const table of TABLE_NAMES) {
        const columns = this.#columns[table];
        hash.update(`${table} (${columns.join(', ')})\n`);
        // Sorted by every column's text in byte order: the same rows give the same bytes, whatever
        // the physical order, the column types or the database's collation.
        const order = columns.map((column) => `${quote(column)}::text COLLATE "C"`).join(', ');
        const stream = this.#client.query(copyTo(`COPY (SELECT ${columns.map(quote).join(', ')} FROM ${quote(table)} ORDER BY ${order}) TO STDOUT`));
        for await (const chunk of stream as AsyncIterable<Buffer>) {
          hash.update(chunk);
          this.done += countRows(chunk);
        }
      }
      return importBatchId('postgres', hash.digest('hex'));
    });
  }

  read(): AsyncIterable<BatchItem> {
    return itemSlices(this.#slices());
  }

  /** The rows of each table as items, a slice per chunk of COPY output (see `itemSlices`). */
  async *#slices(): AsyncGenerator<BatchItem[]> {
    this.phase = 'reading';
    this.done = 0;
    for (const table of TABLE_NAMES) {
      const columns = this.#columns[table];
      const spec = TABLES[table];
      const where = `${this.label} (table ${table})`;
      let row = 0;
      const stream = await this.#reading(async () => this.#client.query(copyTo(`COPY ${quote(table)} (${columns.map(quote).join(', ')}) TO STDOUT`)));
      try {
        for await (const lines of this.#lines(stream)) {
          const items: BatchItem[] = [];
          for (const line of lines) {
            items.push(spec.toItem(toRow(table, columns, decodeCopyRow(where, ++row, line, columns))));
          }
          this.items += items.length;
          this.done += items.length;
          yield items;
        }
      } finally {
        stream.destroy();
      }
    }
    await this.#reading(() => this.#client.query('COMMIT'));
    this.phase = 'done';
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#client.end().catch(() => undefined);
  }

  /** COPY text rows, a read's worth at a time; a row ends at LF (a newline inside a value is escaped as `\n`). */
  async *#lines(stream: Readable): AsyncGenerator<string[]> {
    const decoder = new StringDecoder('utf8');
    let rest = '';
    const iterator = stream[Symbol.asyncIterator]();
    for (;;) {
      const next = await this.#reading(() => iterator.next() as Promise<IteratorResult<Buffer>>);
      if (next.done === true) break;
      const lines = (rest + decoder.write(next.value)).split('\n');
      rest = lines.pop()!;
      if (lines.length > 0) yield lines;
    }
    rest += decoder.end();
    if (rest !== '') yield [rest];
  }

  /** Runs database work, turning a failure (the server went away, a query failed) into RATESTORE_IMPORT_UNREADABLE. */
  async #reading<T>(work: () => Promise<T>): Promise<T> {
    try {
      if (this.#lost !== undefined) throw this.#lost;
      return await work();
    } catch (error) {
      if (error instanceof ImportError) throw error;
      throw new ImportError('RATESTORE_IMPORT_UNREADABLE', `cannot read the database: ${reasonOf(this.#lost ?? error)}`, { path: this.label, cause: error });
    }
  }
}

/**
 * The ratestask columns each table has, checked against the schema: every table must be there
 * (found through the connection's search_path) with its required columns.
 */
async function tableColumns(label: string, client: pg.Client): Promise<Record<TableName, string[]>> {
  const { rows } = await client.query<{ table_name: string; found: boolean; columns: string[] | null; search_path: string }>(
    `SELECT t.name AS table_name, to_regclass(quote_ident(t.name)) IS NOT NULL AS found, current_setting('search_path') AS search_path,
            (SELECT array_agg(attname::text) FROM pg_attribute WHERE attrelid = to_regclass(quote_ident(t.name)) AND attnum > 0 AND NOT attisdropped) AS columns
       FROM unnest($1::text[]) AS t(name)`,
    [TABLE_NAMES]
  );
  const columns = {} as Record<TableName, string[]>;
  for (const table of TABLE_NAMES) {
    const row = rows.find((r) => r.table_name === table)!;
    if (!row.found) {
      throw new ImportError('RATESTORE_IMPORT_MISSING_TABLE',
        `the database has no table ${table} in its search_path (${row.search_path}); the ratestask schema has the tables ports, regions and prices ` +
        '(for tables in another schema, add ?options=-c%20search_path%3DSCHEMA to the URL)', { path: label });
    }
    const spec = TABLES[table];
    const missing = spec.required.filter((column) => !row.columns?.includes(column));
    if (missing.length > 0) {
      throw new ImportError('RATESTORE_IMPORT_MISSING_TABLE', `the table ${table} has no column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (the ratestask schema's ${table} has ${spec.columns.join(', ')})`, { path: label });
    }
    columns[table] = spec.columns.filter((column) => row.columns?.includes(column));
  }
  return columns;
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

function countRows(chunk: Buffer): number {
  let rows = 0;
  for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) rows++;
  return rows;
}

/** A driver or server error in one line: its message and code (`ECONNREFUSED`, PostgreSQL's `28P01`...). */
function reasonOf(error: unknown): string {
  const failure = error as { message?: string; code?: string; errors?: Array<{ message?: string }> } | undefined;
  // Node reports a refused connection to a name with several addresses as an AggregateError with no message.
  const message = failure?.message || failure?.errors?.[0]?.message || String(error);
  return failure?.code === undefined || message.includes(failure.code) ? message : `${message} (${failure.code})`;
}
