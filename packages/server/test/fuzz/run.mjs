// `npm run fuzz -- [--cases N] [--seed N]`: the fuzz suite (fuzz.test.ts) at any length. `npm test`
// runs it bounded, with a fixed seed; this runs it longer, with a seed of your choice (a random one,
// printed, when none is given), so that a failure can be replayed exactly.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const usage = 'usage: npm run fuzz -- [--cases N] [--seed N]\n  --cases N  requests to generate in all (default 100000)\n  --seed N   fast-check seed (default: a random one, printed)';
let options;
try {
  options = parseArgs({ options: { cases: { type: 'string', default: '100000' }, seed: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }).values;
} catch (error) {
  console.error(`error: ${error.message}\n${usage}`);
  process.exit(2);
}
if (options.help) {
  console.log(usage);
  process.exit(0);
}
const seed = options.seed ?? String(Math.floor(Math.random() * 2 ** 31));
for (const [name, value] of [['cases', options.cases], ['seed', seed]]) {
  if (!/^\d{1,10}$/.test(value)) {
    console.error(`error: --${name} must be a whole number, got ${JSON.stringify(value)}\n${usage}`);
    process.exit(2);
  }
}
const root = resolve(fileURLToPath(import.meta.url), '../../../../..');
console.log(`fuzz: ${options.cases} cases, seed ${seed}`);
const child = spawn('npx', ['vitest', 'run', 'packages/server/test/fuzz/fuzz.test.ts'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, RATESTORE_FUZZ_CASES: options.cases, RATESTORE_FUZZ_SEED: seed }
});
child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));
