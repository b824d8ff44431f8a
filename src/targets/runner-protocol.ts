/**
 * The runner protocol: the JSON the action sends to the runner Lambda (runner/) and what it answers.
 * Versioned: a runner answers a request of a protocol it does not speak with `UNSUPPORTED_PROTOCOL`.
 *
 * Requests (one per invocation):
 *   { "protocol": 1, "op": "ping" }
 *   { "protocol": 1, "op": "query", "sql": "...", "params": { "name": value }, "session"?: [ "SET SESSION ...", ... ] }
 *   { "protocol": 1, "op": "transaction", "statements": [ { "sql": "...", "params": {...}, "expectRows": 1, "label": "fence" } ],
 *     "resultsNeeded"?: false }
 * Named parameters are `:name` in the SQL (as for the Data API); migration SQL is sent without them.
 *
 * Responses are always data, never a Lambda function error, where the runner can help it:
 *   ping         { "ok": true, "protocol": 1, "runner": "<version>", "server": "PostgreSQL 16.4" }
 *   query        { "ok": true, "rows": [...], "rowCount": n }
 *              | { "ok": false, "error": { "message", "sqlState"?, "errno"?, "position"?, "detail"?, "hint"? } }
 *   transaction  { "ok": true, "results": [ { "rows", "rowCount" }, ... ] }
 *              | { "ok": false, "phase": "statement" | "commit", "failedIndex": i, "failedLabel"?: "...", "error": {...},
 *                  "guard"?: true, "guardRows"?: [...] }
 *   any          { "ok": false, "error": { "code": "BAD_REQUEST" | "UNSUPPORTED_PROTOCOL" | "CONNECTION" | "COMMIT_UNKNOWN", "message" } }
 * A transaction answers `COMMIT_UNKNOWN` when the connection broke during COMMIT: the caller must read
 * the meta table to learn whether it committed.
 *
 * A failed transaction says where it failed: `phase` "statement" with the request's `failedIndex` (and
 * that statement's `label` echoed as `failedLabel`), or "commit" with `failedIndex` = the number of
 * statements when every statement ran and COMMIT itself failed (a deferred constraint, a serialization
 * failure). `label`, `phase` and `failedLabel` are optional additions to protocol 1: a runner that
 * predates them ignores `label` and answers without `phase`, which the action reads as "place unknown".
 *
 * `errno` (an optional addition to protocol 1) is the server's error number (MySQL's); an action that
 * predates it ignores it.
 *
 * `session` (an optional addition to protocol 1): session statements the runner runs first, on the same
 * connection, for this statement alone (MySQL's `SET SESSION lock_wait_timeout = 5` before a DDL); the session
 * is reset afterwards. A runner that predates it ignores the field and runs the statement at the server's
 * settings (a DDL then waits for its metadata lock for lock_wait_timeout's default).
 *
 * `resultsNeeded: false` (an optional addition to protocol 1) lets the runner run the statements packed
 * into one block (the wire dialect's `pack`; PostgreSQL: a DO block) and answer `"results": []`; a runner that predates it answers
 * every result, which the action accepts as well.
 *
 * Every invocation starts on a session as fresh as a new connection's, whatever earlier invocations of
 * a warm container ran on the connection it keeps.
 */
import type { SqlErrorInfo } from '../errors.js'
import type { QueryResult, Row, SqlParams, TxStatement } from './target.js'

export const RUNNER_PROTOCOL = 1

export type RunnerRequest =
  | { protocol: number; op: 'ping' }
  | { protocol: number; op: 'query'; sql: string; params?: SqlParams; session?: string[] }
  | { protocol: number; op: 'transaction'; statements: TxStatement[]; resultsNeeded?: false }

/** Failures that are not SQL errors. */
export const RUNNER_ERROR_CODES = ['BAD_REQUEST', 'UNSUPPORTED_PROTOCOL', 'CONNECTION', 'COMMIT_UNKNOWN'] as const
export type RunnerErrorCode = (typeof RUNNER_ERROR_CODES)[number]

export interface RunnerFailure {
  ok: false
  error: { code: RunnerErrorCode; message: string }
}

export type PingResponse = { ok: true; protocol: number; runner: string; server: string } | RunnerFailure
export type QueryResponse = ({ ok: true } & QueryResult) | { ok: false; error: SqlErrorInfo } | RunnerFailure
export type TransactionResponse =
  | { ok: true; results: QueryResult[] }
  | {
      ok: false
      phase?: 'statement' | 'commit'
      failedIndex: number
      failedLabel?: string
      error: SqlErrorInfo
      guard?: boolean
      guardRows?: Row[]
    }
  | RunnerFailure

export type RunnerResponse = PingResponse | QueryResponse | TransactionResponse

/** Lambda's synchronous invocation limit for request and response payloads. */
export const LAMBDA_PAYLOAD_LIMIT = 6 * 1024 * 1024
