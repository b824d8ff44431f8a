/**
 * One ALTER TABLE clause against the MySQL 8.0 online DDL table (manual §17.12.1), alone: the algorithm it
 * allows at best, whether it rebuilds the table and lets DML go on, and — when it could be instant — how it
 * runs once the statement as a whole runs in place. algorithm.ts combines the clauses of a statement; the
 * column clauses are algorithm-column-clauses.ts. Where MariaDB differs, the value comes from
 * ENGINE_DIFFERENCES (algorithm-engines.ts).
 */
import { normalizeType, sameCharset, variableLength } from './algorithm-columns.js'
import { addColumn, changeColumn, dropColumn, renameColumn, widen } from './algorithm-column-clauses.js'
import { onEngine } from './algorithm-engines.js'
import { copy, inplace, instant, isPrimary, metadataOption, type ClauseContext, type Judgement } from './algorithm-judgement.js'
import type { AlterClause } from './node.js'

function addIndex(clause: Extract<AlterClause, { op: 'add-index' }>, context: ClauseContext): Judgement {
  const { state } = context
  const kind = clause.index.kind
  if (context.ignore && (kind === 'unique' || kind === 'primary') && onEngine('ignoreCopiesForUniqueIndex', context.server.flavor))
    return copy('ALTER IGNORE with a new UNIQUE or PRIMARY KEY copies the table to drop the duplicate rows.')
  if (kind === 'primary') return inplace('Adding a primary key rebuilds the table in place, as the rows are stored in its order.', true)
  if (kind === 'spatial') return inplace('A SPATIAL index is built in place without a rebuild, but without concurrent DML.', false, false)
  if (kind === 'fulltext') {
    const hasDocumentId = state?.columns.some((column) => column.name.toUpperCase() === 'FTS_DOC_ID') ?? false
    return state?.hasFulltext || hasDocumentId
      ? inplace('A further FULLTEXT index is built in place without a rebuild, but without concurrent DML.', false, false)
      : inplace(
          'The first FULLTEXT index adds a hidden FTS_DOC_ID column, so the table is rebuilt in place without concurrent DML.',
          true,
          false
        )
  }
  return inplace('A secondary index is built in place while reads and writes go on.', false)
}

function dropPrimaryKey(context: ClauseContext): Judgement {
  const addsOne = context.clauses.some(
    (clause) => (clause.op === 'add-index' && clause.index.kind === 'primary') || (clause.op === 'add-column' && clause.column.primaryKey)
  )
  return addsOne
    ? inplace('Replacing the primary key rebuilds the table in place.', true)
    : copy('Dropping the primary key without adding another is only done by copying the table.')
}

function convertCharset(charset: string, context: ClauseContext): Judgement {
  const { state } = context
  const { flavor } = context.server
  const copying = copy(`Converting the string columns to ${charset} rewrites every value, so the table is copied without concurrent DML.`)
  if (!state) return copying
  const changing = state.columns.filter((column) => column.charset !== null && !sameCharset(column.charset, charset))
  if (changing.length === 0) return metadataOption(`Every column is already ${charset}, so only the table's default changes.`, flavor)
  if (!onEngine('instantUtf8mb3ToUtf8mb4', flavor) || !sameCharset(charset, 'utf8mb4')) return copying
  if (!changing.every((column) => sameCharset(column.charset, 'utf8mb3'))) return copying
  // CONVERT also turns TINYTEXT, TEXT and MEDIUMTEXT into the next larger type, and ENUM/SET values are converted one by one.
  const blocked = changing.find((column) => /^(tinytext|text|mediumtext|enum|set)\b/.test(normalizeType(column.type)))
  if (blocked)
    return copy(
      `CONVERT changes the ${normalizeType(blocked.type).replace(/\(.*$/, '').toUpperCase()} column ${blocked.name} beyond its character set, so the table is copied.`
    )
  for (const column of changing) {
    const length = variableLength(column.type)
    const widened = length ? widen(column.maxBytes ?? length.length * 3, length.length * 4, context) : null
    if (widened?.algorithm === 'copy') return widened
  }
  return instant('MariaDB converts utf8mb3 CHAR, VARCHAR and LONGTEXT columns to utf8mb4 instantly.', false)
}

function tableOption(option: string, context: ClauseContext): Judgement {
  const name = option.toLowerCase()
  if (name === 'key_block_size') return inplace('Changing KEY_BLOCK_SIZE rebuilds the table in place.', true)
  if (name === 'tablespace') return inplace('Moving the table to another tablespace rebuilds it in place.', true)
  if (name === 'encryption') return copy('Turning file-per-table encryption on or off is only done by copying the table.')
  return metadataOption(`${option.toUpperCase()}= changes only metadata.`, context.server.flavor)
}

function partition(action: string): Judgement {
  const verb = action.trim().toLowerCase().split(/\s+/)[0] ?? ''
  if (
    verb === 'add' ||
    verb === 'drop' ||
    verb === 'truncate' ||
    verb === 'exchange' ||
    verb === 'analyze' ||
    verb === 'check' ||
    verb === 'repair'
  )
    return inplace(`${verb.toUpperCase()} PARTITION is done in place (ADD PARTITION copies rows for HASH and KEY partitioning).`, false)
  if (verb === 'coalesce' || verb === 'reorganize' || verb === 'rebuild')
    return inplace(`${verb.toUpperCase()} PARTITION moves rows in place without concurrent DML.`, true, false)
  return copy('Repartitioning, removing partitioning or this partition clause copies the table.')
}

/** The online DDL row for one clause. */
export function judgeClause(clause: AlterClause, context: ClauseContext): Judgement {
  const { flavor } = context.server
  switch (clause.op) {
    case 'add-column':
      return addColumn(clause, context)
    case 'drop-column':
      return dropColumn(clause.column, context)
    case 'rename-column':
      return renameColumn(context)
    case 'change-column':
      return changeColumn(clause, context)
    case 'set-default':
    case 'drop-default':
      return instant('A column default lives in the data dictionary, so changing it changes only metadata (INSTANT).', false)
    case 'add-index':
      return addIndex(clause, context)
    case 'drop-index':
      return isPrimary(clause.name)
        ? dropPrimaryKey(context)
        : inplace('Dropping an index is done in place and changes only metadata.', false)
    case 'rename-index':
      return onEngine('renameIndex', flavor) === 'instant'
        ? instant('Renaming an index changes only metadata (INSTANT).', false)
        : inplace('Renaming an index is done in place and changes only metadata.', false)
    case 'drop-primary-key':
      return dropPrimaryKey(context)
    case 'add-foreign-key':
      if (context.session.foreignKeyChecks)
        return copy('With foreign_key_checks=1 the existing rows are checked, which only ALGORITHM=COPY does.')
      return onEngine('foreignKeyMetadata', flavor) === 'instant'
        ? instant('With foreign_key_checks=0 the foreign key is added unchecked, changing only metadata (INSTANT).', false)
        : inplace('With foreign_key_checks=0 the foreign key is added in place unchecked, changing only metadata.', false)
    case 'drop-foreign-key':
      return onEngine('foreignKeyMetadata', flavor) === 'instant'
        ? instant('Dropping a foreign key changes only metadata (INSTANT).', false)
        : inplace('Dropping a foreign key is done in place and changes only metadata.', false)
    case 'add-check':
      return copy('A new enforced CHECK constraint is validated against every row, which only a table copy does.')
    case 'drop-check':
      return instant('Dropping a CHECK constraint changes only metadata (INSTANT).', false)
    case 'rename-table':
      return instant('Renaming the table changes only metadata (INSTANT).', false)
    case 'convert-charset':
      return convertCharset(clause.charset, context)
    case 'default-charset':
      return metadataOption("The table's default character set applies to new columns only, so only metadata changes.", flavor)
    case 'engine':
      return clause.engine.toLowerCase() === 'innodb'
        ? inplace('ENGINE=InnoDB on an InnoDB table rebuilds it in place (a null rebuild).', true)
        : copy(`Moving the table to the ${clause.engine} engine copies it.`)
    case 'row-format':
      return inplace('Changing ROW_FORMAT rebuilds the table in place.', true)
    case 'force':
      return inplace(
        clause.text.toUpperCase().startsWith('OPTIMIZE')
          ? 'OPTIMIZE TABLE recreates an InnoDB table in place.'
          : 'FORCE rebuilds the table in place.',
        true
      )
    case 'table-option':
      return tableOption(clause.option, context)
    case 'partition':
      return partition(clause.action)
    case 'unknown':
      return copy('The clause is not one the review reads, so it assumes the worst: a table copy without concurrent DML.')
  }
}
