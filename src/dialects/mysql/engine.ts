/** MySQL's engine part (see the engine section of ../dialect.ts and src/engine/dialect.ts); Aurora MySQL 3 and MariaDB 10.11. */
import type { EnginePart } from '../dialect.js'
import { classify, engineStatementHint } from './errors.js'
import { historySql } from './history-sql.js'
import { commitsImplicitly } from './implicit-commit.js'
import { leaseSql } from './lease-sql.js'
import { metaSql } from './meta-sql.js'
import { recovery } from './recovery.js'
import { sessionSettings } from './session.js'
import { quoteIdentifier } from './identifiers.js'
import { lockHolders } from './lock-holders.js'
import { tableLockBlockers } from './metadata-locks.js'
import { versionRoutine } from './version-routine.js'

/** DDL commits by itself in MySQL: every version runs in steps, each DDL alone and journaled. */
export const engine: EnginePart = {
  name: 'MySQL',
  unqualifiedScope: 'the default database of the connection',
  schemasInDatabase: false,
  // START TRANSACTION READ ONLY would have to begin it; the transports begin their own.
  readOnlyTransaction: null,
  transactionalDdl: false,
  commitsImplicitly,
  quoteIdentifier,
  meta: metaSql,
  history: historySql,
  lease: leaseSql,
  sessionSettings,
  // SET SESSION holds outside a transaction too: the same statements bound a DDL run alone.
  statementSettings: sessionSettings,
  lockHolders,
  tableLockBlockers,
  classify,
  engineStatementHint,
  recovery,
  versionRoutine
}
