/**
 * Traces the pending versions' statements while verification applies them: the engine sends each version
 * (or each step of a version with no-transaction files) through this Target as through any other.
 * - A transaction holding pending statements runs statement by statement (as the engine's transactions
 *   run when not packed), with SQL of the trace's own before and after each of them that writes the backend's
 *   locks, the relfilenodes and constraints of the relations it locked, and the time, to a table that
 *   commits with the version (src/review/trace.ts), read once all versions ran (`finish`). The statements
 *   themselves run once, as apply runs them.
 *   When the version fails, its states are rolled back with it: the statements up to the failing one are
 *   then traced again in a transaction that is rolled back.
 * - A no-transaction statement is watched from a connection of the trace's own while the engine runs it.
 * The statements are recognised by their text, in the order the engine applies them. The schema is read
 * before the first pending statement and after the last one, for the schema change.
 */
import pg from 'pg'
import type { Version } from '../migrations/types.js'
import { diffSchemas, type SchemaChange, type SchemaObject } from '../review/schema-change.js'
import {
  prepareStates,
  readRecordedStates,
  readStartState,
  RECORD_STATE_SQL,
  statePositions,
  traceAlone,
  traceInTransaction,
  tracesFromStates,
  type CatalogState,
  type TracedStatement
} from '../review/trace.js'
import { traceKey, type StatementTrace } from '../review/types.js'
import type { Between } from '../targets/postgres.js'
import type { QueryOptions, QueryResult, SqlParams, Target, TransactionOptions, TransactionResult, TxStatement } from '../targets/target.js'
import { readSchemaSnapshot } from './schema-snapshot.js'

/** A Target whose transaction runs SQL of the caller's own between the statements (PostgresTarget). */
export interface BetweenTarget extends Target {
  transaction(statements: TxStatement[], options?: TransactionOptions & { between?: Between }): Promise<TransactionResult>
}

interface Expected extends TracedStatement {
  noTransaction: boolean
}

/** The pending versions' statements in the order the engine runs them, indexed over all files of a version. */
export function pendingStatements(versions: Version[], pending: ReadonlySet<number>): Expected[] {
  return versions
    .filter((version) => pending.has(version.number))
    .sort((a, b) => a.number - b.number)
    .flatMap((version) =>
      version.files
        .flatMap((file) => file.statements.map((statement) => ({ sql: statement.sql, noTransaction: file.noTransaction })))
        .map((statement, index) => ({ ...statement, version: version.number, index }))
    )
}

export class TracingTarget implements Target {
  readonly traces = new Map<string, StatementTrace>()
  private before: SchemaObject[] | null = null
  private after: SchemaObject[] | null = null
  private observer: pg.Client | null = null
  /** The highest state id before the first traced transaction; null until the table of states is made. */
  private firstStateId: number | null = null
  /** Whether the state before the next traced transaction must be read, or is the one the last left. */
  private startUnknown = true
  /** The traced transactions that committed, in order: their traces are read at `finish`, in one query. */
  private committed: Array<{ start: CatalogState | null; traced: Array<Expected & { position: number }>; positions: number[] }> = []
  /** Set when tracing failed: verification goes on untraced and says why. */
  failure: string | null = null

  constructor(
    private readonly inner: BetweenTarget,
    private readonly url: string,
    private readonly expected: Expected[],
    private readonly leaveOut: (relation: string) => boolean
  ) {}

  get description(): string {
    return this.inner.description
  }

  /** The schema change once every pending statement ran; null when they did not all run or tracing failed. */
  schemaChange(): SchemaChange | null {
    return this.before && this.after ? diffSchemas(this.before, this.after) : null
  }

  async query(sql: string, params?: SqlParams, options?: QueryOptions): Promise<QueryResult> {
    const next = this.expected[0]
    if (!options?.longRunning || !next?.noTransaction || next.sql !== sql || this.failure) return this.inner.query(sql, params, options)
    const observer = await this.traced(() => this.connection())
    if (!observer) return this.inner.query(sql, params, options)
    await this.traced(() => this.snapshotBefore(observer))
    this.expected.shift()
    this.startUnknown = true
    let ran = false
    const run = (): Promise<QueryResult> => {
      ran = true
      return this.inner.query(sql, params, options)
    }
    let traced: Awaited<ReturnType<typeof traceAlone<QueryResult>>>
    try {
      traced = await traceAlone(observer, next, run)
    } catch (error) {
      // The statement's own failure is verification's; a failure of the watch before it ran only stops tracing.
      if (ran) throw error
      this.failure = error instanceof Error ? error.message : String(error)
      return this.inner.query(sql, params, options)
    }
    const { trace, result } = traced
    // The engine's lease renewal may run meanwhile: its locks on the history tables are not the statement's.
    if (trace)
      this.traces.set(traceKey(trace.version, trace.index), {
        ...trace,
        locks: trace.locks.filter((lock) => !this.leaveOut(lock.relation))
      })
    await this.traced(() => this.snapshotAfter(observer))
    return result
  }

  async transaction(statements: TxStatement[], options?: TransactionOptions): Promise<TransactionResult> {
    const traced: Array<Expected & { position: number }> = []
    statements.forEach((statement, position) => {
      const next = this.expected[traced.length]
      if (next && !next.noTransaction && !statement.label && statement.sql === next.sql) traced.push({ ...next, position })
    })
    if (traced.length === 0) {
      // Anything else the engine commits (its history rows, a version not traced) may change what the trace knows: read it again next time.
      if (statements.some((statement) => !statement.label)) this.startUnknown = true
      return this.inner.transaction(statements, options)
    }
    const prepared = this.failure
      ? null
      : await this.traced(async () => {
          const observer = await this.connection()
          await this.snapshotBefore(observer)
          if (this.firstStateId === null) this.firstStateId = await prepareStates(observer)
          return { observer, start: this.startUnknown ? await readStartState(observer) : null }
        })
    if (!prepared) return this.inner.transaction(statements, options)
    // One by one, with the state written around the traced statements; the states commit with the version.
    const positions = statePositions(traced, statements.length)
    const recordBefore = new Set(positions)
    const between = (_statement: TxStatement, index: number): string | undefined => (recordBefore.has(index) ? RECORD_STATE_SQL : undefined)
    const withStates = await this.inner.transaction(statements, { ...options, resultsNeeded: true, between })
    const { observer, start } = prepared
    // Rolled back: run it again as sent, so that what verification reports never depends on the trace's own SQL.
    const result = withStates.ok ? withStates : await this.inner.transaction(statements, options)
    if (!withStates.ok && result.ok) {
      this.failure = `the trace's own SQL failed: ${withStates.error.message}`
      this.expected.splice(0, traced.length)
      return result
    }
    if (result.ok) {
      this.expected.splice(0, traced.length)
      this.committed.push({ start, traced, positions })
      this.startUnknown = false
      await this.traced(() => this.snapshotAfter(observer))
    } else if (result.phase === 'statement' && !result.guard) {
      // Rolled back with its states: the statements up to the failing one are traced again, and rolled back again.
      const upToFailure = traced.filter((statement) => statement.position <= result.failedIndex)
      const trace = await this.traced(() => traceInTransaction(observer, upToFailure))
      for (const each of trace?.traces ?? []) this.traces.set(traceKey(each.version, each.index), each)
    }
    return result
  }

  /**
   * Reads what the committed traced transactions wrote (one query for all of them) into `traces`. Called once
   * verification has run, before `traces` and `failure` are read.
   */
  async finish(): Promise<void> {
    const { observer, firstStateId, committed } = this
    this.committed = []
    if (this.failure || !observer || firstStateId === null || committed.length === 0) return
    const rows = await this.traced(() => readRecordedStates(observer, firstStateId))
    if (!rows) return
    const written = committed.reduce((sum, transaction) => sum + transaction.positions.length, 0)
    if (rows.length !== written) {
      this.failure = `the trace found ${rows.length} recorded states where the traced transactions wrote ${written}`
      return
    }
    // Each transaction starts from the state it read, or else from the state the one before it left.
    let end: CatalogState = { locks: [], files: [], constraints: [] }
    let offset = 0
    for (const { start, traced, positions } of committed) {
      const recorded = tracesFromStates(start ?? end, rows.slice(offset, offset + positions.length), traced, positions)
      offset += positions.length
      end = recorded.end
      for (const trace of recorded.traces) this.traces.set(traceKey(trace.version, trace.index), trace)
    }
  }

  async close(): Promise<void> {
    await this.observer?.end().catch(() => {})
    this.observer = null
    await this.inner.close()
  }

  private async connection(): Promise<pg.Client> {
    if (this.observer) return this.observer
    const client = new pg.Client({ connectionString: this.url })
    await client.connect()
    this.observer = client
    return client
  }

  private async snapshotBefore(client: pg.Client): Promise<void> {
    if (!this.before) this.before = await readSchemaSnapshot(client, this.leaveOut)
  }

  private async snapshotAfter(client: pg.Client): Promise<void> {
    if (this.expected.length === 0 && !this.after) this.after = await readSchemaSnapshot(client, this.leaveOut)
  }

  /** Runs a part of the tracing; a failure stops tracing (never verification) and is kept to be reported. */
  private async traced<T>(work: () => Promise<T>): Promise<T | null> {
    try {
      return await work()
    } catch (error) {
      this.failure = error instanceof Error ? error.message : String(error)
      this.before = null
      return null
    }
  }
}
