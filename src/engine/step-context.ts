/**
 * What the parts of a version run in steps share: the steps and the run's context, how people count
 * steps, and the failures of a step with the sentence on what the version is left as.
 */
import { createHash } from 'node:crypto'
import { DatabaseError, StepFailedError, errorMessage, type SqlErrorInfo } from '../errors.js'
import type { MigrationFile, Statement, Version } from '../migrations/types.js'
import { preview } from '../text.js'
import { locate } from './fenced-transaction.js'
import type { EngineContext, VersionOutcome } from './types.js'

/** sha256 of a statement's text, as the progress table records it. */
export function statementChecksum(sql: string): string {
  return `sha256:${createHash('sha256').update(sql, 'utf8').digest('hex')}`
}

export interface Step {
  statement: Statement
  file: MigrationFile
}

export function where(statement: { file: string; line: number }): string {
  return `${statement.file}:${statement.line}`
}

/** Steps a..b as people count them (1-based). */
export function stepRange(from: number, to: number): string {
  return from === to ? `step ${from}` : `steps ${from}–${to}`
}

/** The run's context, and the version being applied in steps. */
export interface RunContext extends EngineContext {
  version: Version
  steps: Step[]
  /** Steps complete so far (recorded in the progress table). */
  completed: number
  applied: () => VersionOutcome
  /** When this run started the version (now()): its meta row's execution_ms counts from here, not from its last transaction. */
  startedAt: number
}

/** What a failure leaves behind, for the error message. */
export function outcomeSentence(context: RunContext, extra = ''): string {
  const { version, steps, completed, tables } = context
  if (completed === 0) return `${extra}Nothing of v${version.number} was applied; versions before it stay applied.`
  return (
    `${extra}v${version.number} is partly applied: ${stepRange(1, completed)} of ${steps.length} ran and stay applied (recorded in ${tables.display}_progress), ` +
    `and v${version.number} is not recorded as applied. Fix the failing statement and re-run: the run resumes after step ${completed}.`
  )
}

export function stepFailed(context: RunContext, stepIndex: number, error: SqlErrorInfo, advice: string | null, extra = ''): VersionOutcome {
  const step = context.steps[stepIndex]
  const location = locate(step.statement, error.position)
  return {
    kind: 'failed',
    error: new StepFailedError(
      context.version.number,
      location,
      error,
      preview(step.statement.sql),
      context.completed,
      context.steps.length,
      advice,
      outcomeSentence(context, extra)
    )
  }
}

/** What the failure leaves behind, when it is not the fault of a statement of the version. */
export function rerunSentence(context: RunContext): string {
  return outcomeSentence(context).replace('Fix the failing statement and re-run', 'Re-run')
}

/** A failed step with the sentence on what it left behind given by the caller. */
export function failedStep(context: RunContext, stepIndex: number, error: SqlErrorInfo, advice: string, outcome: string): VersionOutcome {
  const step = context.steps[stepIndex]
  return {
    kind: 'failed',
    error: new StepFailedError(
      context.version.number,
      locate(step.statement, error.position),
      error,
      preview(step.statement.sql),
      context.completed,
      context.steps.length,
      advice,
      outcome
    )
  }
}

export function errorInfo(error: unknown): SqlErrorInfo {
  if (error instanceof DatabaseError) return error.info
  return { message: errorMessage(error) }
}
