/**
 * The RDS Data API emulator's operations over a database backend (backend.ts): ExecuteStatement,
 * BatchExecuteStatement and the transaction calls, with what the service checks on each (the cluster ARN, the
 * secret, the `schema` parameter), transaction ids (busy, idle and expired, aborted by an SQL error), and the
 * per-call time limit with `continueAfterTimeout`. The HTTP front (server.ts) routes requests here.
 */
import { randomBytes } from 'node:crypto'
import type { DataApiBackend } from './backend.js'
import { ServiceError, badRequest, connectionLost, databaseError, validation, type DataApiOperation, type ReplyBody } from './protocol.js'

export interface OperationSettings {
  resourceArn: string
  secretArn: string
  idleTransactionTimeoutMs: number
  statementTimeoutMs: number
}

export interface Operations {
  handlers: Record<DataApiOperation, (body: Record<string, unknown>) => Promise<ReplyBody>>
  /** Open transactions (for assertions). */
  openTransactions(): number
  /** Rolls back every open transaction, waits (2 s at most) for work left running, and closes the backend. */
  stop(): Promise<void>
}

interface Transaction<C> {
  id: string
  connection: C
  busy: boolean
  idleTimer?: NodeJS.Timeout
}

const TIMED_OUT = Symbol('timed out')

export function createOperations<C, S, R>(backend: DataApiBackend<C, S, R>, settings: OperationSettings): Operations {
  const { resourceArn, secretArn, idleTransactionTimeoutMs, statementTimeoutMs } = settings
  const transactions = new Map<string, Transaction<C>>()
  /** Why a transaction id is no longer known: its TransactionNotFoundException says so. */
  const ended = new Map<string, 'aborted' | 'expired' | 'finished'>()
  const background = new Set<Promise<unknown>>()

  function notFound(id: string): ServiceError {
    const reason = ended.get(id)
    const message =
      reason === 'aborted'
        ? `Transaction ${id} isn't found. Transaction has been aborted due to an error from a previous call.`
        : `Transaction ${id} isn't found`
    return new ServiceError(404, 'TransactionNotFoundException', message)
  }

  function transactionFor(id: unknown): Transaction<C> {
    if (typeof id !== 'string' || id === '') throw validation('transactionId is required')
    const tx = transactions.get(id)
    if (!tx) throw notFound(id)
    if (tx.busy) throw databaseError('Transaction is still running a query')
    return tx
  }

  /** Ends a transaction server-side (rolling it back when asked) and forgets it. */
  async function endTransaction(tx: Transaction<C>, reason: 'aborted' | 'expired' | 'finished', rollback = false): Promise<void> {
    if (tx.idleTimer) clearTimeout(tx.idleTimer)
    transactions.delete(tx.id)
    ended.set(tx.id, reason)
    if (rollback) await backend.rollback(tx.connection).catch(() => {})
    await backend.release(tx.connection)
  }

  function armIdleTimer(tx: Transaction<C>): void {
    if (tx.idleTimer) clearTimeout(tx.idleTimer)
    tx.idleTimer = setTimeout(() => {
      if (transactions.get(tx.id) === tx && !tx.busy) track(endTransaction(tx, 'expired', true))
    }, idleTransactionTimeoutMs)
    tx.idleTimer.unref()
  }

  /** Keeps work that outlives its request until stop() (which waits for it); its failure is nobody's answer. */
  function track(promise: Promise<unknown>): void {
    background.add(promise)
    promise.then(
      () => background.delete(promise),
      () => background.delete(promise)
    )
  }

  /** Races work against the call's time limit; resolves TIMED_OUT (leaving the work running) when it takes too long. */
  function withTimeout<T>(work: Promise<T>) {
    work.catch(() => {})
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), statementTimeoutMs)
    })
    const raced = Promise.race([work, timeout]).finally(() => clearTimeout(timer))
    return { raced, query: work }
  }

  function timeoutError(connection: C): ServiceError {
    return new ServiceError(400, 'StatementTimeoutException', 'Request timed out', { dbConnectionId: backend.connectionId(connection) })
  }

  function checkCommon(body: Record<string, unknown>): void {
    if (body.resourceArn !== resourceArn) {
      throw badRequest(`Invalid cluster arn: ${String(body.resourceArn)}`)
    }
    if (body.secretArn !== secretArn) {
      throw badRequest("Error fetching secret: Secrets Manager can't find the specified secret.")
    }
    if (body.schema !== undefined) throw validation("The schema parameter isn't supported.")
  }

  async function executeStatement(body: Record<string, unknown>): Promise<ReplyBody> {
    checkCommon(body)
    const prepared = await backend.prepare(body.sql, body.parameters)
    if (body.transactionId !== undefined && body.continueAfterTimeout === true) {
      // Refused by v1 and unverified on v2: the strict answer, so that nothing comes to rely on it.
      throw validation('continueAfterTimeout is not supported with a transactionId.')
    }
    if (body.transactionId !== undefined) {
      const tx = transactionFor(body.transactionId)
      tx.busy = true
      if (tx.idleTimer) clearTimeout(tx.idleTimer)
      try {
        const { raced, query } = withTimeout(backend.run(tx.connection, prepared))
        let outcome: R | typeof TIMED_OUT
        try {
          outcome = await raced
        } catch (error) {
          await endTransaction(tx, 'aborted', true)
          throw backend.sqlError(error, prepared) ?? connectionLost()
        }
        if (outcome === TIMED_OUT) {
          const error = timeoutError(tx.connection)
          await backend.cancel(tx.connection)
          await query.catch(() => {})
          await endTransaction(tx, 'aborted', true)
          throw error
        }
        return await backend.reply(tx.connection, outcome, body)
      } finally {
        tx.busy = false
        if (transactions.get(tx.id) === tx) armIdleTimer(tx)
      }
    }
    const connection = await backend.acquire(body.database)
    let releaseNow = true
    try {
      const { raced, query } = withTimeout(backend.run(connection, prepared))
      let outcome: R | typeof TIMED_OUT
      try {
        outcome = await raced
      } catch (error) {
        throw backend.sqlError(error, prepared) ?? connectionLost()
      }
      if (outcome === TIMED_OUT) {
        const error = timeoutError(connection)
        if (body.continueAfterTimeout === true) {
          // The SQL keeps running; the connection goes back to the pool when it is done.
          releaseNow = false
          track(query.catch(() => {}).then(() => backend.release(connection)))
        } else {
          await backend.cancel(connection)
          await query.catch(() => {})
        }
        throw error
      }
      return await backend.reply(connection, outcome, body)
    } finally {
      if (releaseNow) await backend.release(connection)
    }
  }

  async function batchExecute(body: Record<string, unknown>): Promise<ReplyBody> {
    checkCommon(body)
    const sets = Array.isArray(body.parameterSets) && body.parameterSets.length > 0 ? body.parameterSets : [[]]
    const prepared: S[] = []
    for (const set of sets) prepared.push(await backend.prepare(body.sql, set))
    const run = async (connection: C) => {
      const results: ReplyBody[] = []
      for (const p of prepared) {
        const { raced } = withTimeout(backend.run(connection, p))
        const outcome = await raced
        if (outcome === TIMED_OUT) throw timeoutError(connection)
        results.push(backend.updateResult(outcome))
      }
      return { updateResults: results }
    }
    const toServiceError = (error: unknown, p: S) =>
      error instanceof ServiceError ? error : (backend.sqlError(error, p) ?? connectionLost())
    if (body.transactionId !== undefined) {
      const tx = transactionFor(body.transactionId)
      tx.busy = true
      if (tx.idleTimer) clearTimeout(tx.idleTimer)
      try {
        return await run(tx.connection)
      } catch (error) {
        await backend.cancel(tx.connection).catch(() => {})
        await endTransaction(tx, 'aborted', true)
        throw toServiceError(error, prepared[0])
      } finally {
        tx.busy = false
        if (transactions.get(tx.id) === tx) armIdleTimer(tx)
      }
    }
    const connection = await backend.acquire(body.database)
    try {
      await backend.begin(connection)
      const reply = await run(connection)
      await backend.commit(connection)
      return reply
    } catch (error) {
      await backend.rollback(connection).catch(() => {})
      throw toServiceError(error, prepared[0])
    } finally {
      await backend.release(connection)
    }
  }

  async function beginTransaction(body: Record<string, unknown>): Promise<ReplyBody> {
    checkCommon(body)
    const connection = await backend.acquire(body.database)
    try {
      await backend.begin(connection)
    } catch (error) {
      await backend.release(connection)
      throw backend.sqlError(error) ?? error
    }
    const id = randomBytes(48).toString('base64')
    const tx: Transaction<C> = { id, connection, busy: false }
    transactions.set(id, tx)
    armIdleTimer(tx)
    return { transactionId: id }
  }

  async function commitTransaction(body: Record<string, unknown>): Promise<ReplyBody> {
    checkCommon(body)
    const tx = transactionFor(body.transactionId)
    tx.busy = true
    if (tx.idleTimer) clearTimeout(tx.idleTimer)
    const { raced, query } = withTimeout(backend.commit(tx.connection))
    let outcome: void | typeof TIMED_OUT
    try {
      outcome = await raced
    } catch (error) {
      tx.busy = false
      await endTransaction(tx, 'aborted', true)
      throw backend.sqlError(error) ?? connectionLost()
    }
    if (outcome === TIMED_OUT) {
      // The COMMIT goes on server-side (it may well succeed); the caller only learns it timed out.
      const error = timeoutError(tx.connection)
      if (tx.idleTimer) clearTimeout(tx.idleTimer)
      transactions.delete(tx.id)
      ended.set(tx.id, 'finished')
      track(query.catch(() => {}).then(() => backend.release(tx.connection)))
      throw error
    }
    tx.busy = false
    await endTransaction(tx, 'finished')
    return { transactionStatus: 'Transaction Committed' }
  }

  async function rollbackTransaction(body: Record<string, unknown>): Promise<ReplyBody> {
    checkCommon(body)
    const tx = transactionFor(body.transactionId)
    await endTransaction(tx, 'finished', true)
    return { transactionStatus: 'Rollback Complete' }
  }

  const handlers: Record<DataApiOperation, (body: Record<string, unknown>) => Promise<ReplyBody>> = {
    ExecuteStatement: executeStatement,
    BatchExecuteStatement: batchExecute,
    BeginTransaction: beginTransaction,
    CommitTransaction: commitTransaction,
    RollbackTransaction: rollbackTransaction
  }

  return {
    handlers,
    openTransactions: () => transactions.size,
    async stop() {
      for (const tx of [...transactions.values()]) {
        if (tx.busy) await backend.cancel(tx.connection).catch(() => {})
        await endTransaction(tx, 'expired', true).catch(() => {})
      }
      let grace: NodeJS.Timeout | undefined
      await Promise.race([
        Promise.allSettled([...background]),
        new Promise((resolve) => {
          grace = setTimeout(resolve, 2000)
        })
      ])
      clearTimeout(grace)
      await backend.close()
    }
  }
}
