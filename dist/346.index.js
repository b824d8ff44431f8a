export const id = 346;
export const ids = [346];
export const modules = {

/***/ 7792:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   b3: () => (/* binding */ LAMBDA_REQUEST_TIMEOUT_MS),
/* harmony export */   eS: () => (/* binding */ requestHandlerOptions),
/* harmony export */   fj: () => (/* binding */ DATA_API_REQUEST_TIMEOUT_MS),
/* harmony export */   iU: () => (/* binding */ isConnectionTimeout)
/* harmony export */ });
/* unused harmony export CONNECTION_TIMEOUT_MS */
/**
 * The HTTP settings of the AWS SDK clients (Data API, Lambda). The SDK waits forever by default: an
 * endpoint that accepts a request and never answers would hang a run until the job's own time limit.
 * Every call therefore gets a request timeout a little above the service's own limit for one call, so
 * that an answer the service would still give is never cut off. A call that times out failed with
 * `TimeoutError` (a transient error in retry.ts): it is handled exactly like a lost reply, and a
 * mutating call is never re-sent without finding out first whether it took effect.
 */
/** The Data API ends every call after 45 s (StatementTimeoutException); 15 s more for the reply to arrive. */
const DATA_API_REQUEST_TIMEOUT_MS = 60_000;
/**
 * A synchronous Invoke lasts as long as the function runs: at most 15 minutes (its timeout), plus its
 * start (init may take up to 10 s) and the reply. One minute more than the longest function run.
 */
const LAMBDA_REQUEST_TIMEOUT_MS = 16 * 60_000;
/** Opening the TCP/TLS connection: the request has not been sent yet when this runs out. */
const CONNECTION_TIMEOUT_MS = 10_000;
/**
 * TCP keep-alive probes start after this much silence. A synchronous Invoke's connection carries no
 * byte while the function runs (up to 15 minutes); a NAT or firewall on the way may drop a connection
 * that looks idle (AWS NAT gateways after 350 s), and the reply would then never arrive.
 */
const KEEP_ALIVE_PROBE_MS = 30_000;
/** The requestHandler options of an SDK client whose calls may take at most `requestTimeoutMs`. */
function requestHandlerOptions(requestTimeoutMs) {
    const agent = { keepAlive: true, keepAliveMsecs: KEEP_ALIVE_PROBE_MS };
    return {
        requestTimeout: requestTimeoutMs,
        // Without this the SDK only logs a warning when requestTimeout passes, and goes on waiting.
        throwOnRequestTimeout: true,
        connectionTimeout: Math.min(CONNECTION_TIMEOUT_MS, requestTimeoutMs),
        httpAgent: agent,
        httpsAgent: agent
    };
}
/** A call that timed out before its connection was even open: nothing was sent. */
function isConnectionTimeout(error) {
    const message = error instanceof Error ? error.message : String(error);
    return /did not establish a connection with the server within/.test(message);
}


/***/ }),

/***/ 346:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  createLambdaTarget: () => (/* binding */ createLambdaTarget)
});

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-lambda/dist-cjs/index.js
var dist_cjs = __webpack_require__(1696);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: ./src/targets/aws-http.ts
var aws_http = __webpack_require__(7792);
// EXTERNAL MODULE: ./src/targets/retry.ts
var retry = __webpack_require__(2024);
// EXTERNAL MODULE: ./src/targets/runner-protocol.ts
var runner_protocol = __webpack_require__(931);
;// CONCATENATED MODULE: ./src/targets/lambda/answers.ts
// ── What Lambda answers ─────────────────────────────────────────────────────────────────────────────
/** Invoke errors that come before the function runs, although their HTTP status is 5xx. */
const REFUSED_BEFORE_RUNNING = new Set([
    'ResourceNotReadyException',
    'EC2ThrottledException',
    'EC2AccessDeniedException',
    'EC2UnexpectedException',
    'ENILimitReachedException',
    'SubnetIPAddressLimitReachedException',
    'InvalidSubnetIDException',
    'InvalidSecurityGroupIDException',
    'InvalidZipFileException',
    'InvalidRuntimeException',
    'KMSAccessDeniedException',
    'KMSDisabledException',
    'KMSInvalidStateException',
    'KMSNotFoundException',
    'EFSMountConnectivityException',
    'EFSMountFailureException',
    'EFSMountTimeoutException',
    'EFSIOException',
    'SnapStartException',
    'SnapStartNotReadyException',
    'SnapStartTimeoutException'
]);
/** Network failures that happen before a request is sent: it never reached Lambda. */
const NOT_SENT = /\b(ECONNREFUSED|ENOTFOUND|EAI_AGAIN)\b/;
/** Function errors in which the runner's code never started (its module could not even load). */
const CODE_NEVER_RAN = new Set([
    'Runtime.ImportModuleError',
    'Runtime.HandlerNotFound',
    'Runtime.UserCodeSyntaxError',
    'Runtime.MalformedHandlerName'
]);
const TIMED_OUT = 'Sandbox.Timedout';
const RESPONSE_TOO_LARGE = 'Function.ResponseSizeTooLarge';
/** How often a failed query is re-sent after a function error: a timeout costs up to 15 minutes each time. */
function functionErrorRetries(errorType) {
    if (errorType === RESPONSE_TOO_LARGE || CODE_NEVER_RAN.has(errorType))
        return 0;
    return errorType === TIMED_OUT ? 1 : 2;
}
const FUNCTION_ERROR_HINTS = {
    [TIMED_OUT]: "The runner ran out of time: raise the function's timeout (15 minutes at most), or split the version.",
    [RESPONSE_TOO_LARGE]: "The answer was larger than Lambda's 6 MB limit for a synchronous invocation.",
    'Runtime.ImportModuleError': 'The function does not contain the runner: deploy runner.zip (dist/runner) from the same release as the action.',
    'Runtime.HandlerNotFound': 'The function does not contain the runner: deploy runner.zip (dist/runner) from the same release as the action.',
    'Runtime.UserCodeSyntaxError': 'The function does not contain the runner: deploy runner.zip (dist/runner) from the same release as the action.'
};
const API_HINTS = {
    ResourceNotFoundException: () => 'Deploy the runner (runner/template.yaml), or check lambda-function: its name, alias, and the region (AWS_REGION) it is looked up in.',
    AccessDeniedException: (fn) => `The role needs lambda:InvokeFunction on ${fn}.`,
    AccessDenied: (fn) => `The role needs lambda:InvokeFunction on ${fn}.`,
    CredentialsProviderError: () => 'No AWS credentials were found: add aws-actions/configure-aws-credentials before this step.',
    UnrecognizedClientException: () => 'The AWS credentials were refused: check aws-actions/configure-aws-credentials.',
    InvalidSignatureException: () => 'The AWS credentials were refused: check aws-actions/configure-aws-credentials.',
    ExpiredTokenException: () => 'The AWS session expired: get fresh credentials with aws-actions/configure-aws-credentials.'
};
/** `RequestId: 1b6c… Error: Task timed out after 900.00 seconds` → `Task timed out after 900.00 seconds`. */
function cleanFunctionMessage(message) {
    return message.replace(/^(?:\d{4}-\d\d-\d\dT\S+\s+)?(?:RequestId:\s*)?[0-9a-f]{8}-[0-9a-f-]{27}\s+(?:Error:\s*)?/i, '').trim();
}
function readFunctionFailure(header, text) {
    try {
        const body = JSON.parse(text);
        return {
            errorType: typeof body.errorType === 'string' && body.errorType ? body.errorType : header,
            errorMessage: cleanFunctionMessage(typeof body.errorMessage === 'string' ? body.errorMessage : text)
        };
    }
    catch {
        return { errorType: header, errorMessage: cleanFunctionMessage(text) };
    }
}
/** A message without its closing full stop, to go inside parentheses or before another. */
function bare(message) {
    return message.trim().replace(/[.\s]+$/, '');
}
/** A message as the end of a sentence, without doubling its full stop. */
function sentence(message) {
    return `${bare(message)}.`;
}
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
function isQueryResult(value) {
    return isObject(value) && Array.isArray(value.rows) && value.rows.every(isObject) && typeof value.rowCount === 'number';
}
/** A runner failure that is not an SQL error: `{ ok: false, error: { code, message } }`. */
function runnerFailure(body) {
    if (!isObject(body) || body.ok !== false || !isObject(body.error) || typeof body.error.code !== 'string')
        return undefined;
    return { code: body.error.code, message: typeof body.error.message === 'string' ? body.error.message : '' };
}
/** The SQL error of an answer, keeping only the fields the protocol defines. */
function sqlError(value) {
    if (!isObject(value) || typeof value.message !== 'string')
        return undefined;
    const info = { message: value.message };
    if (typeof value.sqlState === 'string')
        info.sqlState = value.sqlState;
    if (typeof value.errno === 'number' && Number.isInteger(value.errno))
        info.errno = value.errno;
    if (typeof value.position === 'number')
        info.position = value.position;
    if (typeof value.detail === 'string')
        info.detail = value.detail;
    if (typeof value.hint === 'string')
        info.hint = value.hint;
    return info;
}

// EXTERNAL MODULE: ./src/targets/lambda/function-name.ts
var function_name = __webpack_require__(6196);
// EXTERNAL MODULE: ./src/text.ts
var src_text = __webpack_require__(8992);
;// CONCATENATED MODULE: ./src/targets/lambda/target.ts
/**
 * The runner Lambda transport: each Target call is one synchronous Invoke of the runner (runner/),
 * which runs the SQL inside the VPC and answers in the runner protocol (runner-protocol.ts).
 *
 * The SDK client makes one attempt per call; retries are decided here per error class (retry.ts):
 * - Lambda refused to run the function (throttling, a function still Pending, its VPC network not
 *   ready): nothing ran, so any call is retried with backoff for up to 2 minutes.
 * - The function failed (a crash, a timeout, an answer over 6 MB), the reply was lost (or did not come
 *   within the client's request timeout, 16 minutes: aws-http.ts), or a 5xx: the function may have
 *   run. A query (idempotent by contract) is re-sent a few times; a transaction never is: it may have
 *   committed, and the engine settles that by reading the meta table (CommitOutcomeUnknownError). Nor
 *   is a long-running migration statement (`longRunning`): StatementOutcomeUnknownError.
 */








function createLambdaTarget(options) {
    return new LambdaTarget(options);
}
class LambdaTarget {
    description;
    /** `Lambda function <name>[:qualifier]`, for messages. */
    subject;
    functionName;
    qualifier;
    client;
    ownsClient;
    log;
    sleep;
    random;
    refusedTimeoutMs;
    retry;
    constructor(options) {
        const identity = (0,function_name/* parseFunctionName */.R)(options.functionName);
        if (options.qualifier && identity.qualifier && options.qualifier !== identity.qualifier) {
            throw new errors/* TransportError */.wX(`The function name ${options.functionName} names qualifier ${identity.qualifier}, but qualifier ${options.qualifier} was given too.`, 'InvalidParameterValueException', false);
        }
        this.functionName = options.functionName;
        // Sent as a separate parameter only when the name does not carry it already.
        this.qualifier = identity.qualifier ? undefined : options.qualifier;
        const qualifier = identity.qualifier ?? options.qualifier;
        const shown = `${identity.name}${qualifier ? `:${qualifier}` : ''}`;
        this.description = `lambda ${shown}`;
        this.subject = `Lambda function ${shown}`;
        this.log = options.log ?? (() => { });
        this.sleep = options.sleep ?? src_text/* realSleep */.uk;
        this.random = options.random ?? Math.random;
        this.refusedTimeoutMs = options.refusedTimeoutMs ?? 120_000;
        this.ownsClient = !options.client;
        this.client =
            options.client ??
                new dist_cjs/* LambdaClient */.Nox({
                    maxAttempts: 1,
                    requestHandler: (0,aws_http/* requestHandlerOptions */.eS)(options.requestTimeoutMs ?? aws_http/* LAMBDA_REQUEST_TIMEOUT_MS */.b3),
                    // A function ARN names its region; anything else uses the SDK's (AWS_REGION).
                    ...(identity.region ? { region: identity.region } : {}),
                    ...(options.endpoint ? { endpoint: options.endpoint } : {})
                });
        this.retry = {
            sleep: this.sleep,
            now: options.now,
            random: this.random,
            throttleTimeoutMs: this.refusedTimeoutMs,
            service: `Lambda (function ${shown})`,
            log: this.log
        };
    }
    /**
     * With `longRunning` the statement runs within one invocation (the runner has up to 15 minutes) and
     * is never re-sent: only refusals before the function ran are retried. A failure that may have run
     * it (a function error, a lost reply, a 5xx) is StatementOutcomeUnknownError, as for a transaction
     * whose commit is in doubt; the engine settles it from the database.
     */
    async query(sql, params, options) {
        const request = {
            protocol: runner_protocol/* RUNNER_PROTOCOL */.mY,
            op: 'query',
            sql,
            ...(params ? { params } : {}),
            // Run by the runner on the statement's connection first (a runner that predates `session` ignores it).
            ...(options?.session?.length ? { session: options.session } : {})
        };
        const longRunning = options?.longRunning !== undefined;
        for (let attempt = 1;; attempt++) {
            let reply;
            try {
                // Only idempotent statements go through query() without longRunning, so a lost reply or a 5xx may be re-sent.
                reply = await this.invoke(request, !longRunning);
            }
            catch (error) {
                if (longRunning && !(error instanceof errors/* TransportError */.wX) && this.mayHaveRun(error)) {
                    throw new errors/* StatementOutcomeUnknownError */.qt(`The invocation of ${this.subject} for a long-running statement got no answer (${(0,retry/* errorName */.Is)(error)}: ` +
                        `${bare((0,errors/* errorMessage */.gJ)(error))}); the statement may have run, and may still be running.`, { cause: error, sql });
                }
                throw this.translate(error);
            }
            if (reply.kind === 'function-error' && longRunning) {
                const failed = this.functionFailed(reply);
                if (CODE_NEVER_RAN.has(reply.errorType)) {
                    throw new errors/* TransportError */.wX(`${failed.message} The runner's code never started: the statement did not run.`, reply.errorType, false);
                }
                throw new errors/* StatementOutcomeUnknownError */.qt(`${failed.message} It failed while running a long-running statement, which may have run (and may still be running).`, { cause: failed, sql });
            }
            if (reply.kind === 'function-error') {
                if (attempt <= functionErrorRetries(reply.errorType)) {
                    const wait = (0,retry/* backoffMs */.jo)(attempt, 1000, 5000, this.random);
                    this.log(`${this.subject} failed (${reply.errorType}: ${bare(reply.errorMessage)}); the query is safe to repeat, retrying in ${(0,retry/* formatSeconds */.Xo)(wait)}`);
                    await this.sleep(wait);
                    continue;
                }
                throw this.functionFailed(reply);
            }
            const body = reply.body;
            const failure = runnerFailure(body);
            if (failure) {
                const error = this.runnerFailed(failure);
                // A query commits nothing of the caller's: no outcome for the engine to settle.
                throw error instanceof errors/* CommitOutcomeUnknownError */.S4 ? new errors/* TransportError */.wX(error.message, failure.code, false) : error;
            }
            if (isObject(body) && body.ok === true && isQueryResult(body))
                return { rows: body.rows, rowCount: body.rowCount };
            const info = isObject(body) && body.ok === false ? sqlError(body.error) : undefined;
            if (info)
                throw new errors/* DatabaseError */.a$(info);
            throw new errors/* TransportError */.wX(this.notARunnerAnswer(reply.text), 'BAD_RESPONSE', false);
        }
    }
    async transaction(statements, options = {}) {
        // Nothing to run, nothing to commit: no invocation (the runner refuses an empty transaction).
        if (statements.length === 0)
            return { ok: true, results: [] };
        const packed = options.resultsNeeded === false;
        const request = packed
            ? { protocol: runner_protocol/* RUNNER_PROTOCOL */.mY, op: 'transaction', statements, resultsNeeded: false }
            : { protocol: runner_protocol/* RUNNER_PROTOCOL */.mY, op: 'transaction', statements };
        let reply;
        try {
            // Never re-sent after anything that may have run it: throttling and "not ready" alone are retried.
            reply = await this.invoke(request, false);
        }
        catch (error) {
            if (error instanceof errors/* TransportError */.wX)
                throw error;
            if (this.mayHaveRun(error)) {
                throw new errors/* CommitOutcomeUnknownError */.S4(`The invocation of ${this.subject} for a transaction got no answer (${(0,retry/* errorName */.Is)(error)}: ${bare((0,errors/* errorMessage */.gJ)(error))}); ` +
                    'the runner may have committed it.', { cause: error });
            }
            throw this.translate(error, ' Nothing of the transaction ran.');
        }
        if (reply.kind === 'function-error') {
            const failed = this.functionFailed(reply);
            if (CODE_NEVER_RAN.has(reply.errorType)) {
                throw new errors/* TransportError */.wX(`${failed.message} The runner's code never started: nothing of the transaction ran.`, reply.errorType, false);
            }
            // A timeout or crash may have come after COMMIT, and an answer too large to return follows it.
            throw new errors/* CommitOutcomeUnknownError */.S4(`${failed.message} It failed during a transaction, which may have been committed.`, {
                cause: failed
            });
        }
        const body = reply.body;
        const failure = runnerFailure(body);
        if (failure)
            throw this.runnerFailed(failure);
        if (isObject(body) &&
            body.ok === true &&
            Array.isArray(body.results) &&
            // Packed, the runner answers no results (one that predates packing answers them all).
            (body.results.length === statements.length || (packed && body.results.length === 0)) &&
            body.results.every(isQueryResult)) {
            if (packed)
                return { ok: true, results: [] };
            return { ok: true, results: body.results.map((r) => ({ rows: r.rows, rowCount: r.rowCount })) };
        }
        const info = isObject(body) && body.ok === false ? sqlError(body.error) : undefined;
        if (info && isObject(body) && typeof body.failedIndex === 'number') {
            const failed = { ok: false, failedIndex: body.failedIndex, error: info };
            // A runner older than these fields leaves them out: the failure's place is then unknown, and the
            // engine takes it for the version's own failure.
            if (body.phase === 'statement' || body.phase === 'commit')
                failed.phase = body.phase;
            if (typeof body.failedLabel === 'string')
                failed.failedLabel = body.failedLabel;
            if (body.guard === true)
                failed.guard = true;
            if (Array.isArray(body.guardRows))
                failed.guardRows = body.guardRows.filter(isObject);
            return failed;
        }
        // The function ran to its end but the answer is not one we can read: it may have committed.
        throw new errors/* CommitOutcomeUnknownError */.S4(`${this.notARunnerAnswer(reply.text)} Whether the transaction was committed is unknown.`);
    }
    async close() {
        if (this.ownsClient)
            this.client.destroy();
    }
    /** One synchronous Invoke, retried while Lambda refuses to run the function (and for `idempotent` calls, after 5xx/network failures). */
    async invoke(request, idempotent) {
        const payload = Buffer.from(JSON.stringify(request), 'utf8');
        if (payload.length > runner_protocol/* LAMBDA_PAYLOAD_LIMIT */.rK) {
            throw new errors/* TransportError */.wX(`The ${request.op} request for ${this.subject} is ${(0,src_text/* formatBytesExactly */.ZF)(payload.length)}; Lambda takes at most 6 MB ` +
                `(${runner_protocol/* LAMBDA_PAYLOAD_LIMIT */.rK.toLocaleString('en-US')} bytes) per synchronous invocation. Nothing was sent.`, 'PAYLOAD_TOO_LARGE', false);
        }
        const output = await (0,retry/* withRetry */.bD)(() => this.client.send(new dist_cjs/* InvokeCommand */.mdN({
            FunctionName: this.functionName,
            Qualifier: this.qualifier,
            InvocationType: 'RequestResponse',
            Payload: payload
        })), { ...this.retry, idempotent });
        const text = output.Payload ? Buffer.from(output.Payload).toString('utf8') : '';
        if (output.FunctionError)
            return { kind: 'function-error', ...readFunctionFailure(output.FunctionError, text) };
        try {
            return { kind: 'answer', body: JSON.parse(text), text };
        }
        catch {
            return { kind: 'answer', body: undefined, text };
        }
    }
    /** Whether an Invoke that threw may have run the function: a lost reply, a 5xx that is not a refusal. */
    mayHaveRun(error) {
        if ((0,retry/* classifyError */.fe)(error) !== 'transient')
            return false;
        if (REFUSED_BEFORE_RUNNING.has((0,retry/* errorName */.Is)(error)))
            return false;
        const code = error?.code;
        return !NOT_SENT.test(`${typeof code === 'string' ? code : ''} ${(0,errors/* errorMessage */.gJ)(error)}`) && !(0,aws_http/* isConnectionTimeout */.iU)(error);
    }
    functionFailed(failure) {
        const hint = FUNCTION_ERROR_HINTS[failure.errorType];
        return new errors/* TransportError */.wX(`${this.subject} failed: ${failure.errorType}: ${sentence(failure.errorMessage)}${hint ? ` ${hint}` : ' See its CloudWatch logs.'}`, failure.errorType, false);
    }
    runnerFailed(failure) {
        switch (failure.code) {
            case 'UNSUPPORTED_PROTOCOL':
                return new errors/* TransportError */.wX(`${this.subject} does not speak runner protocol ${runner_protocol/* RUNNER_PROTOCOL */.mY} (${bare(failure.message)}). Update the runner: ` +
                    'redeploy runner.zip (dist/runner) from the same release as the action.', failure.code, false);
            case 'BAD_REQUEST':
                return new errors/* TransportError */.wX(`${this.subject} refused the request as malformed (${bare(failure.message)}). This is a bug in aurora-migrate: please report it.`, failure.code, false);
            case 'CONNECTION':
                return new errors/* TransportError */.wX(`${this.subject}: the runner could not reach the database: ${sentence(failure.message)} ` +
                    "Check the runner's security group and subnets, and its DB_SECRET_ARN or DATABASE_URL.", failure.code, false);
            case 'COMMIT_UNKNOWN':
                return new errors/* CommitOutcomeUnknownError */.S4(`${this.subject} lost its connection to the database during COMMIT (${bare(failure.message)}); whether the transaction was committed is unknown.`);
            default:
                return new errors/* TransportError */.wX(`${this.subject} answered an error this action does not know: ${failure.code}: ${sentence(failure.message)}`, failure.code, false);
        }
    }
    notARunnerAnswer(text) {
        return (`${this.subject} answered something that is not a runner protocol ${runner_protocol/* RUNNER_PROTOCOL */.mY} answer: ${(0,src_text/* preview */.VH)(text) || '(empty)'}. ` +
            'Check that lambda-function names the aurora-migrate runner, deployed from the same release as the action.');
    }
    translate(error, suffix = '') {
        if (error instanceof errors/* TransportError */.wX)
            return error;
        const kind = (0,retry/* classifyError */.fe)(error);
        const code = error?.code;
        const name = (0,retry/* errorName */.Is)(error) === 'Error' && typeof code === 'string' ? code : (0,retry/* errorName */.Is)(error);
        const message = (0,errors/* errorMessage */.gJ)(error);
        if (kind === 'throttled' || kind === 'not-ready') {
            const hint = kind === 'throttled'
                ? "Its concurrency is used up: wait for other invocations to finish, or raise the function's reserved concurrency."
                : `The function is not ready (being created or updated, or its VPC network is not available): check it with aws lambda get-function --function-name ${this.functionName}.`;
            return new errors/* TransportError */.wX(`Lambda refused to run ${this.subject.replace(/^Lambda /, '')} for ${(0,retry/* formatSeconds */.Xo)(this.refusedTimeoutMs)} (${name}: ${bare(message)}). ${hint}${suffix}`, name, false, { cause: error });
        }
        const hint = API_HINTS[name]?.(this.functionName);
        return new errors/* TransportError */.wX(`Invoking ${this.subject} failed (${name}): ${sentence(message)}${hint ? ` ${hint}` : ''}${suffix}`, name, false, {
            cause: error
        });
    }
}


/***/ }),

/***/ 2024:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   Is: () => (/* binding */ errorName),
/* harmony export */   Xo: () => (/* binding */ formatSeconds),
/* harmony export */   bD: () => (/* binding */ withRetry),
/* harmony export */   fe: () => (/* binding */ classifyError),
/* harmony export */   jo: () => (/* binding */ backoffMs)
/* harmony export */ });
/* unused harmony exports retryAfterMs, DEFAULT_THROTTLE_TIMEOUT_MS */
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3916);
/* harmony import */ var _text_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(8992);
/**
 * Which AWS failures (Data API, Lambda Invoke) are retried, and how. Decided per error class, never
 * "retry everything":
 *
 * - `resuming`  DatabaseResumingException: the call never reached the database (the cluster is
 *               waking up from auto-pause). Retried for any call, with backoff, up to a time limit.
 * - `throttled` 429 / ThrottlingException / TooManyRequestsException: refused before execution.
 *               Retried for any call, with backoff and jitter, for up to `throttleTimeoutMs` (5 minutes
 *               by default: long enough to ride out a throttling storm). Inside a Data API transaction
 *               the caller passes a shorter window, since the transaction expires after 3 idle minutes.
 * - `not-ready` a Lambda function that cannot run yet (Pending or being updated, its VPC network
 *               interfaces or subnet addresses not available): refused before the function ran.
 *               Retried for any call, like throttling.
 * - `transient` 5xx and network failures, and a call that got no answer within the client's request
 *               timeout (aws-http.ts): the call may or may not have run. Retried only for calls that are
 *               safe to send twice (`idempotent`).
 * - `sql`       an error from PostgreSQL. Never retried.
 * - `fatal`     everything else (validation, permissions, statement timeout, a lost transaction).
 */


const THROTTLING = new Set([
    'ThrottlingException',
    'TooManyRequestsException',
    'ThrottledException',
    'Throttling',
    'RequestLimitExceeded',
    'RequestThrottled',
    'RequestThrottledException',
    'SlowDown'
]);
/** Lambda Invoke answers that mean the function did not run because it is not ready yet. */
const NOT_READY = new Set([
    'ResourceConflictException',
    'ResourceNotReadyException',
    'EC2ThrottledException',
    'ENILimitReachedException',
    'SubnetIPAddressLimitReachedException'
]);
const TRANSIENT_NAMES = new Set([
    'InternalServerErrorException',
    'InternalFailure',
    'InternalError',
    'ServiceUnavailableError',
    'ServiceUnavailableException',
    'ServiceUnavailable',
    'DatabaseUnavailableException',
    'RequestTimeout',
    'RequestTimeoutException',
    'TimeoutError'
]);
const NETWORK_CODES = new Set([
    'ECONNRESET',
    'ECONNREFUSED',
    'ECONNABORTED',
    'EPIPE',
    'ETIMEDOUT',
    'ENOTFOUND',
    'EAI_AGAIN',
    'EHOSTUNREACH',
    'ENETUNREACH',
    'ENETDOWN',
    'UND_ERR_SOCKET',
    'UND_ERR_CONNECT_TIMEOUT'
]);
function errorName(error) {
    const e = (error ?? {});
    const name = typeof e.name === 'string' ? e.name : 'Error';
    // An error from another realm reaches us wrapped by the SDK: "AWS SDK error wrapper for TimeoutError: …".
    const wrapped = name === 'Error' && typeof e.message === 'string' ? /^AWS SDK error wrapper for (\w+)/.exec(e.message) : null;
    return wrapped ? wrapped[1] : name;
}
function httpStatus(error) {
    const status = (error ?? {}).$metadata?.httpStatusCode;
    return typeof status === 'number' ? status : undefined;
}
/** v1 sent SQL errors as BadRequestException "Database error code: N. Message: ERROR: …". */
function looksLikeSqlError(message) {
    return /^Database error code:|^Database returned SQL Exception|^(ERROR|FATAL):/.test(message.trim());
}
function classifyError(error) {
    if (error instanceof _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .DatabaseError */ .a$)
        return 'sql';
    if (error instanceof _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .TransportError */ .wX)
        return 'fatal';
    const e = (error ?? {});
    const name = errorName(error);
    const code = typeof e.code === 'string' ? e.code : '';
    const message = typeof e.message === 'string' ? e.message : '';
    const status = httpStatus(error);
    if (name === 'DatabaseResumingException')
        return 'resuming';
    if (THROTTLING.has(name) || status === 429)
        return 'throttled';
    if (NOT_READY.has(name))
        return 'not-ready';
    if (name === 'DatabaseErrorException')
        return 'sql';
    if (name === 'BadRequestException' && looksLikeSqlError(message))
        return 'sql';
    if (TRANSIENT_NAMES.has(name) || NETWORK_CODES.has(code) || NETWORK_CODES.has(name))
        return 'transient';
    if (status === undefined && (/socket hang up|other side closed/i.test(message) || [...NETWORK_CODES].some((c) => message.includes(c)))) {
        return 'transient';
    }
    if (status !== undefined && status >= 500)
        return 'transient';
    return 'fatal';
}
/** Exponential backoff with "equal jitter": half the step fixed, half random. */
function backoffMs(attempt, baseMs, capMs, random) {
    const step = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(step / 2 + (step / 2) * random());
}
/**
 * The wait a refusal asks for: Lambda's TooManyRequestsException carries the Retry-After header as
 * `retryAfterSeconds`; other errors may have the raw header in `$response`.
 */
function retryAfterMs(error) {
    const e = (error ?? {});
    const header = e.retryAfterSeconds ?? e.$response?.headers?.['retry-after'];
    const seconds = typeof header === 'number' ? header : typeof header === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(header) ? Number(header) : NaN;
    return Number.isFinite(seconds) && seconds >= 0 ? Math.round(seconds * 1000) : undefined;
}
function formatSeconds(ms) {
    const s = ms / 1000;
    return s < 10 ? `${Number(s.toFixed(1))} s` : `${Math.round(s)} s`;
}
function messageOf(error) {
    return String(error?.message ?? error);
}
/** Lambda says why it throttled (`Reason`: ReservedFunctionConcurrentInvocationLimitExceeded, …). */
function reasonOf(error) {
    const reason = (error ?? {}).Reason;
    return typeof reason === 'string' && reason ? `: ${reason}` : '';
}
const RESUME_BASE_MS = 1000;
const RESUME_CAP_MS = 10_000;
const THROTTLE_BASE_MS = 500;
const THROTTLE_CAP_MS = 20_000;
const DEFAULT_THROTTLE_TIMEOUT_MS = 300_000;
const TRANSIENT_BASE_MS = 500;
const TRANSIENT_CAP_MS = 5000;
/**
 * Runs `call`, retrying it as the error class allows. Errors that are not retried, or whose retries
 * are used up, are rethrown unchanged, except a cluster that does not resume in time: that is a
 * TransportError saying so.
 */
async function withRetry(call, options) {
    const sleep = options.sleep ?? _text_js__WEBPACK_IMPORTED_MODULE_1__/* .realSleep */ .uk;
    const now = options.now ?? Date.now;
    const random = options.random ?? Math.random;
    const log = options.log ?? (() => { });
    const resumeTimeoutMs = options.resumeTimeoutMs ?? 300_000;
    const throttleTimeoutMs = options.throttleTimeoutMs ?? DEFAULT_THROTTLE_TIMEOUT_MS;
    const throttleMaxPauseMs = options.throttleMaxPauseMs ?? THROTTLE_CAP_MS;
    const transientAttempts = options.transientAttempts ?? 3;
    const service = options.service ?? 'The Data API';
    let attempt = 0;
    let resumingSince;
    let resumingRetries = 0;
    let throttledRetries = 0;
    let refusedSince;
    let transientRetries = 0;
    for (;;) {
        attempt++;
        try {
            return await call();
        }
        catch (error) {
            const kind = classifyError(error);
            if (kind === 'resuming') {
                resumingSince ??= now();
                resumingRetries++;
                const elapsed = now() - resumingSince;
                const wait = backoffMs(resumingRetries, RESUME_BASE_MS, RESUME_CAP_MS, random);
                if (elapsed + wait > resumeTimeoutMs) {
                    throw new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .TransportError */ .wX(`The Aurora cluster did not resume from auto-pause within ${Math.round(resumeTimeoutMs / 1000)} s ` +
                        `(${attempt} attempts). Try again later, or raise resume-timeout.`, 'DatabaseResumingException', false, { cause: error });
                }
                log(`Aurora cluster is resuming after auto-pause; retrying in ${formatSeconds(wait)} ` +
                    `(attempt ${attempt + 1}, ${formatSeconds(elapsed)} so far)`);
                await sleep(wait);
                continue;
            }
            if (kind === 'throttled' || kind === 'not-ready') {
                refusedSince ??= now();
                const elapsed = now() - refusedSince;
                // The backoff (with jitter), but never sooner than the service asked for (Retry-After), and never
                // longer than one pause may last.
                const backoff = backoffMs(throttledRetries + 1, THROTTLE_BASE_MS, Math.min(THROTTLE_CAP_MS, throttleMaxPauseMs), random);
                const wait = Math.min(throttleMaxPauseMs, Math.max(backoff, retryAfterMs(error) ?? 0));
                if (elapsed + wait <= throttleTimeoutMs) {
                    throttledRetries++;
                    const progress = ` (attempt ${attempt + 1}, ${formatSeconds(elapsed)} so far)`;
                    log(kind === 'throttled'
                        ? `${service} is throttling requests (${errorName(error)}${reasonOf(error)}); retrying in ${formatSeconds(wait)}${progress}`
                        : `${service} is not ready (${errorName(error)}: ${messageOf(error)}); retrying in ${formatSeconds(wait)}${progress}`);
                    await sleep(wait);
                    continue;
                }
            }
            if (kind === 'transient' && options.idempotent && transientRetries + 1 < transientAttempts) {
                transientRetries++;
                const wait = backoffMs(transientRetries, TRANSIENT_BASE_MS, TRANSIENT_CAP_MS, random);
                log(`${service} call failed (${errorName(error)}: ${messageOf(error)}); retrying in ${formatSeconds(wait)}`);
                await sleep(wait);
                continue;
            }
            throw error;
        }
    }
}


/***/ })

};
