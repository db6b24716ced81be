import { open } from 'node:fs/promises';
import type { BatchItem } from '@ratestore/core';
import { ImportError } from './errors.js';
import { readLineBatches, nullTracker, unreadable, type ReadTracker } from './lines.js';
import { PRICE_DAY, TABLES, decodeCopyRow, toRow, type Row, type TableName, type Value } from './ratestask-schema.js';
import { SqlLexer, type Statement, type Token } from './sql-lexer.js';

/**
 * Reads a PostgreSQL plain-text dump of the ratestask schema (tables ports, regions, prices) as
 * batch items, the way PostgreSQL would restore it.
 *
 * Two streaming passes, neither holding the file: the first checks every statement and notes the
 * DELETEs (which day, and where in the file); the second streams the COPY rows and INSERTed rows in
 * file order and drops each price row that a later DELETE removes. So a DELETE removes exactly the
 * rows that precede it, whether they came from COPY or from an earlier INSERT, and rows added after
 * it stay. DDL and session settings are skipped; any other statement rejects the file, naming its line.
 */

/** Statements that change nothing the store holds: schema, settings, transactions, privileges. */
const SKIPPED = new Set(['create', 'alter', 'set', 'reset', 'comment', 'grant', 'revoke', 'begin', 'commit', 'start', 'end', 'analyze', 'vacuum', 'security']);
/** psql meta-commands pg_dump writes (`\connect`, and since PostgreSQL 17.6 `\restrict`). */
const META_COMMANDS = new Set(['connect', 'c', 'restrict', 'unrestrict', 'encoding', 'set']);

const SUPPORTED = 'the importer applies COPY ... FROM stdin and INSERT into ports, regions and prices, ' +
  "DELETE FROM prices [WHERE day = date'YYYY-MM-DD'] and TRUNCATE prices, and skips DDL and settings";

/** Everything about the file order the second pass needs: where the price rows of each day were deleted. */
interface Deletions {
  /** Per day, the position (see `seq`) of the last DELETE of that day. */
  byDay: Map<string, number>;
  /** Position of the last DELETE of every price (DELETE without WHERE, TRUNCATE), or -1. */
  all: number;
}

/** One event of a dump, in file order; `seq` orders statements and COPY rows alike. */
type DumpEvent =
  | { kind: 'statement'; statement: Statement; seq: number }
  | { kind: 'copy'; table: TableName; columns: string[]; line: number }
  | { kind: 'row'; text: string; line: number; seq: number };

export interface PgDumpOptions {
  tracker?: ReadTracker;
  /** Called when the second pass starts (the first only checks the file). */
  onSecondPass?: () => void;
}

/** Streams the items of a ratestask dump; see the module comment. */
export async function* readPgDump(path: string, options: PgDumpOptions = {}): AsyncGenerator<BatchItem> {
  for await (const items of readPgDumpBatches(path, options)) yield* items;
}

/** The items of a ratestask dump as batches, one per read buffer of the file (see readLineBatches). */
export async function* readPgDumpBatches(path: string, options: PgDumpOptions = {}): AsyncGenerator<BatchItem[]> {
  const tracker = options.tracker ?? nullTracker();
  await checkDeclaredEncoding(path);
  const deletions = await firstPass(path, tracker);
  options.onSecondPass?.();
  tracker.bytesRead = 0;
  let copy: { table: TableName; columns: string[] } | undefined;
  for await (const events of scanDump(path, tracker)) {
    const items: BatchItem[] = [];
    for (const event of events) {
      if (event.kind === 'copy') {
        copy = event;
      } else if (event.kind === 'row') {
        const row = toRow(copy!.table, copy!.columns, decodeCopyRow(path, event.line, event.text, copy!.columns));
        if (copy!.table === 'prices' && deleted(deletions, row[PRICE_DAY], event.seq)) continue;
        tracker.item(event.line);
        items.push(TABLES[copy!.table].toItem(row));
      } else {
        const action = interpret(path, event.statement);
        if (action.kind !== 'insert') continue;
        for (const row of action.rows) {
          if (action.table === 'prices' && deleted(deletions, row[PRICE_DAY], event.seq)) continue;
          tracker.item(event.statement.line);
          items.push(TABLES[action.table].toItem(row));
        }
      }
    }
    if (items.length > 0) yield items;
  }
}

async function firstPass(path: string, tracker: ReadTracker): Promise<Deletions> {
  const deletions: Deletions = { byDay: new Map(), all: -1 };
  let dataSeen = false;
  let columns: string[] = [];
  for await (const events of scanDump(path, tracker)) {
    for (const event of events) {
      if (event.kind === 'row') {
        dataSeen = true;
        // Only the shape is checked here, so a malformed row fails the file before any item is read.
        let fields = 1;
        for (let at = event.text.indexOf('\t'); at !== -1; at = event.text.indexOf('\t', at + 1)) fields++;
        if (fields !== columns.length) decodeCopyRow(path, event.line, event.text, columns);
        continue;
      }
      if (event.kind === 'copy') {
        columns = event.columns;
        continue;
      }
      const action = interpret(path, event.statement);
      if (action.kind === 'insert') dataSeen = true;
      else if (action.kind === 'delete') {
        if (action.day === undefined) deletions.all = event.seq;
        else deletions.byDay.set(action.day, event.seq);
      } else if (action.kind === 'drop' && dataSeen) {
        throw unsupported(path, event.statement, 'a DROP after data was loaded would remove it');
      }
    }
  }
  return deletions;
}

function deleted(deletions: Deletions, day: Value | undefined, seq: number): boolean {
  if (deletions.all > seq) return true;
  if (typeof day !== 'string') return false;
  const at = deletions.byDay.get(day);
  return at !== undefined && at > seq;
}

/** Splits a dump into statements and COPY rows, in order, a batch of lines at a time. Identical on both passes. */
async function* scanDump(path: string, tracker: ReadTracker): AsyncGenerator<DumpEvent[]> {
  const lexer = new SqlLexer();
  let seq = 0;
  let lineNo = 0;
  let copy: { table: TableName; columns: string[]; line: number } | undefined;
  for await (const lines of readLineBatches(path, tracker)) {
    const events: DumpEvent[] = [];
    for (const line of lines) {
      lineNo++;
      if (copy !== undefined) {
        if (line === '\\.') copy = undefined;
        else events.push({ kind: 'row', text: line, line: lineNo, seq: seq++ });
        continue;
      }
      if (lexer.idle && line.startsWith('\\')) {
        const command = /^\\([A-Za-z]+)/.exec(line)?.[1];
        if (command === undefined || !META_COMMANDS.has(command)) {
          throw new ImportError('RATESTORE_IMPORT_UNSUPPORTED_STATEMENT', `cannot apply the psql command ${JSON.stringify(line.slice(0, 60))}`, { path, line: lineNo });
        }
        const encoding = command === 'encoding' ? line.slice('\\encoding'.length).trim() : '';
        if (encoding !== '') checkEncoding(path, encoding, lineNo);
        continue;
      }
      lexer.feed(line, lineNo, (statement, restAt) => {
        events.push({ kind: 'statement', statement, seq: seq++ });
        const header = copyHeader(path, statement);
        if (header === undefined) {
          applySetting(path, lexer, statement);
          return false;
        }
        if (line.slice(restAt).trim() !== '') {
          throw new ImportError('RATESTORE_IMPORT_INVALID_FILE', 'a COPY ... FROM stdin statement must end its line', { path, line: lineNo });
        }
        copy = { ...header, line: lineNo };
        events.push({ kind: 'copy', ...copy });
        return true;
      });
    }
    yield events;
  }
  if (copy !== undefined) {
    throw new ImportError('RATESTORE_IMPORT_INVALID_FILE', `the COPY ${copy.table} data starting here is not ended by a line \\. (the file ends at line ${lineNo})`, { path, line: copy.line });
  }
  const pending = lexer.pending;
  if (pending !== undefined) {
    const what = pending.mode === 'normal' ? `the statement "${pending.text.slice(0, 60)}" has no closing ;` : `a ${pending.mode === 'block' ? 'comment' : 'quoted text'} is not closed`;
    throw new ImportError('RATESTORE_IMPORT_INVALID_FILE', `the file ends early: ${what}`, { path, line: pending.startLine });
  }
}

function applySetting(path: string, lexer: SqlLexer, statement: Statement): void {
  const [first, ...rest] = statement.tokens;
  if (first?.t !== 'word' || first.v !== 'set') return;
  // SET [SESSION | LOCAL] name { = | TO } value
  const words = rest[0]?.t === 'word' && (rest[0].v === 'session' || rest[0].v === 'local') ? rest.slice(1) : rest;
  const [name] = words;
  const value = words.slice(1).find((token) => token.t === 'string' || (token.t === 'word' && token.v !== 'to'))?.v;
  if (name?.t !== 'word' || value === undefined) return;
  if (name.v === 'standard_conforming_strings') lexer.standardConformingStrings = !['off', 'false'].includes(value.toLowerCase());
  if (name.v === 'client_encoding' || name.v === 'names') checkEncoding(path, value, statement.line);
}

/** Bytes of a dump's head where pg_dump declares its encoding (`SET client_encoding`, line 9 or so). */
const HEAD_BYTES = 64 * 1024;

/**
 * Refuses a dump that declares another encoding in its head before any of it is read as UTF-8: its
 * text would otherwise fail that check at its first non-ASCII line, without the way out. The head is
 * read as Latin-1, which any bytes are; the statements are found again, as SQL, on the way.
 */
async function checkDeclaredEncoding(path: string): Promise<void> {
  let head: string;
  try {
    const file = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(HEAD_BYTES);
      const { bytesRead } = await file.read(buffer, 0, HEAD_BYTES, 0);
      head = buffer.toString('latin1', 0, bytesRead);
    } finally {
      await file.close();
    }
  } catch (error) {
    throw unreadable(path, error);
  }
  for (const [index, line] of head.split(/\r\n|\n|\r/).entries()) {
    const declared = /^\s*SET\s+(?:SESSION\s+|LOCAL\s+)?(?:client_encoding|NAMES)\s*(?:=|\s+TO)\s*'?([\w-]+)'?\s*;/i.exec(line)?.[1] ?? /^\\encoding\s+([\w-]+)/.exec(line)?.[1];
    if (declared !== undefined) checkEncoding(path, declared, index + 1);
  }
}

/**
 * A dump is read as UTF-8; one that says its text is in another encoding (pg_dump writes the
 * database's, as `SET client_encoding`) is refused before any of it is read as UTF-8, with the way out.
 */
function checkEncoding(path: string, encoding: string, line: number): void {
  if (!['utf8', 'utf-8', 'unicode', 'sql_ascii', 'default'].includes(encoding.toLowerCase())) {
    throw new ImportError('RATESTORE_IMPORT_UNSUPPORTED_STATEMENT', `the dump's text is in ${encoding}; only UTF-8 dumps are read (dump again with pg_dump --encoding=UTF8)`, { path, line });
  }
}

/** `COPY [schema.]table [(columns)] FROM stdin;` gives the table and column order; other COPY forms are refused. */
function copyHeader(path: string, statement: Statement): { table: TableName; columns: string[] } | undefined {
  const tokens = new TokenReader(path, statement);
  if (!tokens.isWord('copy')) return undefined;
  tokens.next();
  const table = tokens.tableName();
  const columns = tokens.peekPunct('(') ? tokens.columnList() : [...TABLES[table].columns];
  if (!tokens.isWord('from') || !tokens.isWord('stdin', 1) || !tokens.isPunct(';', 2)) {
    throw unsupported(path, statement, 'only COPY ... FROM stdin in text format can be imported');
  }
  checkColumns(path, statement, table, columns);
  return { table, columns };
}

function checkColumns(path: string, statement: Statement, table: TableName, columns: string[]): void {
  const spec = TABLES[table];
  for (const column of columns) {
    if (!spec.columns.includes(column)) throw unsupported(path, statement, `table ${table} has no column ${column} that Ratestore stores (it has ${spec.columns.join(', ')})`);
  }
  if (new Set(columns).size !== columns.length) throw unsupported(path, statement, 'a column is named twice');
  const missing = spec.required.filter((column) => !columns.includes(column));
  if (missing.length > 0) throw unsupported(path, statement, `column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} of ${table} must be given`);
}

type Action =
  | { kind: 'skip' }
  | { kind: 'drop' }
  | { kind: 'copy' }
  | { kind: 'delete'; day?: string }
  | { kind: 'insert'; table: TableName; rows: Row[] };

/** What a statement does to the data, or an ImportError when the importer cannot apply it. */
function interpret(path: string, statement: Statement): Action {
  const tokens = new TokenReader(path, statement);
  const first = statement.tokens[0]!;
  const keyword = first.t === 'word' ? first.v : '';
  if (SKIPPED.has(keyword)) return { kind: 'skip' };
  switch (keyword) {
    case 'copy':
      return { kind: 'copy' };
    case 'drop':
      return { kind: 'drop' };
    case 'select':
      // pg_dump's `SELECT pg_catalog.set_config('search_path', '', false);` and sequence setval calls.
      if (statement.tokens.some((token) => token.t === 'word' && (token.v === 'set_config' || token.v === 'setval'))) return { kind: 'skip' };
      throw unsupported(path, statement);
    case 'delete': {
      tokens.next();
      tokens.expectWord('from');
      if (tokens.isWord('only')) tokens.next();
      const table = tokens.tableName();
      if (table !== 'prices') throw unsupported(path, statement, `Ratestore never deletes ${table}`);
      if (tokens.isPunct(';')) return { kind: 'delete' };
      tokens.expectWord('where');
      const onlyByDay = "only DELETE FROM prices WHERE day = date'YYYY-MM-DD' can be applied";
      let day: Value;
      try {
        if (tokens.isWord('day')) {
          tokens.next();
          tokens.expectPunct('=');
          day = tokens.value();
        } else {
          day = tokens.value();
          tokens.expectPunct('=');
          tokens.expectWord('day');
        }
      } catch {
        throw unsupported(path, statement, onlyByDay);
      }
      if (!tokens.isPunct(';')) throw unsupported(path, statement, onlyByDay);
      const normal = typeof day === 'string' ? normalDay(day) : undefined;
      if (normal === undefined) throw unsupported(path, statement, `${JSON.stringify(day)} is not a date`);
      return { kind: 'delete', day: normal };
    }
    case 'truncate': {
      tokens.next();
      if (tokens.isWord('table')) tokens.next();
      if (tokens.isWord('only')) tokens.next();
      const table = tokens.tableName();
      if (table !== 'prices' || !tokens.isPunct(';')) throw unsupported(path, statement, 'only TRUNCATE prices can be applied');
      return { kind: 'delete' };
    }
    case 'insert': {
      tokens.next();
      tokens.expectWord('into');
      const table = tokens.tableName();
      const named = tokens.peekPunct('(') ? tokens.columnList() : undefined;
      tokens.expectWord('values');
      const rows: Row[] = [];
      for (;;) {
        tokens.expectPunct('(');
        const values: Value[] = [tokens.value()];
        while (tokens.isPunct(',')) {
          tokens.next();
          values.push(tokens.value());
        }
        tokens.expectPunct(')');
        // Without a column list the values fill the table's columns in order, the rest are NULL.
        const columns = named ?? TABLES[table].columns.slice(0, values.length);
        if (values.length !== columns.length) {
          throw unsupported(path, statement, `a row has ${values.length} values for ${named === undefined ? `the ${TABLES[table].columns.length} columns of ${table}` : `${columns.length} columns`}`);
        }
        checkColumns(path, statement, table, columns);
        const row = toRow(table, columns, values);
        // PostgreSQL reads date'2016-1-4' as 2016-01-04 (a COPY row always has the ISO form).
        const day = row[PRICE_DAY];
        if (table === 'prices' && typeof day === 'string') row[PRICE_DAY] = normalDay(day) ?? day;
        rows.push(row);
        if (!tokens.isPunct(',')) break;
        tokens.next();
      }
      if (!tokens.isPunct(';')) throw unsupported(path, statement, 'only INSERT INTO table [(columns)] VALUES (...)[, (...)] can be applied');
      return { kind: 'insert', table, rows };
    }
    default:
      throw unsupported(path, statement);
  }
}

function unsupported(path: string, statement: Statement, why?: string): ImportError {
  return new ImportError(
    'RATESTORE_IMPORT_UNSUPPORTED_STATEMENT',
    `cannot apply "${statement.text}"${why === undefined ? '' : `: ${why}`} (${SUPPORTED})`,
    { path, line: statement.startLine }
  );
}

/** A cursor over a statement's tokens, with the few parsers the supported statements need. */
class TokenReader {
  readonly #path: string;
  readonly #statement: Statement;
  readonly #tokens: Token[];
  #at = 0;

  constructor(path: string, statement: Statement) {
    this.#path = path;
    this.#statement = statement;
    this.#tokens = statement.tokens;
  }

  next(): Token | undefined {
    return this.#tokens[this.#at++];
  }

  isWord(word: string, ahead = 0): boolean {
    const token = this.#tokens[this.#at + ahead];
    return token?.t === 'word' && token.v === word;
  }

  isPunct(punct: string, ahead = 0): boolean {
    const token = this.#tokens[this.#at + ahead];
    return token?.t === 'punct' && token.v === punct;
  }

  peekPunct(punct: string): boolean {
    return this.isPunct(punct);
  }

  expectWord(word: string): void {
    if (!this.isWord(word)) throw this.#fail(`expected ${word.toUpperCase()}`);
    this.#at++;
  }

  expectPunct(punct: string): void {
    if (!this.isPunct(punct)) throw this.#fail(`expected "${punct}"`);
    this.#at++;
  }

  /** An identifier, `schema.name` giving `name`. */
  identifier(): string {
    let token = this.next();
    if (token?.t !== 'word' && token?.t !== 'ident') throw this.#fail('expected a name');
    while (this.isPunct('.')) {
      this.#at++;
      token = this.next();
      if (token?.t !== 'word' && token?.t !== 'ident') throw this.#fail('expected a name');
    }
    return token.v;
  }

  tableName(): TableName {
    const name = this.identifier();
    if (name === 'ports' || name === 'regions' || name === 'prices') return name;
    throw unsupported(this.#path, this.#statement, `Ratestore imports only the tables ports, regions and prices, not ${name}`);
  }

  columnList(): string[] {
    this.expectPunct('(');
    const columns = [this.identifier()];
    while (this.isPunct(',')) {
      this.#at++;
      columns.push(this.identifier());
    }
    this.expectPunct(')');
    return columns;
  }

  /** A constant: 'text', E'text', 42, -1.5, NULL, date'2016-01-04', DATE '...', '...'::date, true/false. */
  value(): Value {
    const token = this.next();
    let value: Value;
    if (token?.t === 'string') value = token.v;
    else if (token?.t === 'number') value = token.v;
    else if (token?.t === 'punct' && (token.v === '-' || token.v === '+') && this.#tokens[this.#at]?.t === 'number') value = (token.v === '-' ? '-' : '') + this.next()!.v;
    else if (token?.t === 'word' && token.v === 'null') value = null;
    else if (token?.t === 'word' && (token.v === 'true' || token.v === 'false')) value = token.v;
    else if (token?.t === 'word' && /^(date|text|integer|int|int4|int8|bigint|numeric|varchar)$/.test(token.v) && this.#tokens[this.#at]?.t === 'string') value = this.next()!.v;
    else throw this.#fail('expected a constant value');
    while (this.isPunct('::')) {
      this.#at++;
      this.identifier();
    }
    return value;
  }

  #fail(what: string): ImportError {
    const near = this.#tokens[this.#at - 1] ?? this.#tokens[this.#at];
    return unsupported(this.#path, this.#statement, `${what}${near === undefined ? '' : ` near ${JSON.stringify(near.v)}`}`);
  }
}

/** PostgreSQL reads '2016-1-4' as 2016-01-04 too; rows in a dump are always YYYY-MM-DD. */
function normalDay(text: string): string | undefined {
  const match = /^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$/.exec(text);
  if (match === null) return undefined;
  return `${match[1]}-${match[2]!.padStart(2, '0')}-${match[3]!.padStart(2, '0')}`;
}
