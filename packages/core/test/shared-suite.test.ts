/**
 * The one behaviour suite: every concern in ./suite runs on one store of every backend in
 * ./backends, and the behaviour suites also run on the two-store harness (written through one store,
 * read through another that applies its log), the shape cluster mode takes, and on a store whose
 * commits aggregate on worker threads.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { backends, classicBackend } from './backends.js';
import { singleStores, withDefaults } from './stores.js';
import { replicatedStores } from './harness/replicated.js';
import { openSpillFiles } from './helpers.js';
import { writeSuite } from './suite/write.js';
import { ratesSuite } from './suite/rates.js';
import { queryErrorsSuite } from './suite/query-errors.js';
import { rejectedBatchesSuite } from './suite/rejected-batches.js';
import { stagedSuite } from './suite/staged.js';
import { revertSuite } from './suite/revert.js';
import { versionsSuite } from './suite/versions.js';
import { referenceSuite } from './suite/reference.js';
import { compactDatabaseSuite, compactSuite } from './suite/compact.js';
import { historySuite } from './suite/history.js';
import { replicationSuite } from './suite/replication.js';
import { persistenceSuite } from './suite/persistence.js';
import { lifecycleSuite } from './suite/lifecycle.js';

/** What any arrangement of stores must do, seen through the reader and writer interfaces. */
const behaviour = [writeSuite, ratesSuite, queryErrorsSuite, rejectedBatchesSuite, stagedSuite, revertSuite, versionsSuite, referenceSuite, compactSuite, historySuite];

for (const makeBackend of backends) {
  const backend = makeBackend();
  describe(backend.name, () => {
    const single = singleStores(backend);
    for (const suite of behaviour) suite(single);
    compactDatabaseSuite(single);
    replicationSuite(single);
    persistenceSuite(single);
    lifecycleSuite(backend);
  });
  const replicated = replicatedStores(makeBackend());
  describe(replicated.name, () => {
    for (const suite of behaviour) suite(replicated);
  });
}

// Commits on two worker threads, each a share of the months, must write what one thread writes.
const workers = withDefaults(singleStores(classicBackend()), { commitWorkers: 2 }, 'classic-level, commits on 2 worker threads');
describe(workers.name, () => {
  for (const suite of behaviour) suite(workers);
  persistenceSuite(workers);
});

// write() spilling its chunks to a file rather than staging them must behave the same, and hold no
// file open once its batch is in (each is unlinked as soon as it is made: only descriptors show it).
const spillDirectory = mkdtempSync(join(tmpdir(), 'ratestore-spill-'));
const spilling = withDefaults(singleStores(classicBackend()), { spillDirectory }, 'classic-level, write() spilling to a file');
describe(spilling.name, () => {
  afterAll(() => {
    expect(openSpillFiles()).toBe(0);
    expect(readdirSync(spillDirectory)).toEqual([]);
    rmSync(spillDirectory, { recursive: true, force: true });
  });
  for (const suite of behaviour) suite(spilling);
  persistenceSuite(spilling);
});
