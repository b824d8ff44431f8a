/** PostgreSQL's fixture for the contract suites: databases on the shared embedded server (testkit/postgres.ts). */
import { wire } from '../../../src/dialects/postgresql/wire.js'
import { PostgresTarget } from '../../../src/targets/postgres.js'
import { ADMIN_URL_ENV, createTestDatabase, sql } from '../../postgres.js'
import type { DialectFixture } from '../fixture.js'
import { engineCases } from './engine-cases.js'
import { targetContract } from './target-contract.js'

export const postgresql: DialectFixture = {
  name: 'postgresql',
  // The integration project's global setup starts the server for every file.
  // eslint-disable-next-line jest/valid-title, jest/valid-describe-callback -- a wrapper: the title is a string, suite a function
  describe: (title, suite) => describe(title, suite),
  serverUrl: () => process.env[ADMIN_URL_ENV]!,
  createDatabase: (prefix) => createTestDatabase(prefix),
  urlTarget: (url) => new PostgresTarget(url, { wire }),
  sql,
  async relationExists(url, name) {
    const rows = await sql<{ t: string | null }>(url, 'SELECT to_regclass($1)::text AS t', [name])
    return rows[0].t !== null
  },
  targetContract,
  engineCases
}
