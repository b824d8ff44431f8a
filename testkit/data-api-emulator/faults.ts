/**
 * The faults a test injects into the RDS Data API emulator (auto-pause, 5xx, dropped replies, replies that
 * never come, throttling), and how the front (server.ts) takes the one that answers a call.
 */
import type { DataApiOperation, EmulatorCall } from './protocol.js'

export interface CallMatch {
  /** 1-based call number. */
  at?: number
  op?: DataApiOperation
  /** Only a call whose SQL contains this text. */
  sql?: string
}

export interface FaultPlan {
  /** The next `calls` calls (of operation `op`, when given) answer DatabaseResumingException. */
  resuming(options: { calls: number; op?: DataApiOperation }): void
  /** Every call within the next `ms` milliseconds answers DatabaseResumingException. */
  resumingFor(options: { ms: number }): void
  /** The matching call answers this error instead of executing. */
  status(options: CallMatch & { status: 500 | 503 | 504; name: string; message?: string }): void
  /** The matching call gets no reply: the socket is destroyed before or after the call is executed. */
  drop(options: CallMatch & { when: 'before' | 'after' }): void
  /**
   * The matching call is accepted and never answered, before or after it is executed: the connection
   * stays open until the client gives up on it or the emulator stops.
   */
  hang(options: CallMatch & { when: 'before' | 'after' }): void
  /**
   * The next `calls` calls (of operation `op`, and with or without a transactionId when `inTransaction`
   * is given) answer 429 ThrottlingException.
   */
  throttle(options: { calls: number; op?: DataApiOperation; inTransaction?: boolean }): void
  /** Forgets every fault not fired yet. */
  clear(): void
}

export type Fault =
  | { kind: 'status'; match: CallMatch; status: number; name: string; message?: string }
  | { kind: 'drop'; match: CallMatch; when: 'before' | 'after' }
  | { kind: 'hang'; match: CallMatch; when: 'before' | 'after' }

interface CountedFault {
  remaining: number
  op?: DataApiOperation
  inTransaction?: boolean
}

/** Consumes one call of the first counted fault that applies to `op` (sent with a transactionId or not). */
function takeCounted(faults: CountedFault[], op: string, inTransaction = false): boolean {
  const fault = faults.find(
    (f) => f.remaining > 0 && (f.op === undefined || f.op === op) && (f.inTransaction === undefined || f.inTransaction === inTransaction)
  )
  if (!fault) return false
  fault.remaining--
  return true
}

function matches(match: CallMatch, n: number, op: string, sql: string | undefined): boolean {
  return (
    (match.at === undefined || match.at === n) &&
    (match.op === undefined || match.op === op) &&
    (match.sql === undefined || (sql ?? '').includes(match.sql))
  )
}

export interface Faults {
  plan: FaultPlan
  /** Whether this call answers DatabaseResumingException (consumes a counted one). */
  resuming(op: string): boolean
  /** Whether this call is throttled (consumes a counted one). */
  throttled(op: string, inTransaction: boolean): boolean
  /** Removes and returns the first planned fault that matches the call and `predicate`. */
  take(call: EmulatorCall, predicate: (f: Fault) => boolean): Fault | undefined
}

export function createFaults(clock: () => number): Faults {
  let resumingCalls: CountedFault[] = []
  let resumingUntil = 0
  let throttleCalls: CountedFault[] = []
  let faults: Fault[] = []

  const plan: FaultPlan = {
    resuming: ({ calls: n, op }) => {
      resumingCalls.push({ remaining: n, op })
    },
    resumingFor: ({ ms }) => {
      resumingUntil = clock() + ms
    },
    status: ({ at, op, sql, status, name, message }) => {
      faults.push({ kind: 'status', match: { at, op, sql }, status, name, message })
    },
    drop: ({ at, op, sql, when }) => {
      faults.push({ kind: 'drop', match: { at, op, sql }, when })
    },
    hang: ({ at, op, sql, when }) => {
      faults.push({ kind: 'hang', match: { at, op, sql }, when })
    },
    throttle: ({ calls: n, op, inTransaction }) => {
      throttleCalls.push({ remaining: n, op, inTransaction })
    },
    clear: () => {
      faults = []
      resumingCalls = []
      resumingUntil = 0
      throttleCalls = []
    }
  }

  return {
    plan,
    resuming: (op) => takeCounted(resumingCalls, op) || clock() < resumingUntil,
    throttled: (op, inTransaction) => takeCounted(throttleCalls, op, inTransaction),
    take(call, predicate) {
      const index = faults.findIndex((f) => predicate(f) && matches(f.match, call.n, call.op, call.sql))
      if (index < 0) return undefined
      return faults.splice(index, 1)[0]
    }
  }
}
