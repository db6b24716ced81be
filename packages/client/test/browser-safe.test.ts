/**
 * The remote entry point must run in browsers: its runtime import graph (type-only imports erased,
 * as the compiler emits it) holds no `node:` module, no bare package (in particular not
 * `@ratestore/core`) but `debug`, imported at the first retry only, and no Node global such as `process`
 * or `Buffer`.
 */
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(fileURLToPath(import.meta.url), '../../src');

/** Runtime imports of every module reachable from `entry`, as emitted JavaScript. */
function runtimeGraph(entry: string): Map<string, { specifiers: string[]; code: string }> {
  const graph = new Map<string, { specifiers: string[]; code: string }>();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (graph.has(file)) continue;
    const source = readFileSync(file, 'utf8');
    const code = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, removeComments: true } }).outputText;
    const specifiers = [...code.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s+['"]([^'"]+)['"]/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
    graph.set(file, { specifiers, code });
    for (const specifier of specifiers) if (specifier.startsWith('.')) pending.push(resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
  }
  return graph;
}

describe('the remote client is browser-safe', () => {
  it('imports nothing but its own modules at run time', () => {
    const graph = runtimeGraph(resolve(SRC, 'index.ts'));
    expect([...graph.keys()].map((f) => f.slice(SRC.length + 1)).sort()).toEqual(['errors.ts', 'in-flight.ts', 'index.ts', 'read-options.ts', 'remote.ts', 'retry.ts', 'upload.ts']);
    for (const [file, { specifiers, code }] of graph) {
      for (const specifier of specifiers) expect(specifier, `${file} imports ${specifier}`).toMatch(/^(\.\.?\/|debug$)/);
      // debug only on demand (the first retry), so that plain-module pages load without it.
      expect(code, `${file} imports debug up front`).not.toMatch(/(^|\n)\s*import\s[^;]*from\s+['"]debug['"]/);
      expect(code, `${file} uses a Node global`).not.toMatch(/\b(process|Buffer|require|__dirname|setImmediate)\b[.(]/);
    }
  });

  it('its one package, debug, has a browser build that bundlers pick', () => {
    const pkg = createRequire(import.meta.url)('debug/package.json') as { browser?: string };
    expect(pkg.browser).toBe('./src/browser.js');
  });

  it('the embedded entry is the one that loads core', () => {
    const graph = runtimeGraph(resolve(SRC, 'embedded.ts'));
    expect(graph.get(resolve(SRC, 'embedded.ts'))!.specifiers).toContain('@ratestore/core');
  });
});
