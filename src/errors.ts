/**
 * Typed errors. Each one carries what a person needs to act on it: the input it concerns, or the
 * file/line/column of the SQL. main.ts turns each into one annotation and fails the step.
 */

/** Where something is in a migration file: 1-based line and column. */
export interface SourceLocation {
  file: string
  line: number
  column: number
}

/** An input that is missing, malformed, or in conflict with another. */
export class InputError extends Error {
  constructor(
    readonly input: string,
    /** What is wrong, without the input's name (the command line puts the flag's in front). */
    readonly detail: string
  ) {
    super(`Input '${input}': ${detail}`)
    this.name = 'InputError'
  }
}

/** A problem with the migrations on disk (layout, encoding, SQL that cannot be split). */
export class MigrationFileError extends Error {
  constructor(
    message: string,
    readonly location: { file: string; line?: number; column?: number }
  ) {
    super(message)
    this.name = 'MigrationFileError'
  }
}

/** An error reported by PostgreSQL (directly, or through the Data API / runner). */
export interface SqlErrorInfo {
  message: string
  /** Five-character SQLSTATE, when the transport reported one. */
  sqlState?: string
  /**
   * The server's own error number, where it has one (MySQL's 1205); a dialect whose errors share one
   * SQLSTATE (MySQL's HY000) classifies by it.
   */
  errno?: number
  /** 1-based character position inside the statement, when reported. */
  position?: number
  detail?: string
  hint?: string
}

/**
 * PostgreSQL's message with no row values, for logs, summaries and comments (public on a public
 * repository). DETAIL (`Key (api_key)=(sk_live_…) already exists`, `Failing row contains (…)`) is never
 * part of it; data exceptions (SQLSTATE class 22) quote the offending value in the message itself
 * (`invalid input syntax for type integer: "…"`), so their quoted parts are left out.
 */
export function publicSqlMessage(info: SqlErrorInfo): string {
  return info.sqlState?.startsWith('22') ? info.message.replace(/"(?:[^"]|"")*"/g, '"…"') : info.message
}

/**
 * The codes of a database error, for a message: ` (SQLSTATE 42P01)`, or with the server's own number where it
 * has one ` (error 1146, SQLSTATE 42S02)`; empty when there are none.
 */
export function errorCodes(info: Pick<SqlErrorInfo, 'sqlState' | 'errno'>): string {
  const parts = [info.errno !== undefined ? `error ${info.errno}` : null, info.sqlState ? `SQLSTATE ${info.sqlState}` : null].filter(
    Boolean
  )
  return parts.length ? ` (${parts.join(', ')})` : ''
}

/** A migration statement failed; the version it belongs to was rolled back. */
export class StatementFailedError extends Error {
  constructor(
    readonly version: number,
    readonly location: SourceLocation,
    readonly sqlError: SqlErrorInfo,
    readonly statementPreview: string
  ) {
    super(
      `v${version} failed at ${location.file}:${location.line}:${location.column}: ${publicSqlMessage(sqlError)}` +
        errorCodes(sqlError) +
        `. Version ${version} was rolled back; versions before it stay applied.`
    )
    this.name = 'StatementFailedError'
  }
}

/**
 * A statement of a version that runs in steps (it has `-- migrate:no-transaction` files, or a partly
 * applied run to resume) failed. What ran before it stays applied: `outcome` says what a re-run does.
 */
export class StepFailedError extends StatementFailedError {
  constructor(
    version: number,
    location: SourceLocation,
    sqlError: SqlErrorInfo,
    statementPreview: string,
    /** Statements of the version that ran and are recorded in the progress table. */
    readonly completedSteps: number,
    readonly totalSteps: number,
    /** What to do about it beyond fixing the SQL (an invalid index to drop …), or null. */
    readonly advice: string | null,
    /** What the failure left behind and what a re-run does, as one sentence for people. */
    readonly outcome: string
  ) {
    super(version, location, sqlError, statementPreview)
    this.message =
      `v${version} failed at ${location.file}:${location.line}:${location.column}: ${publicSqlMessage(sqlError)}` +
      errorCodes(sqlError) +
      `.${advice ? ` ${advice}` : ''} ${outcome}`
    this.name = 'StepFailedError'
  }
}

/** The plan found drift, missing or out-of-order versions and refuses to apply. */
export class PlanRefusedError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'PlanRefusedError'
  }
}

/** baseline or repair found the database or the migrations in a state it must not record; nothing was written. */
export class OperationRefusedError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'OperationRefusedError'
  }
}

/** Another run holds the migration lease and did not release it within wait-timeout. */
export class LeaseTimeoutError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'LeaseTimeoutError'
  }
}

/** The lease was lost (expired and taken over) while this run was working. */
export class LeaseLostError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'LeaseLostError'
  }
}

/**
 * A version's transaction failed outside the version's own statements: at COMMIT (a deferred constraint,
 * a serialization failure), or at one of the engine's statements around them (the lease fence, the
 * timeouts, the meta row). `part` says which; the transaction was rolled back.
 */
export class VersionTransactionError extends Error {
  constructor(
    readonly version: number,
    readonly part: 'fence' | 'not-applied' | 'settings' | 'record' | 'progress' | 'commit' | 'unknown',
    readonly sqlError: SqlErrorInfo,
    message: string
  ) {
    super(message)
    this.name = 'VersionTransactionError'
  }
}

/**
 * A transport-level failure (network, 5xx, throttling, a cluster that did not wake up in time).
 * `retryable` says whether re-sending the same call is known to be safe and useful.
 */
export class TransportError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly retryable: boolean,
    options?: { cause?: unknown }
  ) {
    super(message, options)
    this.name = 'TransportError'
  }
}

/** A SQL error from the database, raised by Target.query (transactions report it as data). */
export class DatabaseError extends Error {
  constructor(readonly info: SqlErrorInfo) {
    super(`${info.message}${errorCodes(info)}`)
    this.name = 'DatabaseError'
  }
}

/** The outcome of a CommitTransaction is not known (the reply was lost). */
export class CommitOutcomeUnknownError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'CommitOutcomeUnknownError'
  }
}

/**
 * A long-running statement (Target.query with `longRunning`) ran past the Data API's 45 s call limit
 * and finished on the server; whether it succeeded cannot be read from the Data API. The caller
 * finds out from the database (the catalog, for index statements) or fails the version saying so.
 */
export class StatementOutcomeUnknownError extends Error {
  /** The statement, as sent. */
  readonly sql: string | undefined
  constructor(message: string, options?: { cause?: unknown; sql?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'StatementOutcomeUnknownError'
    this.sql = options?.sql
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** A row of the meta table that aurora-migrate cannot have written (changed by hand): names the version and the column. */
export class MetaRowError extends Error {
  constructor(
    readonly table: string,
    readonly version: number | string,
    readonly column: string,
    problem: string
  ) {
    super(
      `${table}: in the row of v${version}, ${column} ${problem}. The row was changed outside aurora-migrate, so the history cannot be trusted: ` +
        `restore the row as apply wrote it (from a backup, or from the files of v${version}), then re-run.`
    )
    this.name = 'MetaRowError'
  }
}

/** A version deleted, truncated or added rows of the meta table; it was rolled back and not recorded. */
export class HistoryChangedError extends Error {
  constructor(
    readonly version: number,
    message: string
  ) {
    super(message)
    this.name = 'HistoryChangedError'
  }
}
