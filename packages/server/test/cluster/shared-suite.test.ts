/**
 * The engine's behaviour suite on a cluster: three nodes on one PostgreSQL log, each with its own
 * LevelDB; every write goes through one node and every read through the other two, once they have
 * applied it.
 */
import { describe } from 'vitest';
import { classicBackend } from '../../../core/test/backends.js';
import { writeSuite } from '../../../core/test/suite/write.js';
import { ratesSuite } from '../../../core/test/suite/rates.js';
import { queryErrorsSuite } from '../../../core/test/suite/query-errors.js';
import { rejectedBatchesSuite } from '../../../core/test/suite/rejected-batches.js';
import { stagedSuite } from '../../../core/test/suite/staged.js';
import { revertSuite } from '../../../core/test/suite/revert.js';
import { versionsSuite } from '../../../core/test/suite/versions.js';
import { referenceSuite } from '../../../core/test/suite/reference.js';
import { compactSuite } from '../../../core/test/suite/compact.js';
import { clusterStores, usePostgres } from './pg-cluster.js';

const server = usePostgres({ max_connections: '200' });

const cluster = clusterStores(server, classicBackend(), 2);
describe(cluster.name, () => {
  for (const suite of [writeSuite, ratesSuite, queryErrorsSuite, rejectedBatchesSuite, stagedSuite, revertSuite, versionsSuite, referenceSuite, compactSuite]) suite(cluster);
});
