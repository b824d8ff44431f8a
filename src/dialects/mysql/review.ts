/**
 * MySQL's review part (see the review section of ../dialect.ts): statements read by the dialect's clause reader
 * (review/parse.ts: measured against node-sql-parser on 321 statements, see its commit), the tables they name keyed
 * `schema.name` with an empty schema for the connection's default database, the rules (review/rules/), and one read
 * of the target's catalog (review/catalog.ts) that also brings the server's facts and the settings verification
 * makes its throwaway database like.
 *
 * The reader refuses nothing: a statement it cannot read is left out of the review (the server's own verdict comes
 * from verification's throwaway server), never reported as a syntax error it might not be.
 */
import type { Parser, ReviewDialect, StatementNode } from '../../review/dialect.js'
import type { ReviewPart } from '../dialect.js'
import { readMysqlCatalog } from './review/catalog.js'
import type { MysqlNode, TableName } from './review/node.js'
import { parseMysqlStatement } from './review/parse.js'
import { MYSQL_RULES } from './review/rules/index.js'
import { tableKey } from './review/rules/support.js'

const READER: Parser = {
  parse: (sql) => ({ node: parseMysqlStatement(sql) as StatementNode | null, error: null }),
  parseStatement: (sql) => parseMysqlStatement(sql) as StatementNode | null
}

const asNode = (node: StatementNode) => node as unknown as MysqlNode

/** The tables a statement creates. */
function created(node: MysqlNode): TableName[] {
  if (node.kind === 'create-table') return [node.table]
  if (node.kind === 'rename-table') return node.renames.map((r) => r.to)
  if (node.kind === 'alter-table') return node.clauses.flatMap((c) => (c.op === 'rename-table' ? [c.to] : []))
  if (node.kind === 'create-view') return node.names
  return []
}

/** Every table a statement names. */
function named(node: MysqlNode): TableName[] {
  switch (node.kind) {
    case 'alter-table':
      return [
        node.table,
        ...node.clauses.flatMap((c) => (c.op === 'add-foreign-key' ? [c.references] : c.op === 'rename-table' ? [c.to] : []))
      ]
    case 'create-table':
      return [node.table, ...(node.like ? [node.like] : []), ...node.foreignKeys.map((fk) => fk.references)]
    case 'create-index':
    case 'drop-index':
    case 'truncate':
    case 'insert':
    case 'replace':
      return [node.table]
    case 'drop-table':
    case 'update':
    case 'delete':
      return node.tables
    case 'rename-table':
      return node.renames.flatMap((r) => [r.from, r.to])
    case 'create-trigger':
    case 'drop-trigger':
      return node.table ? [node.table] : []
    default:
      return []
  }
}

const keys = (tables: TableName[]) => [...new Set(tables.map(tableKey))]

export const review: ReviewPart = {
  displayName: 'MySQL',
  parserName: 'the MySQL clause reader',
  catalogShows: 'engine, rows, size, columns, indexes, foreign keys and row versions of each table touched, and long open transactions',
  traceShows: 'the algorithm the server accepts for each ALTER, and the tables it rebuilds',
  parses: true,
  loadParser: () => Promise.resolve(READER),
  createdRelations: (node) => keys(created(asNode(node))),
  namedRelations: (node) => keys(named(asNode(node))),
  indexColumns: (node) => {
    const n = asNode(node)
    if (n.kind === 'create-index') return [{ relation: tableKey(n.table), columns: n.index.columns }]
    if (n.kind === 'create-table') return n.indexes.map((index) => ({ relation: tableKey(n.table), columns: index.columns }))
    if (n.kind === 'alter-table')
      return n.clauses.flatMap((c) => (c.op === 'add-index' ? [{ relation: tableKey(n.table), columns: c.index.columns }] : []))
    return []
  },
  rules: MYSQL_RULES,
  async readCatalog(target, relations, options) {
    const catalog = await readMysqlCatalog(target, relations, options)
    // Each table's facts carry the server they were read on: what an ALTER does depends on its version.
    for (const facts of catalog.facts.values()) facts.server = catalog.server
    return { facts: catalog.facts, settings: catalog.settings }
  }
} satisfies ReviewDialect
