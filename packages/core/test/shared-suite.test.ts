/**
 * The one behaviour suite: every concern in ./suite runs on every backend in ./backends.
 */
import { describe } from 'vitest';
import { backends } from './backends.js';
import { writeSuite } from './suite/write.js';
import { ratesSuite } from './suite/rates.js';
import { queryErrorsSuite } from './suite/query-errors.js';
import { rejectedBatchesSuite } from './suite/rejected-batches.js';
import { stagedSuite } from './suite/staged.js';
import { revertSuite } from './suite/revert.js';
import { versionsSuite } from './suite/versions.js';
import { referenceSuite } from './suite/reference.js';
import { compactSuite } from './suite/compact.js';
import { replicationSuite } from './suite/replication.js';
import { persistenceSuite } from './suite/persistence.js';
import { lifecycleSuite } from './suite/lifecycle.js';

const suites = [writeSuite, ratesSuite, queryErrorsSuite, rejectedBatchesSuite, stagedSuite, revertSuite, versionsSuite, referenceSuite, compactSuite, replicationSuite, persistenceSuite, lifecycleSuite];

for (const makeBackend of backends) {
  const backend = makeBackend();
  describe(backend.name, () => {
    for (const suite of suites) suite(backend);
  });
}
