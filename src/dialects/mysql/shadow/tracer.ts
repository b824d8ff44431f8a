/**
 * MySQL's trace of the pending statements on the throwaway server: for each one that is table DDL the online DDL
 * table covers (ALTER TABLE, CREATE/DROP INDEX, RENAME/OPTIMIZE TABLE), the algorithm the server accepts for it,
 * proved on an empty copy of its table just before the statement runs for real (algorithm-probe.ts), and whether
 * that rebuilt the table. The engine sends each DDL statement alone (a `longRunning` query: MySQL commits DDL
 * implicitly); the statements are recognised by their text, in the order the engine applies them. Locks,
 * scans and the schema change are not traced on MySQL: `locks` stays empty and `schemaChange` null.
 */
import type { Version } from '../../../migrations/types.js'
import type { Tracer } from '../../../shadow/dialect.js'
import type { SchemaChange } from '../../../review/schema-change.js'
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
import { predictAlgorithm } from '../review/algorithm.js'
import type { MysqlNode } from '../review/node.js'
import { parseMysqlStatement } from '../review/parse.js'
import { probeServer, proveAlgorithm, type ProbeServer } from './algorithm-probe.js'

interface Expected {
  version: number
  index: number
  sql: string
  /** The statement's node when the online DDL table covers it; null: not traced. */
  node: MysqlNode | null
}

/** Whether the online DDL table covers the statement (for any server: which statements it covers does not depend on one). */
function coveredNode(sql: string): MysqlNode | null {
  const node = parseMysqlStatement(sql)
  if (!node) return null
  return predictAlgorithm(node, null, { flavor: 'mysql', version: '8.0.36' }, { foreignKeyChecks: true }) ? node : null
}

/** The pending versions' statements in the order the engine runs them, indexed over all files of a version. */
function pendingStatements(versions: Version[], pending: ReadonlySet<number>): Expected[] {
  return versions
    .filter((version) => pending.has(version.number))
    .sort((a, b) => a.number - b.number)
    .flatMap((version) =>
      version.files
        .flatMap((file) => file.statements)
        .map((statement, index) => ({ version: version.number, index, sql: statement.sql, node: coveredNode(statement.sql) }))
    )
}

/** The table the statement changes, as it names it: `orders`, `shop.orders`. */
function tableOf(node: MysqlNode): string | null {
  const table =
    node.kind === 'alter-table' || node.kind === 'create-index' || node.kind === 'drop-index'
      ? node.table
      : node.kind === 'rename-table'
        ? (node.renames[0]?.from ?? null)
        : null
  return table ? (table.schema === null ? table.name : `${table.schema}.${table.name}`) : null
}

export class MysqlTracer implements Tracer {
  readonly traces = new Map<string, StatementTrace>()
  failure: string | null = null
  private readonly expected: Expected[]
  private server: Promise<ProbeServer | null> | null = null

  constructor(
    private readonly inner: Target,
    versions: Version[],
    pending: ReadonlySet<number>
  ) {
    this.expected = pendingStatements(versions, pending)
  }

  get description(): string {
    return this.inner.description
  }

  /** Reads which server the throwaway is, while the engine sets up its history. */
  prepare(): void {
    this.server ??= this.readServer()
  }

  async query(sql: string, params?: SqlParams, options?: QueryOptions): Promise<QueryResult> {
    const next = this.expected[0]
    if (!options?.longRunning || params !== undefined || next?.sql !== sql) return this.inner.query(sql, params, options)
    this.expected.shift()
    if (!next.node || this.failure) return this.inner.query(sql, params, options)
    this.prepare()
    const server = await this.server
    if (!server) return this.inner.query(sql, params, options)
    const algorithm = await proveAlgorithm(this.inner, server, sql, next.node, options.session ?? [])
    const table = tableOf(next.node)
    const started = Date.now()
    try {
      return await this.inner.query(sql, params, options)
    } finally {
      this.traces.set(traceKey(next.version, next.index), {
        version: next.version,
        index: next.index,
        locks: [],
        rewritten: 'accepted' in algorithm && algorithm.rebuilt && table ? [table] : [],
        constraints: [],
        durationMs: Date.now() - started,
        algorithm
      })
    }
  }

  transaction(statements: TxStatement[], options?: TransactionOptions): Promise<TransactionResult> {
    for (const statement of statements) {
      const next = this.expected[0]
      if (statement.label || next?.sql !== statement.sql) continue
      this.expected.shift()
      // DDL commits on its own on MySQL, so the engine never sends it in a transaction; if it ever does, it is not probed there.
      if (next.node)
        this.traces.set(traceKey(next.version, next.index), {
          version: next.version,
          index: next.index,
          locks: [],
          rewritten: [],
          constraints: [],
          durationMs: 0,
          algorithm: { unproved: 'it ran inside a transaction, where the probe does not run' }
        })
    }
    return this.inner.transaction(statements, options)
  }

  async finish(): Promise<void> {
    await this.server
  }

  /** Not read on MySQL. */
  schemaChange(): SchemaChange | null {
    return null
  }

  async close(): Promise<void> {
    await this.server
    await this.inner.close()
  }

  private async readServer(): Promise<ProbeServer | null> {
    try {
      const { rows } = await this.inner.query('SELECT VERSION() AS version')
      return probeServer(String(rows[0]?.version ?? ''))
    } catch (error) {
      this.failure = `the throwaway server's version could not be read: ${error instanceof Error ? error.message : String(error)}`
      return null
    }
  }
}
