import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpAnswers } from '@ratestore/core/contract';
import { openApiDocument } from '../../src/openapi.js';

/**
 * What every answer of the server must be, whatever it was sent: the fuzz suite's oracle. The
 * documented codes come from the contract's table of codes, which the guide's error table is
 * rendered from (and held to by packages/core/test/contract-docs.test.ts), so the table and the
 * code cannot drift apart unseen.
 */

const ROOT = resolve(fileURLToPath(import.meta.url), '../../../../..');

/** Status -> the codes the server may answer with it (item codes where the table says so). */
export function documentedCodes(): Map<number, Set<string>> {
  const codes = new Map<number, Set<string>>();
  for (const { status, codes: answered } of httpAnswers()) {
    const set = codes.get(status) ?? new Set<string>();
    for (const code of answered) set.add(code);
    codes.set(status, set);
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
      if (!(codes.get(answer.status)?.has(String(problem.code)) ?? false)) problems.push(`a ${answer.status} ${String(problem.code)}, which the contract's table of codes (the guide's error table) does not give for ${answer.status}`);
    }
  }
  const statuses = documentedStatuses(request.method, request.path);
  if (statuses !== undefined && !statuses.has(answer.status)) problems.push(`a ${answer.status}, which the OpenAPI document does not give for ${request.method} ${request.path.split('?')[0]}: ${answer.body.slice(0, 300)}`);
  return problems;
}
