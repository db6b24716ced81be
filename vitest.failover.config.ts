import { configDefaults, defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/** `npm run test:failover`: the PostgreSQL failover test (Patroni, etcd), apart from `npm test`. */
export default defineConfig({ ...base, test: { ...base.test, include: ['deploy/test/failover.test.ts'], exclude: configDefaults.exclude } });
