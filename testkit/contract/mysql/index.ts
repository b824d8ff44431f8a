/**
 * MySQL's fixture for the contract suites: databases on the test file's own MariaDB/MySQL server
 * (testkit/use-mysql-server.ts, started per file by `describe` below), over the direct URL, the Data API
 * (the emulator in MySQL mode) and the runner Lambda, with MySQL's engine cases (engine-cases.ts).
 */
import { wire } from '../../../src/dialects/mysql/wire.js'
import { MysqlTarget } from '../../../src/targets/mysql.js'
import { createMysqlDatabase, mysqlSql } from '../../mysql.js'
import { currentMysqlServer, describeMysql, useMysqlServer } from '../../use-mysql-server.js'
import type { DialectFixture } from '../fixture.js'
import { engineCases } from './engine-cases.js'
import { targetContract } from './target-contract.js'

export const mysql: DialectFixture = {
  name: 'mysql',
  describe: (title, suite) =>
    describeMysql(title, () => {
      useMysqlServer()
      suite()
    }),
  transports: ['url', 'data-api', 'lambda'],
  serverUrl: () => currentMysqlServer().url,
  createDatabase: (prefix) => createMysqlDatabase(currentMysqlServer().url, prefix),
  urlTarget: (url) => new MysqlTarget(url, { wire }),
  sql: mysqlSql,
  async relationExists(url, name) {
    const rows = await mysqlSql<{ n: number }>(
      url,
      'SELECT (SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?) + ' +
        '(SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND INDEX_NAME = ?) AS n',
      [name, name]
    )
    return Number(rows[0].n) > 0
  },
  targetContract,
  engineCases
}
