/**
 * What the contract suites need of a dialect (its fixture): how to get a fresh database, how to look into it
 * apart from the transport under test, and the dialect's own SQL for the suites' cases (with what the database
 * answers to it). The fixtures are listed in testkit/contract/registry.ts.
 *
 * The case shapes are PostgreSQL's (its fixture was first). Cases only a server with transactional DDL,
 * deferred constraints, error hints and positions, or a packed form can answer are optional: a dialect leaves
 * out what its server does not do, and the suite runs what it gives. Messages may be patterns where the server's
 * wording differs between versions (MySQL and MariaDB name a duplicate key differently).
 */
import type { MetaTables } from '../../src/engine/meta.js'
import type { SqlErrorInfo } from '../../src/errors.js'
import type { Row, Target, TxStatement } from '../../src/targets/target.js'
import type { engineCases } from './postgresql/engine-cases.js'
import type { targetContract } from './postgresql/target-contract.js'

/** A database made for one test. */
export interface TestDatabase {
  /** A direct connection URL (the dialect's own scheme). */
  url: string
  name: string
  drop(): Promise<void>
}

type PostgresCases = typeof targetContract

/** A message as the server words it, or a pattern where the wording differs between its versions. */
export type Message = string | RegExp

/** An expected SQL error: the fields the server reports (PostgreSQL: SQLSTATE and position; MySQL: SQLSTATE and errno). */
type ErrorCase = { sql: string; info: Partial<SqlErrorInfo>; message: Message }

/** The cases every dialect gives. */
type CommonCase =
  | 'shapes'
  | 'noRows'
  | 'selectOne'
  | 'namedParameters'
  | 'affectedRows'
  | 'commits'
  | 'failedGuard'
  | 'guardHolds'
  | 'functionBody'
  | 'labels'
  | 'sessionSettings'
  | 'large'
  | 'oneCall'

/** PostgreSQL's case `T` with the rows of its fields `K` as any dialect's rows (its own types: MySQL has no boolean). */
type WithRows<T, K extends keyof T, R = Row[]> = Omit<T, K> & { [P in K]: R }

type Widened = 'shapes' | 'namedParameters' | 'affectedRows' | 'sessionSettings'

export type TargetContractCases = Pick<PostgresCases, Exclude<CommonCase, Widened>> &
  Partial<Omit<PostgresCases, CommonCase | 'errors' | 'rollsBack'>> & {
    shapes: WithRows<PostgresCases['shapes'], 'rows'>
    namedParameters: WithRows<PostgresCases['namedParameters'], 'rows'>
    affectedRows: WithRows<PostgresCases['affectedRows'], 'counted'>
    sessionSettings: WithRows<WithRows<PostgresCases['sessionSettings'], 'changedRows' | 'unqualifiedSchema'>, 'fresh', Row>
    errors: { syntax: ErrorCase; missing: ErrorCase; duplicateSetup: string[]; duplicate: ErrorCase }
    rollsBack: Omit<PostgresCases['rollsBack'], 'message'> & { message: Message }
    /**
     * A dialect whose DDL commits implicitly (MySQL): a transaction with DDL that then fails keeps what the DDL
     * committed (the work before it and itself), and rolls back what ran after it.
     */
    ddlCommitsImplicitly?: {
      setup: string
      statements: TxStatement[]
      failedIndex: number
      error: Partial<SqlErrorInfo>
      /** Relations the DDL made, which stay. */
      relations: string[]
      /** What the table holds afterwards: the rows written before the DDL. */
      check: string
      kept: Record<string, unknown>[]
    }
  }

type PostgresEngineCases = typeof engineCases

/**
 * The engine cases only a server with transactional DDL (and deferred constraints) answers: a failed version
 * leaves nothing of itself. A dialect whose DDL commits by itself leaves them out and gives `stepsHalfWay`.
 */
type TransactionalDdlCase = 'failingSecond' | 'syntaxInMiddle' | 'functionBody' | 'wrappedFile' | 'deferredCommit' | 'olderRunner'

/** The cases of a schema switched by a file (PostgreSQL's search_path), for a dialect where a version's session holds it. */
type SchemaSwitchCase = 'searchPathInFile' | 'searchPathMove'

export type EngineCases = Omit<PostgresEngineCases, TransactionalDdlCase | SchemaSwitchCase | 'tables' | 'yes'> &
  Partial<Pick<PostgresEngineCases, TransactionalDdlCase | SchemaSwitchCase>> & {
    /** The engine's meta tables in the test database `database` (the options' `tables`, and the ones the cases create). */
    tables(database: string): MetaTables
    /** What the server answers for a true comparison: true, or 1 (MySQL has no boolean). */
    yes: boolean | number
    /** Statements run on the test database after each case: what a case made outside its database (MySQL's databases are the server's). */
    cleanup?: string[]
    /**
     * A dialect whose DDL commits by itself (MySQL): a version that fails half-way keeps the statements before the
     * failed one, each journaled as done; the run says so; a re-run of the fixed files resumes at the failed one.
     */
    /**
     * A dialect that refuses a file switching the default schema (MySQL's USE: it would not hold for the statements
     * after it): the files are refused where they are read, naming the place, and nothing runs.
     */
    schemaSwitchRefused?: {
      files: Record<string, string>
      location: { file: string; line: number; column: number }
      message: RegExp
      /** Relations in the test database: none. */
      tables: string
    }
    stepsHalfWay?: {
      files: Record<string, string>
      fixed: Record<string, string>
      location: { file: string; line: number }
      sqlState: string
      message: RegExp
      /** Tables (sorted names, `table_name`) after the failure, and after the re-run. */
      tables: string
      failedTables: string[]
      resumedTables: string[]
      /** The rows of the version's steps in the progress table (`version, step, state`, in order) after the failure. */
      journal: string
      journaled: Record<string, unknown>[]
      /** What the table written by the version holds after the re-run: the rows before the failure were not written twice. */
      rows: string
      resumedRows: Record<string, unknown>[]
      resumedLog: RegExp
      versionsInOrder: string
      lease: string
    }
  }

export interface DialectFixture {
  /** As dialectFor knows it. */
  name: string
  /**
   * Wraps a suite of this dialect: where its test server comes from. PostgreSQL's is global (the integration
   * project's global setup); MySQL's is started per test file (describeMysql + useMysqlServer).
   */
  describe(title: string, suite: () => void): void
  /** The transports the suites run this dialect over (all of them when left out). */
  transports?: readonly string[]
  /** The URL of the shared test server: the RDS Data API emulator serves every database on it. */
  serverUrl(): string
  /** A fresh, empty database on the shared server. */
  createDatabase(prefix: string): Promise<TestDatabase>
  /** The target for a direct connection URL (the "url" transport). */
  urlTarget(url: string): Target
  /** Runs one statement on a direct connection, apart from the transport under test: what really happened. */
  sql<T extends Record<string, unknown> = Record<string, unknown>>(url: string, text: string, params?: unknown[]): Promise<T[]>
  /** Whether a table (or index) of that name exists in the database. */
  relationExists(url: string, name: string): Promise<boolean>
  /** The SQL of the target contract's cases and the answers expected. */
  targetContract: TargetContractCases
  /**
   * Each engine case's migration files, the queries that look at what a run left, and the answers expected.
   * Undefined while the dialect's engine part is not written (MySQL): the engine suites leave it out.
   */
  engineCases?: EngineCases
}
