#!/usr/bin/env node
// A committed launcher for the compiled CLI: npm links a package's bins when it installs, before
// anything is built, so the bin must exist in the repository rather than in dist/.
try {
  await import('../dist/cli/main.js');
} catch (error) {
  if (error?.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli/main.js')) {
    console.error('ratestore: the CLI is not built yet; run `npm run build` at the repository root first');
    process.exit(1);
  }
  throw error;
}
