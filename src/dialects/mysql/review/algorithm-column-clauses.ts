/**
 * The column clauses of ALTER TABLE against the online DDL table: ADD, DROP, RENAME, and CHANGE/MODIFY taken
 * apart into what they change (type or character set, NULL-ability, position, name), each part judged and
 * the parts combined like the clauses of a statement.
 */
import { bytesPerCharacter, memberStorageBytes, members, normalizeType, sameCharset, variableLength } from './algorithm-columns.js'
import { onEngine, reached } from './algorithm-engines.js'
import {
  ALGORITHM_RANK,
  compressed,
  copy,
  findColumn,
  indexesWith,
  inplace,
  instant,
  isPrimary,
  product,
  redundant,
  type ClauseContext,
  type Column,
  type Judgement
} from './algorithm-judgement.js'
import type { AlterClause } from './node.js'

export function addColumn(clause: Extract<AlterClause, { op: 'add-column' }>, context: ClauseContext): Judgement {
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

export function dropColumn(name: string, context: ClauseContext): Judgement {
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

export function renameColumn(context: ClauseContext): Judgement {
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
export function widen(oldBytes: number, newBytes: number, context: ClauseContext): Judgement {
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

export function changeColumn(clause: Extract<AlterClause, { op: 'change-column' }>, context: ClauseContext): Judgement {
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
