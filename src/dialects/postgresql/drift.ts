/** PostgreSQL's drift part (src/drift/dialect.ts): the schema snapshot over any transport and the SQL of each change. */
import type { DriftDialect } from '../../drift/dialect.js'
import { postgresTransition } from './drift-sql.js'
import { readDriftSnapshot, readRoles } from './shadow/schema-snapshot.js'

export const drift: DriftDialect = {
  snapshot: readDriftSnapshot,
  roles: readRoles,
  transition: postgresTransition
}
