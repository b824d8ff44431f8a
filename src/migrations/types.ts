/** The migrations on disk, as `discover` reads them. */

/** One SQL statement cut out of a migration file, with where it starts (1-based line and column). */
export interface Statement {
  sql: string
  /** Path of the file, relative to the workspace (what an annotation needs). */
  file: string
  line: number
  column: number
}

export interface MigrationFile {
  /** File name inside its version folder, e.g. `01_create_users.sql`. */
  name: string
  /** Path relative to the workspace, for annotations and messages. */
  path: string
  /** `sha256:<hex>` of the text with a BOM removed and line endings normalised to LF. */
  checksum: string
  /** The text as checksummed: no BOM, LF line endings (shown in plan comments). */
  text: string
  statements: Statement[]
  /**
   * The file's first line is `-- migrate:no-transaction`: its statements run one by one, each committed
   * on its own, outside any transaction (CREATE INDEX CONCURRENTLY, VACUUM …).
   */
  noTransaction: boolean
  /**
   * The file's own BEGIN … COMMIT around all its statements ("run this file in one transaction"). The
   * version already runs in one, so the two are left out of `statements`; null when the file has none.
   */
  transactionWrapper: TransactionWrapper | null
  /** Transaction-control statements that cannot run where they are: the plan refuses a pending version with any. */
  misplacedTransactionControl: MisplacedTransactionControl[]
  /**
   * Statements that cannot run inside a transaction block (CREATE INDEX CONCURRENTLY, VACUUM …), or run in
   * one with a catch, in file order. Empty in a `-- migrate:no-transaction` file, which runs outside one.
   */
  transactionBlockConflicts: LocatedTransactionBlockConflict[]
}

export interface TransactionWrapper {
  begin: Statement
  end: Statement
}

/**
 * begin: BEGIN, START TRANSACTION. commit: COMMIT, END. rollback: ROLLBACK, ABORT. savepoint: SAVEPOINT,
 * RELEASE, ROLLBACK TO. modes: SET TRANSACTION. prepare: PREPARE TRANSACTION. prepared: COMMIT PREPARED,
 * ROLLBACK PREPARED.
 */
export type TransactionControlKind = 'begin' | 'commit' | 'rollback' | 'savepoint' | 'modes' | 'prepare' | 'prepared'

export interface TransactionControl {
  /** The statement in its leading words, upper case: `COMMIT`, `ROLLBACK TO SAVEPOINT`, `BEGIN ISOLATION LEVEL SERIALIZABLE` … */
  statement: string
  kind: TransactionControlKind
  /** BEGIN / START TRANSACTION / SET TRANSACTION with a mode that changes what the transaction does (an isolation level, READ ONLY, DEFERRABLE). */
  changesModes: boolean
  /** COMMIT or END that ends the transaction and opens no other (no AND CHAIN): what may close a wrapper. */
  endsTransaction: boolean
}

export interface TransactionBlockConflict {
  /** What the statement is, in its leading words: `CREATE INDEX CONCURRENTLY`, `VACUUM` … */
  statement: string
  /**
   * error: the database refuses it in a transaction. warning: it runs in one, with a catch (a new enum
   * value that cannot be used in the transaction that adds it).
   */
  severity: 'error' | 'warning'
}

/** A statement of a file that conflicts with the transaction block it would run in, with where it starts. */
export interface LocatedTransactionBlockConflict extends TransactionBlockConflict {
  file: string
  line: number
  column: number
}

/** A transaction-control statement that cannot run where it is written. */
export interface MisplacedTransactionControl {
  file: string
  line: number
  column: number
  /** The statement in its leading words, upper case: `COMMIT`, `ROLLBACK TO SAVEPOINT`, `BEGIN ISOLATION LEVEL SERIALIZABLE` … */
  statement: string
  kind: TransactionControlKind
  /**
   * transaction: in a file that runs inside the version's transaction. no-transaction: in a
   * `-- migrate:no-transaction` file. modes: it asks for an isolation level or access mode.
   */
  context: 'transaction' | 'no-transaction' | 'modes'
}

export interface Version {
  number: number
  /** From the folder name `v<N>_<description>`; empty when the folder is just `v<N>`. */
  description: string
  /** Folder path relative to the workspace. */
  dir: string
  files: MigrationFile[]
  /** `sha256:<hex>` over the file names and checksums, in order. */
  checksum: string
}
