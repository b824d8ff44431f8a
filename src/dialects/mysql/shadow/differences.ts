/**
 * What differs between MariaDB and MySQL 8.0 (Aurora MySQL 3) for a migration verified on one and applied on
 * the other: the one table a report cites when verification ran on a local MariaDB because the machine had no
 * MySQL. `outcome` says which way it misleads: a version that passes on MariaDB and fails on MySQL (a false
 * pass), one that fails on MariaDB only (a false failure), or the same outcome with another behaviour or
 * error number. Measured on MariaDB 10.11 where marked so in the notes the table comes from.
 */

export interface EngineDifference {
  /** What the difference is about: "IF NOT EXISTS on ADD COLUMN". */
  area: string
  /** What MySQL 8.0 does. */
  mysql: string
  /** What MariaDB does. */
  mariadb: string
  outcome: 'false pass' | 'false failure' | 'differs'
}

export const MARIADB_DIFFERENCES: readonly EngineDifference[] = [
  {
    area: 'IF [NOT] EXISTS on ADD/DROP COLUMN, ADD/DROP INDEX, CREATE INDEX',
    mysql: 'a syntax error',
    mariadb: 'accepted',
    outcome: 'false pass'
  },
  {
    area: 'MariaDB-only syntax: RETURNING, sequences, CREATE OR REPLACE TABLE, SET STATEMENT … FOR, WAIT n, ALGORITHM=NOCOPY',
    mysql: 'a syntax error',
    mariadb: 'accepted',
    outcome: 'false pass'
  },
  {
    area: "MySQL's utf8mb4_0900_* collations (MySQL 8's default, utf8mb4_0900_ai_ci)",
    mysql: 'exist',
    mariadb: 'do not exist in 10.11: a statement naming one fails; the default is utf8mb4_general_ci',
    outcome: 'false failure'
  },
  {
    area: 'MySQL-only syntax: functional key parts INDEX((expr)), INVISIBLE indexes, /*+ SET_VAR() */ hints',
    mysql: 'accepted (8.0.13+)',
    mariadb: 'a syntax error (IGNORED indexes instead of INVISIBLE)',
    outcome: 'false failure'
  },
  {
    area: 'ALGORITHM=INSTANT / INPLACE accepted for an ALTER',
    mysql: 'INSTANT ADD/DROP COLUMN at most 64 row versions per table; widening a VARCHAR past 255 bytes needs COPY',
    mariadb: 'no row-version limit; VARCHAR widening INSTANT only from at most 127 bytes',
    outcome: 'differs'
  },
  {
    area: 'JSON columns',
    mysql: 'a native binary type',
    mariadb: "an alias of LONGTEXT with a json_valid CHECK; information_schema says 'longtext'",
    outcome: 'differs'
  },
  {
    area: 'Error numbers',
    mysql: 'CHECK constraint violated: 3819; NOWAIT lock refused: 3572',
    mariadb: 'CHECK constraint violated: 4025; NOWAIT lock refused: 1205',
    outcome: 'differs'
  },
  {
    area: 'Default sql_mode (when the target\u2019s is not known)',
    mysql: 'ONLY_FULL_GROUP_BY, STRICT_TRANS_TABLES, NO_ZERO_IN_DATE, NO_ZERO_DATE, ERROR_FOR_DIVISION_BY_ZERO, NO_ENGINE_SUBSTITUTION',
    mariadb: 'STRICT_TRANS_TABLES, ERROR_FOR_DIVISION_BY_ZERO, NO_AUTO_CREATE_USER, NO_ENGINE_SUBSTITUTION',
    outcome: 'differs'
  },
  {
    area: 'Catalog tables a migration may read',
    mysql: 'information_schema.INNODB_TABLES (TOTAL_ROW_VERSIONS), performance_schema.metadata_locks',
    mariadb: 'information_schema.INNODB_SYS_TABLES; Performance Schema off by default',
    outcome: 'differs'
  }
]

/** The table as lines of text, for a log or a report that quotes it. */
export function describeDifferences(differences: readonly EngineDifference[] = MARIADB_DIFFERENCES): string[] {
  return differences.map((d) => `${d.area}: MySQL ${d.mysql}; MariaDB ${d.mariadb} (${d.outcome})`)
}
