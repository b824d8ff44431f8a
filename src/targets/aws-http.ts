/**
 * The HTTP settings of the AWS SDK clients (Data API, Lambda). The SDK waits forever by default: an
 * endpoint that accepts a request and never answers would hang a run until the job's own time limit.
 * Every call therefore gets a request timeout a little above the service's own limit for one call, so
 * that an answer the service would still give is never cut off. A call that times out failed with
 * `TimeoutError` (a transient error in retry.ts): it is handled exactly like a lost reply, and a
 * mutating call is never re-sent without finding out first whether it took effect.
 */
/** The Data API ends every call after 45 s (StatementTimeoutException); 15 s more for the reply to arrive. */
export const DATA_API_REQUEST_TIMEOUT_MS = 60_000

/**
 * A synchronous Invoke lasts as long as the function runs: at most 15 minutes (its timeout), plus its
 * start (init may take up to 10 s) and the reply. One minute more than the longest function run.
 */
export const LAMBDA_REQUEST_TIMEOUT_MS = 16 * 60_000

/** Opening the TCP/TLS connection: the request has not been sent yet when this runs out. */
export const CONNECTION_TIMEOUT_MS = 10_000

/**
 * TCP keep-alive probes start after this much silence. A synchronous Invoke's connection carries no
 * byte while the function runs (up to 15 minutes); a NAT or firewall on the way may drop a connection
 * that looks idle (AWS NAT gateways after 350 s), and the reply would then never arrive.
 */
const KEEP_ALIVE_PROBE_MS = 30_000

/** The requestHandler options of an SDK client whose calls may take at most `requestTimeoutMs`. */
export function requestHandlerOptions(requestTimeoutMs: number) {
  const agent = { keepAlive: true, keepAliveMsecs: KEEP_ALIVE_PROBE_MS }
  return {
    requestTimeout: requestTimeoutMs,
    // Without this the SDK only logs a warning when requestTimeout passes, and goes on waiting.
    throwOnRequestTimeout: true,
    connectionTimeout: Math.min(CONNECTION_TIMEOUT_MS, requestTimeoutMs),
    httpAgent: agent,
    httpsAgent: agent
  }
}

/** A call that timed out before its connection was even open: nothing was sent. */
export function isConnectionTimeout(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error)
  return /did not establish a connection with the server within/.test(message)
}
