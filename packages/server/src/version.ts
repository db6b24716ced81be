import { readFileSync } from 'node:fs';

/**
 * This server's release: the `version` of the package it runs from (`@ratestore/server`'s
 * package.json, beside `src/` and `dist/` alike). /v1/status and the startup log show it, so an
 * operator (and the blue/green script) can tell which build answers.
 */
export const SERVER_VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
