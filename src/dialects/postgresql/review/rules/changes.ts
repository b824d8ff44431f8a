/**
 * The schema-change rules: what a pending statement changes that hurts a table already in production (a rewrite, a
 * lock held too long, a backfill in one transaction), breaks the application version still running (drop, rename),
 * fails on this database (an enum value used in the transaction that adds it), and type choices worth a notice.
 * Each rule's page is in docs/rules.md.
 */
import type { Rule } from '../../../../review/types.js'
import { addColumnSerialOrIdentity, addColumnStoredGenerated, addColumnVolatileDefault } from './add-column.js'
import { alterColumnTypeRewrite } from './column-type.js'
import { dropColumn, dropSchema, dropTable, renameColumn, renameSchema, renameTable } from './destructive.js'
import { setLogged, setUnlogged } from './persistence.js'
import { tableRewrite } from './rewrite.js'
import { jsonColumn, serialColumn, timestampWithoutTimeZone } from './style.js'
import { accessExclusiveHeld, enumValueUsedInTransaction, unbatchedBackfill } from './transaction.js'

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
