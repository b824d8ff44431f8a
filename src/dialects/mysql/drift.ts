/** MySQL's drift part (src/drift/dialect.ts): the information_schema snapshot over any transport and the SQL of each change. */
import type { DriftDialect } from '../../drift/dialect.js'
import { createdWithMysqlTable, mysqlTransition } from './drift-sql.js'
import { readMysqlDriftSnapshot } from './drift-snapshot.js'

export const drift: DriftDialect = {
  snapshot: (target, { bodies, history }) => readMysqlDriftSnapshot(target, { bodies, history }),
  // Grants are not compared on MySQL yet: no role is the migrations'.
  roles: () => Promise.resolve([]),
  transition: mysqlTransition,
  createdWithTable: createdWithMysqlTable
}
