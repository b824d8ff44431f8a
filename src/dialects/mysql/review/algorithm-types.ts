/** The vocabulary of the online DDL prediction (algorithm.ts), apart so that its parts import it without a circle. */

export type Algorithm = 'instant' | 'inplace' | 'copy'
export type Lock = 'none' | 'shared' | 'exclusive'

/** The table as the review read it from the server; null: unknown, or created earlier in the same plan. */
export interface TableState {
  rows: number | null
  bytes: number | null
  hasFulltext: boolean
  /** INNODB_TABLES.TOTAL_ROW_VERSIONS (MySQL 8.0.29+); null where the server keeps none (MariaDB). */
  totalRowVersions: number | null
  rowFormat: string | null
  /** In table order. */
  columns: Array<{
    name: string
    /** COLUMN_TYPE, lower case. */
    type: string
    nullable: boolean
    charset: string | null
    /** CHARACTER_OCTET_LENGTH. */
    maxBytes: number | null
  }>
  /** ON … CASCADE / ON … SET NULL foreign keys on the table (the manual's LOCK=NONE limitation). */
  referencingForeignKeysWithCascade?: boolean
  /** The table's indexes (PRIMARY named `PRIMARY`); absent: not read, and no column is taken as indexed. */
  indexes?: Array<{ name: string; columns: string[] }>
  /** A SPATIAL index (a rebuild in place then permits no concurrent DML). */
  hasSpatial?: boolean
  /** The table's default character set: what a CHANGE/MODIFY without CHARACTER SET gives a string column. */
  defaultCharset?: string | null
}

export interface Server {
  flavor: 'mysql' | 'mariadb'
  /** `8.0.36`, or VERSION() as the server reports it. */
  version: string
}
