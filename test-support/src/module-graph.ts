import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import ts from 'typescript';

/** One TypeScript module as the compiler emits it, with the modules it imports at run time. */
export interface EmittedModule {
  /** Import and export specifiers, as written (`./errors.js`, `@ratestore/core/contract`, `debug`). */
  specifiers: string[];
  /** The emitted JavaScript: type-only imports are erased, as they are in the build. */
  code: string;
}

/**
 * Every module reachable from `entry` (a `.ts` file) through relative imports at run time, by path:
 * what a bundler or a browser would load of a package's sources. Imports of other packages are
 * listed in `specifiers` and not followed.
 */
export function runtimeGraph(entry: string): Map<string, EmittedModule> {
  const graph = new Map<string, EmittedModule>();
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

/** Uses of Node's globals in emitted code (a browser has none of them). */
export const NODE_GLOBALS = /\b(process|Buffer|require|__dirname|setImmediate)\b[.(]/;
