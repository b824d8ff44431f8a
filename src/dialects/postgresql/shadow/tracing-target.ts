/**
 * Traces the pending versions' statements while verification applies them: the engine sends each version
 * (or each step of a version with no-transaction files) through this Target as through any other.
 * - A transaction holding pending statements is sent with statements of the trace's own before and after
 *   each of them, which write the backend's locks, the relfilenodes and constraints of the relations it
 *   locked, and the time, to a table that commits with the version (../review/trace.ts), read once all
 *   versions ran (`finish`). It is sent as the engine sends it (packed into one DO block where the
 *   transport can, as apply runs it): the statements themselves run once.
 *   When the version fails, its states are rolled back with it: the statements up to the failing one are
 *   then traced again in a transaction that is rolled back.
 * - A no-transaction statement is watched from a connection of the trace's own while the engine runs it.
 * The statements are recognised by their text, in the order the engine applies them. The schema is read
 * before the first pending statement and after the last one, for the schema change.
 */
import type pg from 'pg'
import type { Version } from '../../../migrations/types.js'
import { diffSchemas, type SchemaChange, type SchemaObject } from '../../../review/schema-change.js'
import { statePositions, traceAlone, traceInTransaction, tracesFromStates } from '../review/trace.js'
import {
  prepareStates,
  readRecordedStates,
  readStartState,
  RECORD_STATE_SQL,
  type CatalogState,
  type RecordedState,
  type TracedStatement
} from '../review/trace-state.js'
import { traceKey, type StatementTrace } from '../../../review/types.js'
import type {
  QueryOptions,
  QueryResult,
  SqlParams,
  Target,
  TransactionOptions,
  TransactionResult,
  TxStatement
} from '../../../targets/target.js'
import { readSchemaSnapshot } from './schema-snapshot.js'

const TRACE_LABEL = 'trace'

/** The statements with RECORD_STATE_SQL before each of those at `positions`. */
export function withRecordedStates(statements: TxStatement[], positions: number[]): TxStatement[] {
  const before = new Set(positions)
  return statements.flatMap((statement, index) =>
    before.has(index) ? [{ sql: RECORD_STATE_SQL, label: TRACE_LABEL }, statement] : [statement]
  )
}

/** The results of `sent` (withRecordedStates) without those of the trace's own statements, when the transport answered them. */
function onlyOwnResults(result: TransactionResult, sent: TxStatement[]): TransactionResult {
  if (!result.ok || result.results.length !== sent.length) return result
  return { ok: true, results: result.results.filter((_, index) => sent[index].label !== TRACE_LABEL) }
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
  private connecting: Promise<pg.Client> | null = null
  /** The trace's own set-up, started early (`prepare`) so that it runs while the engine sets up its history. */
  private preparing: Promise<unknown> | null = null
  /** The reads once the last pending statement ran (afterLast). */
  private ending: Promise<unknown> | null = null
  private recorded: RecordedState[] | null = null
  /** The highest state id before the first traced transaction; null until the table of states is made. */
  private firstStateId: number | null = null
  /** Whether the state before the next traced transaction must be read, or is the one the last left. */
  private startUnknown = true
  /** The traced transactions that committed, in order: their traces are read at `finish`, in one query. */
  private committed: Array<{ start: CatalogState | null; traced: Array<Expected & { position: number }>; positions: number[] }> = []
  /** Set when tracing failed: verification goes on untraced and says why. */
  failure: string | null = null

  constructor(
    private readonly inner: Target,
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

  /** The schema before the first pending statement: what the applied versions make (plan's drift check). */
  appliedSchema(): SchemaObject[] | null {
    return this.before ?? null
  }

  async query(sql: string, params?: SqlParams, options?: QueryOptions): Promise<QueryResult> {
    const next = this.expected[0]
    if (!options?.longRunning || !next?.noTransaction || next.sql !== sql || this.failure) return this.inner.query(sql, params, options)
    const observer = await this.traced(() => this.connection())
    if (!observer) return this.inner.query(sql, params, options)
    await this.preparing
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
    this.afterLast(observer)
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
          await this.preparing
          const observer = await this.connection()
          await this.snapshotBefore(observer)
          if (this.firstStateId === null) this.firstStateId = await prepareStates(observer)
          return { observer, start: this.startUnknown ? await readStartState(observer) : null }
        })
    if (!prepared) return this.inner.transaction(statements, options)
    // The state is written around the traced statements by statements of the trace's own, sent with the
    // version's and as it is (packed into one DO block when the transport can): the states commit with it.
    const positions = statePositions(traced, statements.length)
    const sent = withRecordedStates(statements, positions)
    const withStates = onlyOwnResults(await this.inner.transaction(sent, options), sent)
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
      this.afterLast(observer)
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
    await this.ending
    const { observer, firstStateId, committed, recorded } = this
    this.committed = []
    if (this.failure || !observer || firstStateId === null || committed.length === 0) return
    const rows = recorded ?? (await this.traced(() => readRecordedStates(observer, firstStateId)))
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

  /**
   * Starts the trace's own set-up (its connection, the table of states, and the schema before the first
   * pending statement when `pendingFirst`: no other version runs before it) without waiting for it, so
   * that it runs while the engine sets up its history. Optional: what it does not do is done when needed.
   */
  prepare(pendingFirst: boolean): void {
    this.preparing = this.traced(async () => {
      const observer = await this.connection()
      if (pendingFirst) await this.snapshotBefore(observer)
      if (this.firstStateId === null) this.firstStateId = await prepareStates(observer)
    })
  }

  async close(): Promise<void> {
    await this.preparing
    await this.ending
    await this.connecting?.catch(() => {})
    await this.observer?.end().catch(() => {})
    this.observer = null
    await this.inner.close()
  }

  private connection(): Promise<pg.Client> {
    this.connecting ??= this.connect()
    return this.connecting
  }

  private async connect(): Promise<pg.Client> {
    // The driver is imported here, on the trace's first connection: loading the dialect does not load it.
    const { default: driver } = await import('pg')
    const client = new driver.Client({ connectionString: this.url })
    await client.connect()
    this.observer = client
    return client
  }

  private async snapshotBefore(client: pg.Client): Promise<void> {
    if (!this.before) this.before = await readSchemaSnapshot(client, this.leaveOut)
  }

  /**
   * Once the last pending statement has run: reads the schema after it and what the traced transactions
   * recorded, while the engine goes on (it changes nothing but its own history after that); `finish` waits.
   */
  private afterLast(client: pg.Client): void {
    if (this.expected.length > 0 || this.ending) return
    const { firstStateId } = this
    this.ending = this.traced(async () => {
      this.after = await readSchemaSnapshot(client, this.leaveOut)
      if (firstStateId !== null && this.committed.length > 0) this.recorded = await readRecordedStates(client, firstStateId)
    })
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
