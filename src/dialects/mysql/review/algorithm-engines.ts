/**
 * Where MariaDB's InnoDB chooses differently from MySQL 8.0's for the same ALTER TABLE: every difference the
 * algorithm table (algorithm.ts) applies by the server's flavor, in one place, each with where it comes from.
 * The MySQL side is the 8.0 manual (§17.12.1 "Online DDL Operations") or its source where the manual is silent
 * (storage/innobase/handler/handler0alter.cc); the MariaDB side is MariaDB's knowledge base and what MariaDB
 * 10.11 answered to `ALGORITHM=INSTANT|NOCOPY|INPLACE` and `LOCK=NONE` (__tests__/integration/mysql-algorithm-proof.test.ts
 * proves each row on whichever server the tests run).
 */
import type { Server } from './algorithm-types.js'

export type Flavor = Server['flavor']

/** A version from which something holds, or null: never. */
type Since = string | null

interface Difference<T> {
  mysql: T
  mariadb: T
  source: string
}

const MYSQL_MANUAL = 'MySQL 8.0 manual §17.12.1 Online DDL Operations (dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html)'
const MARIADB_INSTANT =
  'MariaDB KB "InnoDB Online DDL Operations with the INSTANT Alter Algorithm" (mariadb.com/kb/en/innodb-online-ddl-operations-with-algorithminstant)'
const HANDLER = 'mysql-server storage/innobase/handler/handler0alter.cc, ha_innobase::check_if_supported_inplace_alter'
const MEASURED = 'measured on MariaDB 10.11 (mysql-algorithm-proof.test.ts)'

interface EngineDifferences {
  instantAddColumnSince: Difference<Since>
  instantAddColumnAnywhereSince: Difference<Since>
  instantDropColumnSince: Difference<Since>
  instantRenameColumnSince: Difference<Since>
  instantReorderColumnSince: Difference<Since>
  maxRowVersions: Difference<number | null>
  explicitInplaceKeepsInstantAddDrop: Difference<boolean>
  instantAcceptsLockClause: Difference<boolean>
  varcharWidening: Difference<{ algorithm: 'inplace' | 'instant'; anyGrowthUpToBytes: number | null }>
  instantUtf8mb3ToUtf8mb4: Difference<boolean>
  redundantRowFormatInstant: Difference<boolean>
  dropIndexedColumnRebuilds: Difference<boolean>
  renameIndex: Difference<'inplace' | 'instant'>
  foreignKeyMetadata: Difference<'inplace' | 'instant'>
  metadataTableOptions: Difference<'inplace' | 'instant'>
  rebuildWithFulltext: Difference<'copy' | 'inplace'>
  lockNoneWithCascadingForeignKeys: Difference<boolean>
  ignoreCopiesForUniqueIndex: Difference<boolean>
}

export const ENGINE_DIFFERENCES: EngineDifferences = {
  /** ADD COLUMN as the last column without touching the rows. */
  instantAddColumnSince: {
    mysql: '8.0.12',
    mariadb: '10.3.7',
    source: `${MYSQL_MANUAL}: "INSTANT is the default algorithm as of MySQL 8.0.12"; ${MARIADB_INSTANT} (10.3.2 alpha, ALGORITHM=INSTANT syntax in 10.3.7 per MariaDB's "ALTER TABLE Improvements in MariaDB Server 10.3")`
  },
  /** ADD COLUMN at any position (FIRST / AFTER) instantly. */
  instantAddColumnAnywhereSince: {
    mysql: '8.0.29',
    mariadb: '10.4.0',
    source: `${MYSQL_MANUAL}: "Before MySQL 8.0.29, the INSTANT algorithm could only add a column as the last column"; ${MARIADB_INSTANT}: "In MariaDB 10.4 and later … regardless of where"`
  },
  instantDropColumnSince: {
    mysql: '8.0.29',
    mariadb: '10.4.0',
    source: `${MYSQL_MANUAL}: "INSTANT is the default algorithm as of MySQL 8.0.29" (dropping a column); ${MARIADB_INSTANT} (MDEV-15562)`
  },
  instantRenameColumnSince: {
    mysql: '8.0.28',
    mariadb: '10.3.7',
    source: `${MYSQL_MANUAL}: "ALGORITHM=INSTANT support for renaming a column was added in MySQL 8.0.28"; ${MARIADB_INSTANT}; ${MEASURED}`
  },
  /** Moving a column (FIRST / AFTER in CHANGE or MODIFY): MySQL rebuilds the table in place. */
  instantReorderColumnSince: {
    mysql: null,
    mariadb: '10.4.0',
    source: `${MYSQL_MANUAL}: "Reordering columns … Instant: No, Rebuilds Table: Yes"; ${MARIADB_INSTANT} (MDEV-15562); ${MEASURED}`
  },
  /** Instant ADD/DROP COLUMN statements a table takes before a rebuild (INNODB_TABLES.TOTAL_ROW_VERSIONS); MariaDB keeps no such count. */
  maxRowVersions: {
    mysql: 64,
    mariadb: null,
    source: `${MYSQL_MANUAL}: "The maximum number of row versions permitted is 64" (255 from MySQL 9.1, per the 9.x manual); MariaDB has no TOTAL_ROW_VERSIONS (INNODB_SYS_TABLES)`
  },
  /** With an explicit ALGORITHM=INPLACE, an ADD/DROP COLUMN that could be instant: MySQL takes the in-place path and rebuilds. */
  explicitInplaceKeepsInstantAddDrop: {
    mysql: false,
    mariadb: true,
    source: `${HANDLER}: "Still fall back to INPLACE since the behaviour is different"; ${MEASURED}: ADD COLUMN c INT, ALGORITHM=INPLACE kept the table`
  },
  /** ALGORITHM=INSTANT together with LOCK=NONE|SHARED|EXCLUSIVE: MySQL rejects the pair (1221). */
  instantAcceptsLockClause: {
    mysql: false,
    mariadb: true,
    source: `mysql-server sql/sql_table.cc mysql_alter_table: ER_WRONG_USAGE "ALGORITHM=INSTANT" with "LOCK=NONE/SHARED/EXCLUSIVE"; ${MEASURED}`
  },
  /**
   * Widening VARCHAR/VARBINARY: MySQL does it in place, only while the length prefix keeps its size (up to
   * 255 bytes, or from 256 bytes on). MariaDB does it instantly, and also past 255 bytes when the old column
   * holds at most 127 bytes (its records then never used a two-byte length).
   */
  varcharWidening: {
    mysql: { algorithm: 'inplace', anyGrowthUpToBytes: null },
    mariadb: { algorithm: 'instant', anyGrowthUpToBytes: 127 },
    source: `${MYSQL_MANUAL} "Extending VARCHAR column size"; ${MARIADB_INSTANT} (MDEV-15563); ${MEASURED}: utf8mb4 VARCHAR(20→64) instant, VARCHAR(40→64) copy`
  },
  /** utf8mb3 → utf8mb4 of a column: a type change for MySQL, instant for MariaDB (within the VARCHAR rule above). */
  instantUtf8mb3ToUtf8mb4: {
    mysql: false,
    mariadb: true,
    source: `MariaDB "ALTER TABLE Improvements in MariaDB Server 10.4" (instant utf8mb3 to utf8mb4); ${MEASURED}; MySQL: "Changing the column data type … Only ALGORITHM=COPY"`
  },
  /** ROW_FORMAT=REDUNDANT: MariaDB widens any VARCHAR and makes NOT NULL columns NULL instantly. */
  redundantRowFormatInstant: {
    mysql: false,
    mariadb: true,
    source: `${MARIADB_INSTANT} (MDEV-15563: NOT NULL to NULL with ROW_FORMAT=REDUNDANT); ${MEASURED}`
  },
  /** Dropping a column that an index uses: MySQL rebuilds in place; MariaDB drops it without a copy (NOCOPY). */
  dropIndexedColumnRebuilds: {
    mysql: true,
    mariadb: false,
    source: `${HANDLER}: an index change is outside INNOBASE_INSTANT_ALLOWED and DROP_STORED_COLUMN is in INNOBASE_ALTER_REBUILD; ${MEASURED}: ALGORITHM=NOCOPY accepted`
  },
  /** RENAME INDEX. */
  renameIndex: {
    mysql: 'inplace',
    mariadb: 'instant',
    source: `${MYSQL_MANUAL}: "Renaming an index … Instant: No, In Place: Yes"; ${MEASURED}`
  },
  /** ADD FOREIGN KEY with foreign_key_checks=0, and DROP FOREIGN KEY. */
  foreignKeyMetadata: {
    mysql: 'inplace',
    mariadb: 'instant',
    source: `${MYSQL_MANUAL}: "Adding/Dropping a foreign key constraint … Instant: No, In Place: Yes"; ${MEASURED}`
  },
  /** Table options that only change metadata: COMMENT, AUTO_INCREMENT, STATS_*, [DEFAULT] CHARACTER SET, and a CONVERT that changes no column. */
  metadataTableOptions: {
    mysql: 'inplace',
    mariadb: 'instant',
    source: `${MYSQL_MANUAL}: "Changing the auto-increment value", "Setting persistent table statistics" (In Place, not Instant); ${HANDLER} innobase_need_rebuild: no rebuild for a CHANGE_CREATE_OPTION other than ROW_FORMAT/KEY_BLOCK_SIZE/TABLESPACE; ${MEASURED}`
  },
  /**
   * A rebuild of a table that has a FULLTEXT index: MySQL refuses to do it in place (COPY); MariaDB rebuilds in
   * place but without concurrent DML.
   */
  rebuildWithFulltext: {
    mysql: 'copy',
    mariadb: 'inplace',
    source: `${HANDLER}: "If the table already contains fulltext indexes, refuse to rebuild the table natively altogether" (ER_INNODB_FT_LIMIT); ${MYSQL_MANUAL}: FORCE/ENGINE=InnoDB/OPTIMIZE "not supported for tables with FULLTEXT indexes"; ${MEASURED}: INPLACE accepted, LOCK=NONE refused`
  },
  /** LOCK=NONE on a table with ON … CASCADE / ON … SET NULL foreign keys. */
  lockNoneWithCascadingForeignKeys: {
    mysql: false,
    mariadb: true,
    source: `MySQL 8.0 manual §17.12.8 Online DDL Limitations: "LOCK=NONE is not permitted if there are ON...CASCADE or ON...SET NULL constraints on the table"; ${MEASURED}: LOCK=NONE accepted on both the child and the parent`
  },
  /** ALTER IGNORE TABLE: gone from MySQL since 5.7.4; MariaDB copies the table when IGNORE meets a new UNIQUE or PRIMARY KEY. */
  ignoreCopiesForUniqueIndex: {
    mysql: false,
    mariadb: true,
    source: `MySQL 5.7 release notes 5.7.4 (IGNORE for ALTER TABLE removed); ${MEASURED}: "Creating unique indexes with IGNORE requires COPY algorithm"`
  }
}

/** The value of one difference for a flavor. */
export function onEngine<K extends keyof EngineDifferences>(key: K, flavor: Flavor): EngineDifferences[K]['mysql'] {
  return ENGINE_DIFFERENCES[key][flavor]
}

/** The leading numbers of a version string: '10.11.19-MariaDB-0+deb12u1' → [10, 11, 19]. */
export function versionParts(version: string): number[] {
  const match = /^(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(version.trim())
  if (!match) return [0, 0, 0]
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)]
}

/** Whether `version` is at least `floor`; a null floor is never reached. */
export function reached(version: string, floor: string | null): boolean {
  if (floor === null) return false
  const have = versionParts(version)
  const need = versionParts(floor)
  for (let i = 0; i < 3; i++) if (have[i] !== need[i]) return have[i] > need[i]
  return true
}

/** How many row versions the server allows (MySQL 9.1 raised 64 to 255); null: no such limit. */
export function rowVersionLimit(server: Server): number | null {
  const limit = onEngine('maxRowVersions', server.flavor)
  if (limit === null) return null
  return reached(server.version, '9.1.0') ? 255 : limit
}
