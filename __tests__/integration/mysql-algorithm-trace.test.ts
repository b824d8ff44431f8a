/**
 * Verification on MySQL proves which algorithm each pending ALTER takes: before each one runs for real on the
 * throwaway database, an empty copy of its table takes the statement with ALGORITHM=INSTANT, else INPLACE, else
 * COPY, and InnoDB's table id tells whether it rebuilt. The trace carries the proof per statement; the real
 * statements still run (the final schema says so), and no copy is left behind.
 */
import { mysql } from '../../src/dialects/mysql/index.js'
import { discoverMigrations } from '../../src/migrations/discover.js'
import type { Shadow, ShadowDialect } from '../../src/shadow/dialect.js'
import { verifyOnShadow } from '../../src/shadow/verify.js'
import { traceKey } from '../../src/review/types.js'
import { mysqlSql } from '../../testkit/mysql.js'
import { describeMysql, useMysqlServer } from '../../testkit/use-mysql-server.js'
import { writeMigrations } from '../../testkit/versions.js'

const VERSIONS = {
  'v1/01_orders.sql':
    "CREATE TABLE orders (id INT PRIMARY KEY, total INT, note VARCHAR(20)) ENGINE=InnoDB;\nINSERT INTO orders VALUES (1, 10, 'a');",
  'v2/01_change.sql': [
    // The table's name also stands in a string and a comment: only the name token is the copy's.
    "ALTER TABLE orders ADD COLUMN label VARCHAR(10) DEFAULT 'orders' /* orders */;",
    "UPDATE orders SET label = 'first' WHERE id = 1;",
    'ALTER TABLE `orders` MODIFY total BIGINT;',
    'CREATE INDEX orders_note ON orders (note);',
    'ALTER TABLE orders ADD COLUMN made INT NOT NULL DEFAULT 0, ALGORITHM=INPLACE;'
  ].join('\n')
}

/** The shadow part, with the final schema and the tables left read just before the scratch database is dropped. */
function observed(): { dialect: ShadowDialect; final: { columns: string[]; indexes: string[]; tables: string[] } } {
  const final = { columns: [] as string[], indexes: [] as string[], tables: [] as string[] }
  const dialect: ShadowDialect = {
    ...mysql.shadow,
    scratchDatabase: async (url, settings, log) => {
      const shadow: Shadow = await mysql.shadow.scratchDatabase(url, settings, log)
      return {
        ...shadow,
        cleanUp: async () => {
          const columns = await mysqlSql<{ c: string }>(
            shadow.url,
            "SELECT CONCAT(COLUMN_NAME, ' ', COLUMN_TYPE) AS c FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders' ORDER BY ORDINAL_POSITION"
          )
          const indexes = await mysqlSql<{ i: string }>(
            shadow.url,
            "SELECT DISTINCT INDEX_NAME AS i FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'orders' ORDER BY INDEX_NAME"
          )
          const tables = await mysqlSql<{ t: string }>(
            shadow.url,
            'SELECT TABLE_NAME AS t FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_NAME'
          )
          final.columns = columns.map((row) => row.c)
          final.indexes = indexes.map((row) => row.i)
          final.tables = tables.map((row) => row.t)
          await shadow.cleanUp()
        }
      }
    }
  }
  return { dialect, final }
}

describeMysql('verification proves the algorithm of each pending ALTER (MySQL)', () => {
  const server = useMysqlServer()

  test('instant ADD COLUMN, a type change that copies, an index added in place: proved per statement, and the statements ran', async () => {
    const { versions } = await discoverMigrations(mysql.syntax, writeMigrations(VERSIONS))
    const { dialect, final } = observed()
    const verification = await verifyOnShadow(dialect, versions, {
      engine: mysql.engine,
      shadowDatabaseUrl: server.url,
      pending: [2],
      log: () => {}
    })
    expect([verification.status, verification.message, verification.traceMessage]).toEqual(['passed', null, null])
    const trace = verification.trace!
    const version = (await mysqlSql<{ v: string }>(server.url, 'SELECT VERSION() AS v'))[0].v
    const name = `${/mariadb/i.test(version) ? 'MariaDB' : 'MySQL'} ${/^\d+\.\d+\.\d+/.exec(version)![0]}`

    expect(trace.get(traceKey(2, 0))?.algorithm).toEqual({ accepted: 'instant', rebuilt: false, server: name })
    // DML is not table DDL: not traced.
    expect(trace.has(traceKey(2, 1))).toBe(false)
    expect(trace.get(traceKey(2, 2))?.algorithm).toEqual({ accepted: 'copy', rebuilt: true, server: name })
    expect(trace.get(traceKey(2, 2))?.rewritten).toEqual(['orders'])
    expect(trace.get(traceKey(2, 3))?.algorithm).toEqual({ accepted: 'inplace', rebuilt: false, server: name })
    expect(trace.get(traceKey(2, 3))?.rewritten).toEqual([])
    // The statement asks for INPLACE itself: that is what the probe runs, and proves.
    expect(trace.get(traceKey(2, 4))?.algorithm).toMatchObject({ accepted: 'inplace', server: name })

    // The real statements ran: the final schema has them all, and no probe copy is left.
    // MySQL 8.0 shows integer types without a display width.
    const shown = (type: string): string => (name.startsWith('MySQL') ? type.replace(/\b(int|bigint)\(\d+\)/, '$1') : type)
    expect(final.columns).toEqual(['id int(11)', 'total bigint(20)', 'note varchar(20)', 'label varchar(10)', 'made int(11)'].map(shown))
    expect(final.indexes).toEqual(['orders_note', 'PRIMARY'])
    expect(final.tables.filter((table) => table.startsWith('aurora_migrate_probe_'))).toEqual([])
    expect(final.tables).toContain('orders')
  })

  test('a foreign key added by copy (its name free again for the real statement); what the copy cannot take is unproved, with why', async () => {
    const { versions } = await discoverMigrations(
      mysql.syntax,
      writeMigrations({
        'v1/01_orders.sql':
          'CREATE TABLE parent (id INT PRIMARY KEY) ENGINE=InnoDB;\nCREATE TABLE orders (id INT PRIMARY KEY, parent_id INT, KEY (parent_id)) ENGINE=InnoDB;',
        'v2/01_keys.sql': [
          'ALTER TABLE orders ADD CONSTRAINT orders_parent FOREIGN KEY (parent_id) REFERENCES parent (id);',
          'ALTER TABLE orders DROP FOREIGN KEY orders_parent;',
          'ALTER TABLE missing ADD COLUMN note INT;'
        ].join('\n')
      })
    )
    const verification = await verifyOnShadow(mysql.shadow, versions, {
      engine: mysql.engine,
      shadowDatabaseUrl: server.url,
      pending: [2],
      log: () => {}
    })
    // The last statement fails for real: no such table. The two before it ran.
    expect(verification.status).toBe('failed')
    expect(verification.versions.find((v) => v.version === 2)?.error?.message).toMatch(/missing/)
    // With foreign_key_checks on, both MySQL 8.0 and MariaDB add a foreign key only by copying.
    expect(verification.trace?.get(traceKey(2, 0))?.algorithm).toMatchObject({ accepted: 'copy', rebuilt: true })
    expect(verification.trace?.get(traceKey(2, 1))?.algorithm).toEqual({
      unproved: 'CREATE TABLE … LIKE copies no foreign keys, so the probe cannot drop one on its copy'
    })
    expect(verification.trace?.get(traceKey(2, 2))?.algorithm).toEqual({
      unproved: 'the table `missing` does not exist on the throwaway server before it'
    })
  })
})
