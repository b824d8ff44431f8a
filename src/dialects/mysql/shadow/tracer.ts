/**
 * MySQL's tracer: no lock and rewrite trace yet (what each statement locked and rebuilt comes with MySQL's
 * review). Every call goes through to the inner target unchanged; nothing is traced, `failure` says why, so
 * that verification reports it and goes on, and there is no schema change.
 */
import type { SchemaChange } from '../../../review/schema-change.js'
import type { StatementTrace } from '../../../review/types.js'
import type { Tracer } from '../../../shadow/dialect.js'
import type {
  QueryOptions,
  QueryResult,
  SqlParams,
  Target,
  TransactionOptions,
  TransactionResult,
  TxStatement
} from '../../../targets/target.js'

/** Why there is no trace, as verification reports it ("Tracing the pending statements stopped: …"). */
export const NO_TRACE = 'the lock and rewrite trace is PostgreSQL-only for now; on MySQL the statements were applied untraced.'

export class PassThroughTracer implements Tracer {
  readonly traces = new Map<string, StatementTrace>()
  readonly failure = NO_TRACE

  constructor(private readonly inner: Target) {}

  get description(): string {
    return this.inner.description
  }

  query(sql: string, params?: SqlParams, options?: QueryOptions): Promise<QueryResult> {
    return this.inner.query(sql, params, options)
  }

  transaction(statements: TxStatement[], options?: TransactionOptions): Promise<TransactionResult> {
    return this.inner.transaction(statements, options)
  }

  close(): Promise<void> {
    return this.inner.close()
  }

  prepare(_pendingFirst: boolean): void {}

  async finish(): Promise<void> {}

  schemaChange(): SchemaChange | null {
    return null
  }
}
