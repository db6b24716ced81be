/**
 * A small SQL lexer for the statements of a PostgreSQL plain-text dump: it splits the text between
 * COPY data sections into statements and tokens, across lines, understanding quotes ('...', E'...',
 * "...", $tag$...$tag$) and comments (--, nested /* *\/) well enough that a `;` inside them never
 * ends a statement. It does not parse SQL; pg-dump.ts interprets the few statements it applies.
 */

export type Token =
  /** An unquoted identifier or keyword, lower-cased (as PostgreSQL folds it). */
  | { t: 'word'; v: string }
  /** A double-quoted identifier, case kept. */
  | { t: 'ident'; v: string }
  /** A string constant, escapes resolved; `typed` is set for `date'...'`-style typed literals' type word. */
  | { t: 'string'; v: string }
  | { t: 'number'; v: string }
  /** Punctuation and operators: ( ) , ; = . :: - + * and anything else, one character or `::`. */
  | { t: 'punct'; v: string };

export interface Statement {
  /** Tokens, ending with the `;` token. */
  tokens: Token[];
  /** The line the statement starts on and the line its `;` is on (1-based). */
  startLine: number;
  line: number;
  /** The statement's text without comments, squeezed and shortened, for messages. */
  text: string;
}

type Mode = 'normal' | 'squote' | 'dquote' | 'dollar' | 'block';

const TEXT_LIMIT = 120;

export class SqlLexer {
  /** `SET standard_conforming_strings = off` makes backslashes escape in plain '...' strings. */
  standardConformingStrings = true;
  #tokens: Token[] = [];
  #mode: Mode = 'normal';
  #buf = '';
  #escapes = false;
  /** Bytes of octal and hex escapes not yet decoded: a run of them is one UTF-8 sequence. */
  #bytes: number[] = [];
  #dollarTag = '';
  #blockDepth = 0;
  #startLine = 0;
  #text = '';

  /** True when no statement is under way (so a line may be a psql meta-command). */
  get idle(): boolean {
    return this.#mode === 'normal' && this.#tokens.length === 0;
  }

  /** What is under way at the end of the input, for an "unterminated" message; undefined when idle. */
  get pending(): { startLine: number; text: string; mode: Mode } | undefined {
    if (this.idle) return undefined;
    return { startLine: this.#startLine, text: this.#text.trim(), mode: this.#mode };
  }

  /**
   * Feeds one line (without its line break). Returns the statements it completes and, when a
   * statement ends mid-line, where the rest of the line starts (so a COPY can take over).
   */
  feed(line: string, lineNo: number, onStatement: (statement: Statement, restAt: number) => boolean | void): void {
    let i = 0;
    const n = line.length;
    while (i < n) {
      switch (this.#mode) {
        case 'squote': {
          const ch = line[i]!;
          if (ch === "'") {
            if (line[i + 1] === "'") {
              this.#append("'");
              i += 2;
            } else {
              this.#push({ t: 'string', v: this.#takeString() });
              this.#mode = 'normal';
              i++;
            }
          } else if (ch === '\\' && this.#escapes) {
            i = this.#escape(line, i);
          } else {
            this.#append(ch);
            i++;
          }
          continue;
        }
        case 'dquote': {
          const end = line.indexOf('"', i);
          if (end === -1) {
            this.#buf += line.slice(i);
            i = n;
          } else if (line[end + 1] === '"') {
            this.#buf += line.slice(i, end + 1);
            i = end + 2;
          } else {
            this.#buf += line.slice(i, end);
            this.#push({ t: 'ident', v: this.#buf });
            this.#mode = 'normal';
            i = end + 1;
          }
          continue;
        }
        case 'dollar': {
          const end = line.indexOf(this.#dollarTag, i);
          if (end === -1) {
            this.#buf += line.slice(i);
            i = n;
          } else {
            this.#buf += line.slice(i, end);
            this.#push({ t: 'string', v: this.#buf });
            this.#mode = 'normal';
            i = end + this.#dollarTag.length;
          }
          continue;
        }
        case 'block': {
          if (line.startsWith('/*', i)) {
            this.#blockDepth++;
            i += 2;
          } else if (line.startsWith('*/', i)) {
            this.#blockDepth--;
            i += 2;
            if (this.#blockDepth === 0) this.#mode = 'normal';
          } else {
            i++;
          }
          continue;
        }
        case 'normal':
          break;
      }
      const ch = line[i]!;
      if (ch === ' ' || ch === '\t' || ch === '\f' || ch === '\v' || ch === '\r') {
        i++;
        continue;
      }
      if (ch === '-' && line[i + 1] === '-') break; // comment to the end of the line
      if (ch === '/' && line[i + 1] === '*') {
        this.#mode = 'block';
        this.#blockDepth = 1;
        i += 2;
        continue;
      }
      this.#begin(lineNo);
      if (ch === ';') {
        this.#note(';');
        this.#tokens.push({ t: 'punct', v: ';' });
        const statement: Statement = { tokens: this.#tokens, startLine: this.#startLine, line: lineNo, text: shorten(this.#text) };
        this.#tokens = [];
        this.#text = '';
        i++;
        // An empty statement (a lone `;`) is nothing.
        if (statement.tokens.length > 1 && onStatement(statement, i) === true) return;
        continue;
      }
      if (ch === "'") {
        this.#startString(!this.standardConformingStrings);
        i++;
        continue;
      }
      if ((ch === 'e' || ch === 'E') && line[i + 1] === "'") {
        this.#startString(true);
        i += 2;
        continue;
      }
      if (ch === '"') {
        this.#mode = 'dquote';
        this.#buf = '';
        i++;
        continue;
      }
      if (ch === '$') {
        const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(line.slice(i));
        if (tag !== null) {
          this.#mode = 'dollar';
          this.#dollarTag = tag[0];
          this.#buf = '';
          i += tag[0].length;
          continue;
        }
      }
      const word = /^[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/.exec(line.slice(i, i + 128));
      if (word !== null) {
        let end = i + word[0].length;
        while (end < n && /[A-Za-z0-9_$\u0080-\uffff]/.test(line[end]!)) end++;
        const raw = line.slice(i, end);
        this.#note(raw);
        this.#push({ t: 'word', v: raw.toLowerCase() });
        i = end;
        continue;
      }
      const number = /^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?/.exec(line.slice(i, i + 64));
      if (number !== null) {
        this.#note(number[0]);
        this.#push({ t: 'number', v: number[0] });
        i += number[0].length;
        continue;
      }
      const punct = line.startsWith('::', i) ? '::' : ch;
      this.#note(punct);
      this.#push({ t: 'punct', v: punct });
      i += punct.length;
    }
    // A line break inside a string or identifier is part of it; elsewhere it separates tokens.
    if (this.#mode === 'squote') this.#append('\n');
    else if (this.#mode === 'dquote' || this.#mode === 'dollar') this.#buf += '\n';
    if (this.#tokens.length > 0 || this.#mode !== 'normal') this.#text += ' ';
  }

  #begin(lineNo: number): void {
    if (this.#tokens.length === 0 && this.#text.trim() === '') this.#startLine = lineNo;
  }

  #startString(escapes: boolean): void {
    this.#mode = 'squote';
    this.#escapes = escapes;
    this.#buf = '';
  }

  /** Text of a '...' string; first decodes the escaped bytes before it. */
  #append(text: string): void {
    if (this.#bytes.length > 0) this.#decodeBytes();
    this.#buf += text;
  }

  #takeString(): string {
    if (this.#bytes.length > 0) this.#decodeBytes();
    return this.#buf;
  }

  #decodeBytes(): void {
    this.#buf += Buffer.from(this.#bytes).toString('utf8');
    this.#bytes = [];
  }

  #push(token: Token): void {
    this.#tokens.push(token);
    if (token.t === 'string') this.#note(`'${token.v.slice(0, 40)}'`);
    if (token.t === 'ident') this.#note(`"${token.v.slice(0, 40)}"`);
  }

  #note(text: string): void {
    if (this.#text.length < TEXT_LIMIT + 10) {
      const last = this.#text.at(-1);
      const glue = last === undefined || last === ' ' || last === '(' || last === '.' || text === ',' || text === ')' || text === '.' || text === ';' || text === '::' || last === ':' ? '' : ' ';
      this.#text += glue + text;
    }
  }

  /**
   * Resolves one backslash escape of an E'...' string at `i`; returns the index after it. Octal and
   * hex escapes are bytes of the (UTF-8) text, as in COPY data, so E'S\303\243o' is "São".
   */
  #escape(line: string, i: number): number {
    const next = line[i + 1];
    if (next === undefined) {
      // A backslash at the end of a line escapes the line break.
      this.#append('\n');
      return i + 1;
    }
    const simple: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
    if (simple[next] !== undefined) {
      this.#append(simple[next]);
      return i + 2;
    }
    const escaped = byteEscape(line, i);
    if (escaped !== undefined) {
      this.#bytes.push(escaped.byte);
      return escaped.end;
    }
    const unicode = /^(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})/.exec(line.slice(i + 1, i + 10));
    if (unicode !== null) {
      this.#append(String.fromCodePoint(parseInt(unicode[0].slice(1), 16)));
      return i + 1 + unicode[0].length;
    }
    this.#append(next);
    return i + 2;
  }
}

/**
 * The byte an octal (`\303`) or hex (`\xc3`) escape stands for, its backslash at `slash`, and the
 * index after it; undefined for any other escape. E'...' strings and COPY data spell bytes alike.
 */
export function byteEscape(text: string, slash: number): { byte: number; end: number } | undefined {
  const octal = /^[0-7]{1,3}/.exec(text.slice(slash + 1, slash + 4));
  if (octal !== null) return { byte: parseInt(octal[0], 8) & 0xff, end: slash + 1 + octal[0].length };
  const hex = /^x([0-9A-Fa-f]{1,2})/.exec(text.slice(slash + 1, slash + 4));
  if (hex !== null) return { byte: parseInt(hex[1]!, 16), end: slash + 1 + hex[0].length };
  return undefined;
}

function shorten(text: string): string {
  const squeezed = text.replace(/\s+/g, ' ').trim();
  return squeezed.length > TEXT_LIMIT ? `${squeezed.slice(0, TEXT_LIMIT)}...` : squeezed;
}
