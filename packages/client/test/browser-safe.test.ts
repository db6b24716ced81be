/**
 * The remote entry point must run in browsers: its runtime import graph (type-only imports erased,
 * as the compiler emits it) holds no `node:` module, no bare package but `@ratestore/core/contract`
 * (dependency-free, and itself browser-safe: packages/core/test/contract.test.ts) and `debug`,
 * imported at the first retry only, and no Node global such as `process` or `Buffer`. Nothing else
 * of `@ratestore/core` is loaded.
 */
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { NODE_GLOBALS, runtimeGraph } from '@ratestore/test-support/module-graph';

const SRC = resolve(fileURLToPath(import.meta.url), '../../src');

describe('the remote client is browser-safe', () => {
  it('imports nothing but its own modules and the contract at run time', () => {
    const graph = runtimeGraph(resolve(SRC, 'index.ts'));
    expect([...graph.keys()].map((f) => f.slice(SRC.length + 1)).sort()).toEqual(['errors.ts', 'in-flight.ts', 'index.ts', 'item-bodies.ts', 'read-options.ts', 'remote.ts', 'retry.ts', 'upload.ts']);
    const packages = new Set<string>();
    for (const [file, { specifiers, code }] of graph) {
      for (const specifier of specifiers) {
        expect(specifier, `${file} imports ${specifier}`).toMatch(/^(\.\.?\/|debug$|@ratestore\/core\/contract$)/);
        if (!specifier.startsWith('.')) packages.add(specifier);
      }
      // debug only on demand (the first retry), so that plain-module pages load without it.
      expect(code, `${file} imports debug up front`).not.toMatch(/(^|\n)\s*import\s[^;]*from\s+['"]debug['"]/);
      expect(code, `${file} uses a Node global`).not.toMatch(NODE_GLOBALS);
    }
    // The contract's rules and wire shapes are the ones the server uses, not copies.
    expect([...packages].sort()).toEqual(['@ratestore/core/contract', 'debug']);
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
