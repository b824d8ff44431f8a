/** PostgreSQL's engine part (see the engine section of ../dialect.ts and src/engine/dialect.ts). */
import type { StatementRecovery } from '../../engine/dialect.js'
import { quoteIdentifier } from '../../engine/meta.js'
import type { EnginePart } from '../dialect.js'
import { checkEffect, isMaintenance, snapshotBefore, statementEffect, type StatementEffect } from './effects.js'
import { classify, engineStatementHint } from './errors.js'
import { historySql } from './history-sql.js'
import { dropIndexStatement, findIndex, invalidIndexesOn, parseCreateIndexConcurrently, type ConcurrentIndex } from './indexes.js'
import { leaseSql } from './lease-sql.js'
import { metaSql } from './meta-sql.js'
import { findRunningStatement } from './running.js'
import { sessionSettings } from './session.js'

const recovery: StatementRecovery<ConcurrentIndex, StatementEffect> = {
  concurrentBuild: parseCreateIndexConcurrently,
  findBuilt: findIndex,
  invalidOn: invalidIndexesOn,
  dropStatement: dropIndexStatement,
  checkInvalidHint: 'Check whether it left an INVALID index behind (pg_index.indisvalid) and drop it with DROP INDEX CONCURRENTLY.',
  buildProgressHint: 'see pg_stat_progress_create_index',
  isMaintenance,
  statementEffect,
  snapshotBefore,
  checkEffect,
  findRunning: findRunningStatement
}

/** DDL is transactional in PostgreSQL: a version is one fenced transaction (CREATE INDEX CONCURRENTLY and the like excepted). */
export const engine: EnginePart = {
  name: 'PostgreSQL',
  unqualifiedScope: 'this database (with its search_path)',
  schemasInDatabase: true,
  readOnlyTransaction: 'SET TRANSACTION READ ONLY',
  transactionalDdl: true,
  commitsImplicitly: () => false,
  quoteIdentifier,
  meta: metaSql,
  history: historySql,
  lease: leaseSql,
  sessionSettings,
  statementSettings: () => [],
  classify,
  engineStatementHint,
  recovery
}
