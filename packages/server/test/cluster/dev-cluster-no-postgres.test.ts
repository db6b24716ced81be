/** `ratestore dev --cluster N` on a machine without PostgreSQL's binaries (here: none found where Debian puts them). */
import { describe, expect, it, vi } from 'vitest';
import { cli } from '../helpers/cli.js';

vi.mock('../../src/cluster/throwaway-postgres.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/cluster/throwaway-postgres.js')>()),
  installedPostgresBin: () => undefined
}));

describe('ratestore dev --cluster N without PostgreSQL installed', () => {
  it('says which Debian package to install, with its own code', async () => {
    const run = await cli(['dev', '--cluster', '2', '--port', '0']);
    expect(run).toEqual({
      code: 1,
      stdout: '',
      stderr: 'error RATESTORE_POSTGRES_NOT_INSTALLED: PostgreSQL\'s server binaries are not installed (no /usr/lib/postgresql/*/bin/pg_ctl): install Debian\'s postgresql package (sudo apt-get install postgresql)\n'
    });
  });
});
