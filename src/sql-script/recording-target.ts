/**
 * A Target that passes every call to the throwaway database and keeps a log of what was sent, in order: the
 * engine's own apply run through it gives the SQL script (render.ts) without a second rendering of what apply
 * does. Where the real target packs a transaction (the wire dialect's `pack`, as the direct PostgreSQL and the
 * Data API transports do), the log keeps the packed form the real target would send; the throwaway runs it
 * the way its own transport does, which has the same effect.
 */
import type { PackedChunk, WireDialect } from '../targets/wire.js'
import type { QueryOptions, QueryResult, SqlParams, Target, TransactionOptions, TransactionResult, TxStatement } from '../targets/target.js'

/** How the real target sends a transaction whose results the engine does not read. */
export interface SendingForm {
  /** Packed into chunks of at most this many characters; null: statement by statement in a transaction (the runner Lambda packs on its side). */
  packInto: number | null
  /** The real target's `callsAreSessions` (the Data API's), which makes the engine use version routines. */
  callsAreSessions?: { maxSqlChars: number }
}

export type Sent =
  /** The engine is about to apply the pending version at this index of the plan. */
  | { kind: 'version'; index: number }
  /** `failed`: the throwaway database refused it, and the engine went on (a background renewal of a locked lease row). */
  | { kind: 'query'; sql: string; params?: SqlParams; options?: QueryOptions; failed?: boolean }
  /** `packed`: the chunks the real target sends instead of the statements (one chunk: one autocommit call). */
  | { kind: 'transaction'; statements: TxStatement[]; packed: PackedChunk[] | null; failed?: boolean }

/**
 * What a transport logs when the server refused a packed transaction that runs fine statement by statement
 * (`SELECT … INTO`, which EXECUTE does not implement): it then runs the transaction unpacked, and so would the target.
 */
const PACKING_REFUSED = /refused the packed form/

export class RecordingTarget implements Target {
  readonly sent: Sent[] = []
  readonly callsAreSessions?: { maxSqlChars: number }
  private packingRefused = false

  constructor(
    private readonly inner: Target,
    private readonly wire: WireDialect,
    private readonly form: SendingForm
  ) {
    if (form.callsAreSessions) this.callsAreSessions = form.callsAreSessions
  }

  get description(): string {
    return this.inner.description
  }

  /** Marks where the engine starts a version (ApplyOptions.stopBefore is asked once before each). */
  markVersion(index: number): void {
    this.sent.push({ kind: 'version', index })
  }

  async query(sql: string, params?: SqlParams, options?: QueryOptions): Promise<QueryResult> {
    const entry: Extract<Sent, { kind: 'query' }> = {
      kind: 'query',
      sql,
      ...(params ? { params: { ...params } } : {}),
      ...(options ? { options } : {})
    }
    this.sent.push(entry)
    try {
      return await this.inner.query(sql, params, options)
    } catch (error) {
      entry.failed = true
      throw error
    }
  }

  /** Hears the throwaway connection's log: see PACKING_REFUSED. */
  heard(message: string): void {
    if (PACKING_REFUSED.test(message)) this.packingRefused = true
  }

  async transaction(statements: TxStatement[], options?: TransactionOptions): Promise<TransactionResult> {
    const copy = statements.map((statement) => ({ ...statement, ...(statement.params ? { params: { ...statement.params } } : {}) }))
    let packed: PackedChunk[] | null = null
    if (options?.resultsNeeded === false && this.form.packInto !== null && this.wire.packable(copy)) {
      const packing = this.wire.pack(copy, this.form.packInto)
      if (packing.ok) packed = packing.chunks
    }
    const entry: Extract<Sent, { kind: 'transaction' }> = { kind: 'transaction', statements: copy, packed }
    this.sent.push(entry)
    this.packingRefused = false
    try {
      const result = await this.inner.transaction(statements, options)
      if (this.packingRefused) entry.packed = null
      if (!result.ok) entry.failed = true
      return result
    } catch (error) {
      entry.failed = true
      throw error
    }
  }

  close(): Promise<void> {
    return this.inner.close()
  }
}
