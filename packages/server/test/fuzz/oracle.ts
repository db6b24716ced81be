import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openApiDocument } from '../../src/openapi.js';

/**
 * What every answer of the server must be, whatever it was sent: the fuzz suite's oracle. The
 * documented codes come from the one place users read them, the guide's error table, so the table
 * and the code cannot drift apart unseen.
 */

const ROOT = resolve(fileURLToPath(import.meta.url), '../../../../..');
const GUIDE = resolve(ROOT, 'docs/guide.md');

/** Status -> the codes the guide's HTTP error table lists for it (item codes where a row says so). */
export function documentedCodes(guide = readFileSync(GUIDE, 'utf8')): Map<number, Set<string>> {
  const section = guide.slice(guide.indexOf('\n## Error codes'), guide.indexOf('\n## The client'));
  const items = [...(/Item codes, in `issues\[\]\.code`[^:]*:([\s\S]*?)(?:\n\n|$)/.exec(section)?.[1] ?? '').matchAll(/`(RATESTORE_[A-Z_]+)`/g)].map((m) => m[1]!);
  if (items.length === 0) throw new Error('the guide lists no item codes');
  const codes = new Map<number, Set<string>>();
  for (const [, status, cell] of section.matchAll(/^\| (\d{3}) \| ([^|]+) \|/gm)) {
    const set = codes.get(Number(status)) ?? new Set<string>();
    for (const [, code] of cell!.matchAll(/`(RATESTORE_[A-Z_]+)`/g)) set.add(code!);
    // "an item code", or a list of item codes ending in "...": every item code.
    if (/item code|\.\.\./.test(cell!)) for (const code of items) set.add(code);
    codes.set(Number(status), set);
  }
  return codes;
}

/** Operations of the OpenAPI document, matched by method and path. */
const doc = openApiDocument() as { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
const templates = Object.keys(doc.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/[.]/g, '\\.').replace(/\{[^}]+\}/g, '[^/]+')}$`)
}));

/** The statuses the OpenAPI document gives for `method path`, or undefined when it describes no such operation. */
export function documentedStatuses(method: string, path: string): Set<number> | undefined {
  const pathname = path.split('?')[0]!;
  const match = templates.find((t) => t.pattern.test(pathname));
  const operation = match === undefined ? undefined : doc.paths[match.template]![method === 'HEAD' ? 'get' : method.toLowerCase()];
  return operation === undefined ? undefined : new Set(Object.keys(operation.responses).map(Number));
}

/** Signs of a leak: a stack frame, a file of the server, a module path. */
const LEAKS = [/\bat (?:async )?(?:\S+ )?\(?(?:file:\/\/|node:|\/)[^\s)]*:\d+:\d+/, /node_modules/, /\.(?:ts|js|mjs|cjs):\d+/, /packages\/(?:core|server|client)\/(?:src|dist)/];
LEAKS.push(new RegExp(ROOT.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));

export interface Answer {
  status: number;
  contentType: string;
  body: string;
}

/**
 * The problems of one answer (empty when it is fine): never a 5xx; a 4xx is a problem document whose
 * `status` is the status, whose `code` the guide lists for that status, and, on an operation the
 * OpenAPI document describes, a status it gives; no body shows a stack trace or a server path.
 */
export function problemsOf(request: { method: string; path: string }, answer: Answer, codes: Map<number, Set<string>>): string[] {
  const problems: string[] = [];
  if (answer.status >= 500) problems.push(`a ${answer.status}`);
  for (const leak of LEAKS) if (leak.test(answer.body)) problems.push(`the body shows ${leak}: ${answer.body.slice(0, 300)}`);
  if (answer.status >= 400) {
    let problem: { status?: unknown; code?: unknown } | undefined;
    if (!/^application\/problem\+json/.test(answer.contentType)) problems.push(`a ${answer.status} as ${answer.contentType || 'no content type'}`);
    else if (request.method !== 'HEAD') {
      try {
        problem = JSON.parse(answer.body) as { status?: unknown; code?: unknown };
      } catch {
        problems.push(`a problem document that is not JSON: ${answer.body.slice(0, 200)}`);
      }
    }
    if (problem !== undefined) {
      if (problem.status !== answer.status) problems.push(`a ${answer.status} whose document says status ${String(problem.status)}`);
      if (!(codes.get(answer.status)?.has(String(problem.code)) ?? false)) problems.push(`a ${answer.status} ${String(problem.code)}, which the guide's error table does not list for ${answer.status}`);
    }
  }
  const statuses = documentedStatuses(request.method, request.path);
  if (statuses !== undefined && !statuses.has(answer.status)) problems.push(`a ${answer.status}, which the OpenAPI document does not give for ${request.method} ${request.path.split('?')[0]}: ${answer.body.slice(0, 300)}`);
  return problems;
}
