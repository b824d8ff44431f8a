/**
 * MySQL's rules: one file per rule, named by its id (without the `mysql-` prefix), holding its check and its fix
 * (its page is in docs/rules.md). The order is the one "what was checked" lists them in.
 */
import type { Rule } from '../../../../review/types.js'
import { dmlBeforeDdl } from './dml-before-ddl.js'
import {
  algorithmDisagreement,
  algorithmRefused,
  alterCopy,
  charsetConversion,
  columnPosition,
  columnTypeChange,
  foreignKeyCopy,
  fulltextSpatialIndex,
  instantRowVersions,
  tableRebuild,
  varcharBoundary
} from './online-ddl.js'
import { dropOrRename } from './drop-or-rename.js'
import { ifNotExists } from './if-not-exists.js'
import { metadataLock } from './metadata-lock.js'
import { nonTransactionalTable } from './non-transactional-table.js'
import { severalAlters } from './several-alters.js'
import { redundantIndex } from './redundant-index.js'
import { tableWithoutPrimaryKey } from './table-without-primary-key.js'
import { truncate } from './truncate.js'
import { unbatchedBackfill } from './unbatched-backfill.js'

export const MYSQL_RULES: readonly Rule[] = [
  algorithmRefused,
  instantRowVersions,
  columnTypeChange,
  varcharBoundary,
  charsetConversion,
  foreignKeyCopy,
  alterCopy,
  fulltextSpatialIndex,
  columnPosition,
  tableRebuild,
  algorithmDisagreement,
  metadataLock,
  ifNotExists,
  severalAlters,
  truncate,
  dropOrRename,
  unbatchedBackfill,
  nonTransactionalTable,
  dmlBeforeDdl,
  tableWithoutPrimaryKey,
  redundantIndex
]
