/**
 * Types of scripts/probe-aurora-mysql.mjs (and the findings it re-exports) for the TypeScript tests that import it.
 */
import type { ExecuteStatementCommandOutput, RDSDataClient } from '@aws-sdk/client-rds-data'

export interface CallError {
  name: string
  message: string
}

/** One call's answer: the SDK's output, or the error it threw. */
export interface Outcome {
  result?: Partial<ExecuteStatementCommandOutput> & { transactionId?: string }
  error?: CallError
}

export interface Finding {
  key: string
  title: string
  /** `ok`: as aurora-migrate assumes; `differs`: the dialect must change; `unknown`: the probe could not tell. */
  status: 'ok' | 'differs' | 'unknown'
  found: string
  [detail: string]: unknown
}

export interface ProbeCall {
  step: string
  sql?: string
  transaction?: boolean
  continueAfterTimeout?: boolean
  error?: CallError
}

export interface ProbeOptions {
  resourceArn: string
  secretArn: string
  database: string
  region?: string
  endpoint?: string
  json: boolean
  help: boolean
}

export const USAGE: string
export function parseProbeArgs(argv: string[], env?: Record<string, string | undefined>): ProbeOptions
export function runProbe(
  client: RDSDataClient,
  target: { resourceArn: string; secretArn: string; database: string },
  options?: { log?: (line: string) => void; suffix?: string }
): Promise<{
  server: { version: unknown; database: unknown; isolation?: unknown } | null | undefined
  findings: Finding[]
  calls: ProbeCall[]
  scratch: string
}>

export function named(outcome: Outcome | undefined): string
export function parseErrorText(message: unknown): { format: string; errno: number | null; sqlState: string | null }
export function interpretTransactionAfterDdl(answers: {
  began: boolean
  ddl?: Outcome
  secondInsert?: Outcome
  rollback?: Outcome
  rowsLeft?: number[] | null
  autocommitInTransaction?: unknown
}): Finding
export function interpretErrorText(outcome: Outcome): Finding
export function interpretRowsUpdated(answers: { outcome: Outcome; matched: number }): Finding
export function interpretContinueAfterTimeout(outcome: Outcome): Finding
export function interpretProcedure(answers: {
  create: Outcome
  call?: Outcome
  after?: Record<string, unknown> | null
  drop?: Outcome
  timeoutSet: number
}): Finding
export function interpretParameters(answers: { create: Outcome; literal: unknown; expected: string }): Finding
export function interpretMultipleResults(answers: { create: Outcome; call?: Outcome }): Finding
export function interpretGetLock(answers: { get: Outcome; check: Outcome }): Finding
export function interpretVersionRoutine(answers: {
  create: Outcome
  call?: Outcome
  during?: Outcome
  callEndedFirst: boolean
  after?: Outcome
}): Finding
export function summarise(report: { server: unknown; findings: Finding[]; calls: ProbeCall[] }): {
  probe: string
  server: unknown
  findings: Record<string, Record<string, unknown>>
  calls: Array<Omit<ProbeCall, 'error'> & { error?: string }>
}
export function formatFindings(findings: Finding[]): string
export function fieldValue(field: unknown): unknown
export function firstValue(outcome: Outcome | undefined): unknown
export function rowObject(outcome: Outcome | undefined): Record<string, unknown> | null
