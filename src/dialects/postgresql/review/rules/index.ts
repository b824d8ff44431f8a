/**
 * PostgreSQL's rules: one file per rule, named by its id, holding its check and the fix it gives (its page is in
 * docs/rules.md); what several rules share is in support/. This is the registry: the order is the one "what was
 * checked" lists them in (the review adds its own rules after them).
 */
import type { Rule } from '../../../../review/types.js'
import { accessExclusiveHeld } from './access-exclusive-held.js'
import { addColumnNotNullWithoutDefault } from './add-column-not-null-without-default.js'
import { addColumnSerialOrIdentity } from './add-column-serial-identity.js'
import { addColumnStoredGenerated } from './add-column-stored-generated.js'
import { addColumnVolatileDefault } from './add-column-volatile-default.js'
import { alterColumnTypeRewrite } from './alter-column-type-rewrite.js'
import { alterDomainScan } from './alter-domain-scan.js'
import { attachPartitionScan } from './attach-partition-scan.js'
import { cluster } from './cluster.js'
import { constraintValidatedAtOnce } from './constraint-validated-at-once.js'
import { dropColumn } from './drop-column.js'
import { dropIndexNotConcurrent } from './drop-index-not-concurrent.js'
import { dropSchema } from './drop-schema.js'
import { dropTable } from './drop-table.js'
import { enumValueUsedInTransaction } from './enum-value-same-transaction.js'
import { foreignKeyWithoutIndex } from './foreign-key-without-index.js'
import { indexNotConcurrent } from './index-not-concurrent.js'
import { jsonColumn } from './json-column.js'
import { lockTable } from './lock-table.js'
import { refreshNotConcurrent } from './refresh-matview-not-concurrent.js'
import { reindexNotConcurrent } from './reindex-not-concurrent.js'
import { renameColumn } from './rename-column.js'
import { renameSchema } from './rename-schema.js'
import { renameTable } from './rename-table.js'
import { serialColumn } from './serial-column.js'
import { setLogged } from './set-logged.js'
import { setNotNull } from './set-not-null.js'
import { setUnlogged } from './set-unlogged.js'
import { tableRewrite } from './table-rewrite.js'
import { timestampWithoutTimeZone } from './timestamp-without-time-zone.js'
import { truncate } from './truncate.js'
import { unbatchedBackfill } from './unbatched-backfill.js'
import { uniqueConstraintLocks } from './unique-constraint-locks.js'
import { vacuumFull } from './vacuum-full.js'
import { validateInSameTransaction } from './validate-in-same-transaction.js'

/**
 * Rules about locks: statements that block application traffic on an existing table (or fail on one with
 * rows). A table created earlier in the pending versions is new and empty, so none of them fire on it; a
 * statement whose trace on the throwaway database shows no such lock does not fire either.
 */
export const LOCK_RULES: Rule[] = [
  indexNotConcurrent,
  dropIndexNotConcurrent,
  constraintValidatedAtOnce,
  validateInSameTransaction,
  setNotNull,
  addColumnNotNullWithoutDefault,
  uniqueConstraintLocks,
  attachPartitionScan,
  alterDomainScan,
  truncate,
  lockTable,
  vacuumFull,
  cluster,
  reindexNotConcurrent,
  refreshNotConcurrent
]

/**
 * The schema-change rules: what a pending statement changes that hurts a table already in production (a rewrite, a
 * lock held too long, a backfill in one transaction), breaks the application version still running (drop, rename),
 * fails on this database (an enum value used in the transaction that adds it), and type choices worth a notice.
 */
export const CHANGE_RULES: Rule[] = [
  addColumnVolatileDefault,
  addColumnStoredGenerated,
  addColumnSerialOrIdentity,
  alterColumnTypeRewrite,
  setLogged,
  setUnlogged,
  tableRewrite,
  dropColumn,
  dropTable,
  dropSchema,
  renameColumn,
  renameTable,
  renameSchema,
  unbatchedBackfill,
  accessExclusiveHeld,
  enumValueUsedInTransaction,
  timestampWithoutTimeZone,
  serialColumn,
  jsonColumn
]

/** Every rule of PostgreSQL's review, in order. */
export const RULES: readonly Rule[] = [...LOCK_RULES, foreignKeyWithoutIndex, ...CHANGE_RULES]
