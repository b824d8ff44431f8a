/**
 * What MySQL's rules share: the statement's node, how a table is keyed and named with its size, whether it existed
 * before the pending versions, and how a table's size sets a finding's severity.
 *
 * A table is keyed `schema.name` as the statement writes it, with an empty schema for the connection's default
 * database (`.orders`); messages name it `` `orders` `` or `` `shop`.`orders` ``, with what the target's catalog says of it.
 */
import type { RelationFacts, ReviewContext, ReviewStatement, Severity } from '../../../../review/types.js'
import { formatSize as formatBytes } from '../../../../review/size.js'
import type { MysqlNode, TableName } from '../node.js'

/** The statement's node as MySQL's reader gave it (the review core hands rules the node of the dialect's parser). */
export function nodeOf(statement: ReviewStatement): MysqlNode | null {
  const node = statement.node as Partial<MysqlNode>
  return typeof node?.kind === 'string' ? (node as MysqlNode) : null
}

/** The review's key of a table: `schema.name`, schema empty for the default database. */
export function tableKey(table: TableName): string {
  return `${table.schema ?? ''}.${table.name}`
}

/** The table a key names. */
export function tableOfKey(key: string): TableName {
  const dot = key.indexOf('.')
  const schema = key.slice(0, dot)
  return { schema: schema === '' ? null : schema, name: key.slice(dot + 1) }
}

/** A name in backticks, doubled backticks inside. */
export function backticked(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``
}

/** `` `orders` `` or `` `shop`.`orders` ``: how messages and SQL name a table. */
export function sqlTable(key: string): string {
  const table = tableOfKey(key)
  return table.schema === null ? backticked(table.name) : `${backticked(table.schema)}.${backticked(table.name)}`
}

export function factsOf(key: string, context: ReviewContext): RelationFacts | null {
  return context.catalog?.get(key) ?? null
}

/** Not created earlier in the pending versions, and (with a target) present in its catalog. */
export function existedBefore(key: string, context: ReviewContext): boolean {
  if (context.createdEarlier.has(key)) return false
  return context.catalog === null || context.catalog.has(key)
}

/** `1.2 GB`, `8 MB`, `16 KB` (MySQL's spelling). */
export function formatSize(bytes: number): string {
  return formatBytes(bytes, 'KB')
}

/** `` `orders` (≈40,000,000 rows, 38 GB) ``, or the name alone when the catalog says nothing. */
export function describeTable(key: string, context: ReviewContext): string {
  const facts = factsOf(key, context)
  const parts: string[] = []
  if (facts?.rows !== null && facts?.rows !== undefined && facts.rows >= 0)
    parts.push(`≈${Math.round(facts.rows).toLocaleString('en-US')} rows`)
  if (facts?.bytes !== null && facts?.bytes !== undefined) parts.push(formatSize(facts.bytes))
  return parts.length ? `${sqlTable(key)} (${parts.join(', ')})` : sqlTable(key)
}

/** A table this size or bigger makes a copy or rebuild an error: hours, not seconds. */
export const BIG = { rows: 1_000_000, bytes: 1024 ** 3 }
/** Smaller than this (both), it takes moments: a notice. */
export const SMALL = { rows: 10_000, bytes: 16 * 1024 ** 2 }

/**
 * How serious blocking or rebuilding a table is, by its size in the target's catalog: error when big, notice when
 * small, warning in between and when the size is not known (no target, or the catalog has no estimate).
 */
export function sizeSeverity(key: string, context: ReviewContext): Severity {
  const facts = factsOf(key, context)
  const rows = facts?.rows ?? null
  const bytes = facts?.bytes ?? null
  if (rows === null && bytes === null) return 'warning'
  if ((rows ?? 0) >= BIG.rows || (bytes ?? 0) >= BIG.bytes) return 'error'
  if ((rows ?? 0) < SMALL.rows && (bytes ?? 0) < SMALL.bytes) return 'notice'
  return 'warning'
}
