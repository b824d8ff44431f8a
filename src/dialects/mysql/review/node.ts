/**
 * What MySQL's review reads of a statement (the node its clause reader gives, see parse.ts): the statement's
 * kind, the tables it names, and for ALTER TABLE (and CREATE/DROP INDEX, which MySQL runs as one) each clause
 * with what the online DDL table (algorithm.ts) needs to judge it. Names are as written, unquoted (backticks
 * removed, doubled backticks undone); `schema` is null when the statement does not name one.
 */

export interface TableName {
  schema: string | null
  name: string
}

/** `ALGORITHM=` and `LOCK=` as the statement writes them; null when it says nothing. */
export type AlgorithmClause = 'default' | 'instant' | 'inplace' | 'copy' | null
export type LockClause = 'default' | 'none' | 'shared' | 'exclusive' | null

export interface IndexDefinition {
  /** null when the statement gives none (MySQL names it after its first column). */
  name: string | null
  kind: 'index' | 'unique' | 'primary' | 'fulltext' | 'spatial'
  columns: string[]
}

export interface ColumnDefinition {
  name: string
  /** The data type as written, lower-cased, without the column's attributes: `varchar(255)`, `int unsigned`, `enum('a','b')`. */
  type: string
  /** `NOT NULL` true, `NULL` false, neither null. */
  notNull: boolean | null
  hasDefault: boolean
  autoIncrement: boolean
  /** `GENERATED ALWAYS AS (…) VIRTUAL|STORED` (or `AS (…)`): which; null when not generated. */
  generated: 'virtual' | 'stored' | null
  /** `CHARACTER SET x` / `COLLATE y` on the column, lower-cased; null when not given. */
  charset: string | null
  collation: string | null
  /** `PRIMARY KEY` / `UNIQUE` written on the column itself. */
  primaryKey: boolean
  unique: boolean
}

/** One clause of ALTER TABLE. `text` is the clause as written (for messages). */
export type AlterClause = { text: string } & (
  | { op: 'add-column'; column: ColumnDefinition; position: 'last' | 'first' | 'after' }
  | { op: 'drop-column'; column: string }
  | { op: 'rename-column'; column: string; to: string }
  /** CHANGE old new type … / MODIFY col type …: the new definition, and where it moves (`last`: stays). */
  | { op: 'change-column'; column: string; definition: ColumnDefinition; position: 'last' | 'first' | 'after' }
  | { op: 'set-default'; column: string }
  | { op: 'drop-default'; column: string }
  | { op: 'add-index'; index: IndexDefinition }
  | { op: 'drop-index'; name: string }
  | { op: 'rename-index'; name: string; to: string }
  | { op: 'drop-primary-key' }
  | { op: 'add-foreign-key'; name: string | null; columns: string[]; references: TableName; referencedColumns: string[] }
  | { op: 'drop-foreign-key'; name: string }
  | { op: 'add-check'; name: string | null }
  | { op: 'drop-check'; name: string }
  | { op: 'rename-table'; to: TableName }
  /** CONVERT TO CHARACTER SET x [COLLATE y]. */
  | { op: 'convert-charset'; charset: string; collation: string | null }
  /** [DEFAULT] CHARACTER SET / COLLATE as a table option (new columns only). */
  | { op: 'default-charset'; charset: string | null; collation: string | null }
  | { op: 'engine'; engine: string }
  | { op: 'row-format'; format: string }
  | { op: 'force' }
  /** Any other table option (COMMENT=, AUTO_INCREMENT=, KEY_BLOCK_SIZE=, STATS_*): `option` lower-cased. */
  | { op: 'table-option'; option: string }
  | { op: 'partition'; action: string }
  /** A clause the reader does not know: the review says it could not judge it. */
  | { op: 'unknown' }
)

export type MysqlNode =
  | { kind: 'alter-table'; table: TableName; clauses: AlterClause[]; algorithm: AlgorithmClause; lock: LockClause; ignore: boolean }
  | {
      kind: 'create-table'
      table: TableName
      ifNotExists: boolean
      temporary: boolean
      /** CREATE TABLE … LIKE other / … AS SELECT / … SELECT. */
      like: TableName | null
      asSelect: boolean
      columns: ColumnDefinition[]
      indexes: IndexDefinition[]
      foreignKeys: Array<{ name: string | null; columns: string[]; references: TableName; referencedColumns: string[] }>
      engine: string | null
    }
  /** CREATE [UNIQUE|FULLTEXT|SPATIAL] INDEX … ON t (…): runs as ALTER TABLE t ADD INDEX. */
  | { kind: 'create-index'; table: TableName; index: IndexDefinition; algorithm: AlgorithmClause; lock: LockClause }
  | { kind: 'drop-index'; table: TableName; name: string; algorithm: AlgorithmClause; lock: LockClause }
  | { kind: 'drop-table'; tables: TableName[]; ifExists: boolean; temporary: boolean }
  | { kind: 'rename-table'; renames: Array<{ from: TableName; to: TableName }> }
  | { kind: 'truncate'; table: TableName }
  /** UPDATE / DELETE: the tables written, and whether a WHERE or LIMIT bounds them. */
  | { kind: 'update' | 'delete'; tables: TableName[]; where: boolean; limit: boolean }
  | { kind: 'insert' | 'replace'; table: TableName; select: boolean }
  | { kind: 'create-view' | 'drop-view'; names: TableName[] }
  | { kind: 'create-trigger' | 'drop-trigger'; name: TableName; table: TableName | null }
  | { kind: 'create-routine' | 'drop-routine' | 'create-event' | 'drop-event'; name: TableName }
  /** SET [SESSION|GLOBAL] var = …: the variables set, lower-cased, `@@`/scope words removed. */
  | { kind: 'set'; variables: string[] }
  | { kind: 'other'; verb: string }
