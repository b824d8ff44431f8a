/**
 * A normalised dump of one MySQL/MariaDB database, for tests that compare two databases built different
 * ways: what information_schema says of its tables (engine, collation), columns (type, nullability,
 * default), indexes, constraints, foreign keys, views, routines and triggers, plus every table's row count.
 * Volatile facts (AUTO_INCREMENT counters, sizes, times) are left out, the database's own name is replaced
 * by `<db>`, and tables whose names start with one of `exclude` (the migration tool's own) are left out.
 */
import mysql from 'mysql2/promise'

export interface MysqlSchemaDump {
  tables: Record<string, unknown>[]
  columns: Record<string, unknown>[]
  statistics: Record<string, unknown>[]
  tableConstraints: Record<string, unknown>[]
  keyColumnUsage: Record<string, unknown>[]
  referentialConstraints: Record<string, unknown>[]
  views: Record<string, unknown>[]
  routines: Record<string, unknown>[]
  parameters: Record<string, unknown>[]
  triggers: Record<string, unknown>[]
  /** Table name → number of rows (base tables only). */
  rowCounts: Record<string, number>
}

/** Each section: its information_schema table, the columns kept, the column naming the table (if any), its order. */
const SECTIONS: Array<{
  key: Exclude<keyof MysqlSchemaDump, 'rowCounts'>
  from: string
  columns: string[]
  table?: string
  order: string
}> = [
  {
    key: 'tables',
    from: 'TABLES',
    columns: ['TABLE_NAME', 'TABLE_TYPE', 'ENGINE', 'ROW_FORMAT', 'TABLE_COLLATION', 'CREATE_OPTIONS', 'TABLE_COMMENT'],
    table: 'TABLE_NAME',
    order: 'TABLE_NAME'
  },
  {
    key: 'columns',
    from: 'COLUMNS',
    columns: [
      'TABLE_NAME',
      'ORDINAL_POSITION',
      'COLUMN_NAME',
      'COLUMN_TYPE',
      'IS_NULLABLE',
      'COLUMN_DEFAULT',
      'CHARACTER_SET_NAME',
      'COLLATION_NAME',
      'COLUMN_KEY',
      'EXTRA',
      'COLUMN_COMMENT',
      'GENERATION_EXPRESSION'
    ],
    table: 'TABLE_NAME',
    order: 'TABLE_NAME, ORDINAL_POSITION'
  },
  {
    key: 'statistics',
    from: 'STATISTICS',
    columns: ['TABLE_NAME', 'INDEX_NAME', 'NON_UNIQUE', 'SEQ_IN_INDEX', 'COLUMN_NAME', 'COLLATION', 'SUB_PART', 'NULLABLE', 'INDEX_TYPE'],
    table: 'TABLE_NAME',
    order: 'TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX'
  },
  {
    key: 'tableConstraints',
    from: 'TABLE_CONSTRAINTS',
    columns: ['TABLE_NAME', 'CONSTRAINT_NAME', 'CONSTRAINT_TYPE'],
    table: 'TABLE_NAME',
    order: 'TABLE_NAME, CONSTRAINT_NAME, CONSTRAINT_TYPE'
  },
  {
    key: 'keyColumnUsage',
    from: 'KEY_COLUMN_USAGE',
    columns: [
      'TABLE_NAME',
      'CONSTRAINT_NAME',
      'ORDINAL_POSITION',
      'COLUMN_NAME',
      'POSITION_IN_UNIQUE_CONSTRAINT',
      'REFERENCED_TABLE_SCHEMA',
      'REFERENCED_TABLE_NAME',
      'REFERENCED_COLUMN_NAME'
    ],
    table: 'TABLE_NAME',
    order: 'TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION'
  },
  {
    key: 'referentialConstraints',
    from: 'REFERENTIAL_CONSTRAINTS',
    columns: [
      'TABLE_NAME',
      'CONSTRAINT_NAME',
      'UNIQUE_CONSTRAINT_SCHEMA',
      'REFERENCED_TABLE_NAME',
      'MATCH_OPTION',
      'UPDATE_RULE',
      'DELETE_RULE'
    ],
    table: 'TABLE_NAME',
    order: 'TABLE_NAME, CONSTRAINT_NAME'
  },
  {
    key: 'views',
    from: 'VIEWS',
    columns: [
      'TABLE_NAME',
      'VIEW_DEFINITION',
      'CHECK_OPTION',
      'IS_UPDATABLE',
      'DEFINER',
      'SECURITY_TYPE',
      'CHARACTER_SET_CLIENT',
      'COLLATION_CONNECTION'
    ],
    table: 'TABLE_NAME',
    order: 'TABLE_NAME'
  },
  {
    key: 'routines',
    from: 'ROUTINES',
    columns: [
      'ROUTINE_NAME',
      'ROUTINE_TYPE',
      'DTD_IDENTIFIER',
      'ROUTINE_BODY',
      'ROUTINE_DEFINITION',
      'IS_DETERMINISTIC',
      'SQL_DATA_ACCESS',
      'SECURITY_TYPE',
      'SQL_MODE',
      'ROUTINE_COMMENT',
      'DEFINER',
      'CHARACTER_SET_CLIENT',
      'COLLATION_CONNECTION',
      'DATABASE_COLLATION'
    ],
    order: 'ROUTINE_TYPE, ROUTINE_NAME'
  },
  {
    key: 'parameters',
    from: 'PARAMETERS',
    columns: ['SPECIFIC_NAME', 'ORDINAL_POSITION', 'PARAMETER_MODE', 'PARAMETER_NAME', 'DTD_IDENTIFIER', 'ROUTINE_TYPE'],
    order: 'SPECIFIC_NAME, ORDINAL_POSITION'
  },
  {
    key: 'triggers',
    from: 'TRIGGERS',
    columns: [
      'TRIGGER_NAME',
      'EVENT_MANIPULATION',
      'EVENT_OBJECT_TABLE',
      'ACTION_ORDER',
      'ACTION_STATEMENT',
      'ACTION_TIMING',
      'SQL_MODE',
      'DEFINER',
      'CHARACTER_SET_CLIENT',
      'COLLATION_CONNECTION',
      'DATABASE_COLLATION'
    ],
    table: 'EVENT_OBJECT_TABLE',
    order: 'EVENT_OBJECT_TABLE, TRIGGER_NAME'
  }
]

/** Where the section's rows are this schema's: its schema column (REFERENTIAL_CONSTRAINTS and ROUTINES differ). */
function schemaColumn(from: string): string {
  if (from === 'ROUTINES' || from === 'PARAMETERS') return from === 'ROUTINES' ? 'ROUTINE_SCHEMA' : 'SPECIFIC_SCHEMA'
  if (from === 'REFERENTIAL_CONSTRAINTS') return 'CONSTRAINT_SCHEMA'
  if (from === 'TRIGGERS') return 'TRIGGER_SCHEMA'
  return 'TABLE_SCHEMA'
}

const quote = (name: string): string => `\`${name.replace(/`/g, '``')}\``

/** Replaces the database's own name (as an identifier or a plain value) so two databases compare equal. */
function normalise(value: unknown, database: string): unknown {
  if (Buffer.isBuffer(value)) value = value.toString('utf8')
  if (typeof value === 'bigint') return Number(value)
  if (typeof value !== 'string') return value
  if (value === database) return '<db>'
  return value.split(quote(database)).join('`<db>`')
}

/**
 * Dumps `database` on the server at `serverUrl` (any database in the URL is ignored). `exclude`: table name
 * prefixes left out of every section (for example `['schema_migrations']`).
 */
export async function dumpMysqlSchema(serverUrl: string, database: string, exclude: string[] = []): Promise<MysqlSchemaDump> {
  const connection = await mysql.createConnection({ uri: serverUrl, dateStrings: true, supportBigNumbers: true, charset: 'utf8mb4' })
  try {
    const excluded = (name: unknown): boolean => typeof name === 'string' && exclude.some((prefix) => name.startsWith(prefix))
    const dump = { rowCounts: {} } as MysqlSchemaDump
    for (const section of SECTIONS) {
      const [rows] = await connection.query(
        `SELECT ${section.columns.join(', ')} FROM information_schema.${section.from} WHERE ${schemaColumn(section.from)} = ? ORDER BY ${section.order}`,
        [database]
      )
      dump[section.key] = (rows as Record<string, unknown>[])
        .filter((row) => !section.table || !excluded(row[section.table]))
        .map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, normalise(v, database)])))
    }
    for (const table of dump.tables.filter((t) => t.TABLE_TYPE === 'BASE TABLE')) {
      const name = String(table.TABLE_NAME)
      const [rows] = await connection.query(`SELECT COUNT(*) AS n FROM ${quote(database)}.${quote(name)}`)
      dump.rowCounts[name] = Number((rows as Array<{ n: number | string }>)[0]!.n)
    }
    return dump
  } finally {
    await connection.end()
  }
}
