/**
 * One ALTER TABLE clause against the MySQL 8.0 online DDL table (manual §17.12.1), alone: the algorithm it
 * allows at best, whether it rebuilds the table and lets DML go on, and — when it could be instant — how it
 * runs once the statement as a whole runs in place. algorithm.ts combines the clauses of a statement.
 * Where MariaDB differs, the value comes from ENGINE_DIFFERENCES (algorithm-engines.ts).
 */
import type { Algorithm, TableState } from './algorithm.js'
import { bytesPerCharacter, memberStorageBytes, members, normalizeType, sameCharset, variableLength } from './algorithm-columns.js'
import { onEngine, reached, type Flavor } from './algorithm-engines.js'
import type { AlterClause } from './node.js'

export interface Judgement {
  algorithm: Algorithm
  rebuilds: boolean
  concurrentDml: boolean
  why: string
  /** Whether the clause rebuilds the table when the statement runs in place (its instant form is not taken). */
  inplaceRebuilds: boolean
  /** An instant ADD/DROP COLUMN: MySQL counts a row version for the statement. */
  rowVersion: boolean
}

export interface ClauseContext {
  state: TableState | null
  server: { flavor: Flavor; version: string }
  session: { foreignKeyChecks: boolean }
  /** All clauses of the statement (DROP PRIMARY KEY is judged with the ADD PRIMARY KEY beside it). */
  clauses: AlterClause[]
  /** ALTER IGNORE TABLE. */
  ignore: boolean
}

type Column = TableState['columns'][number]

const instant = (why: string, inplaceRebuilds: boolean, rowVersion = false): Judgement => ({
  algorithm: 'instant',
  rebuilds: false,
  concurrentDml: true,
  why,
  inplaceRebuilds,
  rowVersion
})
const inplace = (why: string, rebuilds: boolean, concurrentDml = true): Judgement => ({
  algorithm: 'inplace',
  rebuilds,
  concurrentDml,
  why,
  inplaceRebuilds: rebuilds,
  rowVersion: false
})
const copy = (why: string): Judgement => ({
  algorithm: 'copy',
  rebuilds: true,
  concurrentDml: false,
  why,
  inplaceRebuilds: true,
  rowVersion: false
})

export const ALGORITHM_RANK: Record<Algorithm, number> = { instant: 0, inplace: 1, copy: 2 }

const findColumn = (state: TableState, name: string): Column | undefined =>
  state.columns.find((column) => column.name.toLowerCase() === name.toLowerCase())
const compressed = (state: TableState | null) => state?.rowFormat?.toLowerCase() === 'compressed'
const redundant = (state: TableState | null) => state?.rowFormat?.toLowerCase() === 'redundant'
const indexesWith = (state: TableState | null, column: string) =>
  (state?.indexes ?? []).filter((index) => index.columns.some((name) => name.toLowerCase() === column.toLowerCase()))
const isPrimary = (name: string) => name.toUpperCase() === 'PRIMARY'
const product = (flavor: Flavor) => (flavor === 'mysql' ? 'MySQL' : 'MariaDB')

/** A table option that changes only metadata: instant on MariaDB, in place without a rebuild on MySQL. */
function metadataOption(why: string, flavor: Flavor): Judgement {
  return onEngine('metadataTableOptions', flavor) === 'instant' ? instant(why, false) : inplace(why, false)
}

function addColumn(clause: Extract<AlterClause, { op: 'add-column' }>, context: ClauseContext): Judgement {
  const { column, position } = clause
  const { flavor, version } = context.server
  if (column.generated === 'stored')
    return copy('A STORED generated column is computed for every row by the server, so the table is copied.')
  if (column.generated === 'virtual') return instant('A VIRTUAL generated column is not stored, so adding it changes only metadata.', false)
  if (column.autoIncrement)
    return inplace(
      'An AUTO_INCREMENT column is filled in for every row, so the table is rebuilt in place without concurrent DML.',
      true,
      false
    )
  if (column.primaryKey) return inplace('A new column that is the primary key rebuilds the table in place.', true)
  if (column.unique) return inplace('A new column with its own UNIQUE index is added in place with a table rebuild.', true)
  const since = onEngine('instantAddColumnSince', flavor)
  if (!reached(version, since))
    return inplace(`Before ${product(flavor)} ${since} a column is added by rebuilding the table in place.`, true)
  const anywhere = onEngine('instantAddColumnAnywhereSince', flavor)
  if (position !== 'last' && !reached(version, anywhere))
    return inplace(
      `Before ${product(flavor)} ${anywhere} only a last column is added instantly, so this one rebuilds the table in place.`,
      true
    )
  if (context.state?.hasFulltext) return inplace('A table with a FULLTEXT index cannot take an instant column, so it is rebuilt.', true)
  if (compressed(context.state))
    return inplace('A ROW_FORMAT=COMPRESSED table cannot take an instant column, so it is rebuilt in place.', true)
  return instant('Adding a column changes only metadata (INSTANT).', true, true)
}

function dropColumn(name: string, context: ClauseContext): Judgement {
  const { state } = context
  const { flavor, version } = context.server
  const since = onEngine('instantDropColumnSince', flavor)
  if (!reached(version, since))
    return inplace(`Before ${product(flavor)} ${since} a column is dropped by rebuilding the table in place.`, true)
  const indexes = indexesWith(state, name)
  const primary = indexes.find((index) => isPrimary(index.name))
  if (primary && primary.columns.length === 1)
    return copy('The column is the whole primary key, and dropping the primary key alone is only done by copying the table.')
  if (primary) return inplace('The column is part of the primary key, so dropping it rebuilds the table in place.', true)
  if (state?.hasFulltext) return inplace('A table with a FULLTEXT index cannot drop a column instantly, so it is rebuilt.', true)
  if (compressed(state)) return inplace('A ROW_FORMAT=COMPRESSED table cannot drop a column instantly, so it is rebuilt in place.', true)
  if (indexes.length > 0) {
    const rebuilds = onEngine('dropIndexedColumnRebuilds', flavor)
    return rebuilds
      ? inplace(`The index ${indexes[0].name} uses the column, so it is not dropped instantly but by rebuilding the table in place.`, true)
      : inplace(`The index ${indexes[0].name} uses the column, so it is dropped with the index in place, without a rebuild.`, false)
  }
  return instant('Dropping a column changes only metadata (INSTANT).', true, true)
}

function renameColumn(context: ClauseContext): Judgement {
  const { flavor, version } = context.server
  return reached(version, onEngine('instantRenameColumnSince', flavor))
    ? instant('Renaming a column changes only metadata (INSTANT).', false)
    : inplace('Renaming a column is done in place and changes only metadata.', false)
}

function reorderColumn(context: ClauseContext): Judgement {
  const { flavor, version } = context.server
  return reached(version, onEngine('instantReorderColumnSince', flavor))
    ? instant('Moving a column changes only metadata (INSTANT).', true)
    : inplace('Moving a column (FIRST or AFTER) rebuilds the table in place.', true)
}

function nullability(nullable: boolean, context: ClauseContext): Judgement {
  if (nullable && redundant(context.state) && onEngine('redundantRowFormatInstant', context.server.flavor))
    return instant('In a ROW_FORMAT=REDUNDANT table a column becomes NULL-able instantly.', true)
  return nullable
    ? inplace('Making the column NULL-able rebuilds the table in place.', true)
    : inplace('Making the column NOT NULL rebuilds the table in place (in strict sql_mode; it fails on existing NULLs).', true)
}

/** A VARCHAR/VARBINARY that grows (or changes utf8mb3 to utf8mb4) from oldBytes to newBytes. */
function widen(oldBytes: number, newBytes: number, context: ClauseContext): Judgement {
  const { flavor } = context.server
  const rule = onEngine('varcharWidening', flavor)
  const sameLengthPrefix = oldBytes <= 255 === newBytes <= 255
  const anyGrowth = rule.anyGrowthUpToBytes !== null && oldBytes <= rule.anyGrowthUpToBytes
  const anyInRedundant = redundant(context.state) && onEngine('redundantRowFormatInstant', flavor)
  if (!sameLengthPrefix && !anyGrowth && !anyInRedundant)
    return copy(
      `Growing from ${oldBytes} to ${newBytes} bytes makes the length prefix two bytes instead of one, which only a table copy does.`
    )
  const why = `Growing from ${oldBytes} to ${newBytes} bytes keeps the stored values as they are, so only metadata changes.`
  return rule.algorithm === 'instant' ? instant(why, false) : inplace(why, false)
}

function typeChange(old: Column, oldType: string, newType: string, newCharset: string | null, context: ClauseContext): Judgement {
  const { flavor } = context.server
  const charsetChanged = old.charset !== null && newCharset !== null && !sameCharset(old.charset, newCharset)
  const upgrade =
    charsetChanged &&
    onEngine('instantUtf8mb3ToUtf8mb4', flavor) &&
    sameCharset(old.charset, 'utf8mb3') &&
    sameCharset(newCharset, 'utf8mb4')
  const before = variableLength(oldType)
  const after = variableLength(newType)
  if (before && after && before.kind === after.kind && (!charsetChanged || upgrade)) {
    const oldBytes = old.maxBytes ?? before.length * bytesPerCharacter(before.kind === 'varchar' ? old.charset : null)
    const newBytes = after.length * bytesPerCharacter(after.kind === 'varchar' ? newCharset : null)
    if (newBytes < oldBytes) return copy(`Shrinking from ${oldBytes} to ${newBytes} bytes is only done by copying the table.`)
    return widen(oldBytes, newBytes, context)
  }
  // ENUM and SET values are converted one by one even then.
  if (upgrade && oldType === newType && !members(oldType))
    return instant('The column changes from utf8mb3 to utf8mb4, which MariaDB does instantly.', false)
  const oldMembers = members(oldType)
  const newMembers = members(newType)
  if (oldMembers && newMembers && oldMembers.kind === newMembers.kind && !charsetChanged) {
    const kind = oldMembers.kind.toUpperCase()
    const appended =
      newMembers.values.length > oldMembers.values.length && oldMembers.values.every((value, i) => newMembers.values[i] === value)
    if (!appended)
      return copy(`Removing, reordering or inserting ${kind} members renumbers the stored values, which only a table copy does.`)
    if (memberStorageBytes(oldMembers.kind, oldMembers.values.length) !== memberStorageBytes(newMembers.kind, newMembers.values.length))
      return copy(`With ${newMembers.values.length} members a ${kind} value takes more bytes, which only a table copy does.`)
    return instant(`Appending ${kind} members at the end changes only metadata (INSTANT).`, false)
  }
  if (charsetChanged)
    return copy(`Changing the column's character set from ${old.charset} to ${newCharset} converts every value, so the table is copied.`)
  return copy(`Changing the column type from ${oldType} to ${newType} is only done by copying the table, which blocks writes.`)
}

const STRING_TYPE = /^(char|varchar|tinytext|text|mediumtext|longtext|enum|set)\b/

function changeColumn(clause: Extract<AlterClause, { op: 'change-column' }>, context: ClauseContext): Judgement {
  const { state } = context
  const definition = clause.definition
  const old = state ? findColumn(state, clause.column) : undefined
  if (!state) return copy('The table is not known yet, so a column change is assumed to copy the table.')
  if (!old) return copy(`The table has no column ${clause.column} as read, so the change is assumed to copy the table.`)
  if (definition.generated === 'stored') return copy('Changing a STORED generated column is only done by copying the table.')
  const oldType = normalizeType(old.type)
  const newType = normalizeType(definition.type)
  // Without CHARACTER SET the column takes the table's default (when read), else keeps its own.
  const newCharset = STRING_TYPE.test(newType) ? (definition.charset ?? state.defaultCharset ?? old.charset) : null
  const parts: Judgement[] = []
  if (oldType !== newType || (old.charset !== null && newCharset !== null && !sameCharset(old.charset, newCharset)))
    parts.push(typeChange(old, oldType, newType, newCharset, context))
  const nullable = definition.primaryKey ? false : definition.notNull !== true
  if (nullable !== old.nullable) parts.push(nullability(nullable, context))
  const moves =
    clause.position === 'after' || (clause.position === 'first' && state.columns[0]?.name.toLowerCase() !== old.name.toLowerCase())
  if (moves) parts.push(reorderColumn(context))
  if (definition.name !== clause.column) parts.push(renameColumn(context))
  if (parts.length === 0) return instant('The new definition keeps the column as it is stored, so only metadata changes.', false)
  return combineParts(parts)
}

/** The parts of one CHANGE/MODIFY: the weakest algorithm; instant parts run in place when another part cannot be instant. */
function combineParts(parts: Judgement[]): Judgement {
  const worst = parts.reduce((a, b) => (ALGORITHM_RANK[b.algorithm] > ALGORITHM_RANK[a.algorithm] ? b : a))
  if (worst.algorithm === 'instant') return { ...worst, inplaceRebuilds: parts.some((part) => part.inplaceRebuilds) }
  const rebuilds = worst.algorithm === 'copy' || parts.some((part) => (part.algorithm === 'instant' ? part.inplaceRebuilds : part.rebuilds))
  const deciding = parts.find((part) => part.algorithm === worst.algorithm && part.rebuilds === rebuilds) ?? worst
  return { ...worst, rebuilds, concurrentDml: parts.every((part) => part.concurrentDml), why: deciding.why, inplaceRebuilds: rebuilds }
}

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
