/** PostgreSQL's drift part (src/drift/dialect.ts): the schema snapshot over any transport and the SQL of each change. */
import type { DriftDialect } from '../../drift/dialect.js'
import { postgresTransition } from './drift-sql.js'
import { readDriftSnapshot, readRoles } from './shadow/schema-snapshot.js'

export const drift: DriftDialect = {
  snapshot: (target, { roles, bodies, history }) =>
    readDriftSnapshot(target, {
      roles,
      bodies,
      // The meta table and its lock and progress tables (`schema_migrations_lock`, …), as the catalog names them.
      leaveOut: (relation) => relation === history.display || relation.startsWith(`${history.display}_`)
    }),
  roles: readRoles,
  transition: postgresTransition
}
