export const id = 369;
export const ids = [369];
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

/***/ 3369:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  createDataApiTarget: () => (/* binding */ createDataApiTarget)
});

// EXTERNAL MODULE: ./node_modules/@aws-sdk/client-rds-data/dist-cjs/index.js
var dist_cjs = __webpack_require__(6315);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: ./src/targets/aws-http.ts
var aws_http = __webpack_require__(7792);
// EXTERNAL MODULE: ./src/targets/retry.ts
var retry = __webpack_require__(2024);
// EXTERNAL MODULE: ./src/targets/data-api/errors.ts
var data_api_errors = __webpack_require__(9111);
;// CONCATENATED MODULE: ./src/targets/data-api/long-statement.ts
/**
 * Waiting for a statement left running server-side after its call ended (the 45 s limit, or a lost
 * reply): its backend is looked up every few seconds through ordinary short queries (the wire dialect's
 * `runningStatement` probe), and its progress logged every 15 s where the server reports it.
 */



/** How often a long-running statement's backend is looked up once the call has timed out. */
const LONG_STATEMENT_POLL_MS = 5000;
/** How often its progress is logged. */
const LONG_STATEMENT_PROGRESS_MS = 15_000;
function percent(done, total) {
    const d = Number(done);
    const t = Number(total);
    if (!Number.isFinite(d) || !Number.isFinite(t) || t <= 0)
        return undefined;
    return `${Math.min(100, Math.floor((d / t) * 100))}% (${d.toLocaleString('en-US')} of ${t.toLocaleString('en-US')})`;
}
/** Waits for a statement left running server-side; returns the error that reports how it ended. */
async function waitForStatement(ctx, sql, started, timeoutMs, cause, 
/** How messages name it. Default: its first 80 characters. */
shown = (0,data_api_errors/* sqlPreview */.ps)(sql), 
/** A query answering a row (`pid`) while it runs (QueryOptions.longRunning.runningWhile); default: looked up by its text. */
runningWhile) {
    const name = (0,retry/* errorName */.Is)(cause);
    const timedOut = name === 'StatementTimeoutException';
    const progressSql = ctx.probe.progressSql(sql);
    const deadline = timeoutMs === null ? Infinity : started + timeoutMs;
    const limit = timeoutMs === null ? 'with no time limit' : `for up to ${(0,retry/* formatSeconds */.Xo)(timeoutMs)}`;
    let pid;
    let lastLog = ctx.now();
    ctx.log(timedOut
        ? `${shown} is still running after the Data API's 45 s call limit; waiting for it to finish on the server ${limit}`
        : `The call running ${shown} failed (${name}: ${(0,errors/* errorMessage */.gJ)(cause)}); checking whether it is running on the server`);
    for (;;) {
        let row;
        try {
            row = (runningWhile ? await ctx.query(runningWhile) : await ctx.query(ctx.probe.findSql, { sql })).rows[0];
        }
        catch (error) {
            return new errors/* TransportError */.wX(`Could not check whether ${shown} is still running on the server (${(0,errors/* errorMessage */.gJ)(error)}). It may still be ` +
                `running: see ${ctx.probe.activityQuery(pid)}. The migration version it belongs to is not complete.`, (0,retry/* errorName */.Is)(error), false, { cause: error });
        }
        const elapsed = ctx.now() - started;
        if (!row)
            break;
        pid = Number(row.pid);
        if (ctx.now() >= deadline) {
            return new errors/* TransportError */.wX(`${shown} is still running on the server after ${(0,retry/* formatSeconds */.Xo)(elapsed)} (pid ${pid}); the limit for it was ` +
                `${(0,retry/* formatSeconds */.Xo)(timeoutMs ?? 0)}. It was not cancelled: see it with ${ctx.probe.activityQuery(pid)}, and stop it with ` +
                `${ctx.probe.cancelQuery(pid)} if need be. The migration version it belongs to is not complete: it is not ` +
                'recorded as applied, and a later run must not start it again while it still runs.', 'STATEMENT_STILL_RUNNING', false, { cause });
        }
        if (ctx.now() - lastLog >= LONG_STATEMENT_PROGRESS_MS) {
            const progress = progressSql ? await statementProgress(ctx, progressSql, pid) : '';
            const waiting = row.wait_event_type ? `, waiting on ${String(row.wait_event_type)}: ${String(row.wait_event)}` : '';
            lastLog = ctx.now();
            ctx.log(`${shown} still running on the server after ${(0,retry/* formatSeconds */.Xo)(lastLog - started)} (pid ${pid}${waiting})${progress}`);
        }
        await ctx.sleep(Math.max(0, Math.min(LONG_STATEMENT_POLL_MS, deadline - ctx.now())));
    }
    const elapsed = (0,retry/* formatSeconds */.Xo)(ctx.now() - started);
    const how = pid !== undefined
        ? `ran past the Data API's 45 s call limit and finished on the server after about ${elapsed}`
        : timedOut
            ? `ran past the Data API's 45 s call limit and was no longer running on the server when checked`
            : `was sent, but the call failed (${name}: ${(0,errors/* errorMessage */.gJ)(cause)}) and the statement is not running on the server`;
    ctx.log(`${shown} is no longer running on the server (after ${elapsed})`);
    return new errors/* StatementOutcomeUnknownError */.qt(`${shown} ${how}; whether it succeeded cannot be read from the Data API.`, { cause, sql });
}
/** `; phase "…", blocks 40% (…), tuples …` for a statement in progress (a CREATE INDEX), or '' when there is no row. */
async function statementProgress(ctx, progressSql, pid) {
    try {
        const row = (await ctx.query(progressSql, { pid })).rows[0];
        if (!row)
            return '';
        const parts = [`phase "${String(row.phase)}"`];
        const blocks = percent(row.blocks_done, row.blocks_total);
        if (blocks)
            parts.push(`blocks ${blocks}`);
        const tuples = percent(row.tuples_done, row.tuples_total);
        if (tuples)
            parts.push(`tuples ${tuples}`);
        return `; ${parts.join(', ')}`;
    }
    catch {
        // The server may not report it (PostgreSQL before 12); progress is only for the log.
        return '';
    }
}

// EXTERNAL MODULE: ./src/targets/locate-failure.ts
var locate_failure = __webpack_require__(3477);
;// CONCATENATED MODULE: ./src/targets/data-api/packed.ts
/**
 * A transaction packed for the Data API (the wire dialect's `pack`): one block in one autocommit call, sent
 * once with continueAfterTimeout, or, when the packed text exceeds what one call takes, as few blocks as
 * fit in one Data API transaction.
 */





/**
 * The transaction run packed. Undefined when it cannot be packed (a statement that fits a call only
 * alone) or when PostgreSQL refused the packed form only: nothing of it ran, and the caller runs it
 * statement by statement.
 */
async function runPackedTransaction(transport, statements) {
    const packing = transport.wire.pack(statements, data_api_errors/* MAX_SQL_LENGTH */.lz);
    if (!packing.ok)
        return undefined;
    let failure;
    if (packing.chunks.length === 1) {
        failure = await oneCall(transport, packing.chunks[0].sql, statements, packing.marker);
    }
    else {
        const result = await transport.statementPerCall(packing.chunks.map((chunk) => ({ sql: chunk.sql })), 'commit');
        if (!result.ok) {
            failure = transport.wire.decodePackedError(result.error, statements, packing.marker);
            // A block's call that failed without the marker (it outlived the 45 s limit, or a bare "Database
            // returned SQL Exception") does not say at which of its statements: the place is left unknown.
            if (result.phase === 'statement' && failure.phase !== 'statement') {
                failure = { ok: false, failedIndex: statements.length, error: result.error };
            }
        }
    }
    if (!failure)
        return { ok: true, results: [] };
    if (transport.wire.refusedByPacking(failure)) {
        transport.waiting.log(`${transport.wire.serverName} refused the packed form (${failure.error.message}); running the transaction statement by statement`);
        return undefined;
    }
    return (0,locate_failure/* locateFailure */.h)(transport.wire, failure, statements, (prefix) => transport.statementPerCall(prefix, 'rollback'));
}
/**
 * One block, autocommit: past the 45 s call limit it goes on server-side, and the target waits for it
 * (as for a long statement). Its outcome is then unknown to the Data API: CommitOutcomeUnknownError, for
 * the caller to settle from the meta table. The same for a lost reply, after waiting for the block if it
 * still runs. It is never re-sent.
 */
async function oneCall(transport, sql, statements, marker) {
    const started = transport.waiting.now();
    try {
        await transport.sendOnce(sql);
        return undefined;
    }
    catch (error) {
        if ((0,retry/* classifyError */.fe)(error) === 'sql')
            return transport.wire.decodePackedError((0,data_api_errors/* parseDataApiError */.c6)((0,errors/* errorMessage */.gJ)(error)), statements, marker);
        const name = (0,retry/* errorName */.Is)(error);
        if (name !== 'StatementTimeoutException' && (0,retry/* classifyError */.fe)(error) !== 'transient')
            throw transport.translate(error);
        const shown = `The version's block (${statements.length} statement${statements.length === 1 ? '' : 's'}, one call)`;
        const ended = await waitForStatement(transport.waiting, sql, started, null, error, shown);
        if (!(ended instanceof errors/* StatementOutcomeUnknownError */.qt))
            throw ended;
        const how = (0,data_api_errors/* bareText */.Op)(ended.message).replace(/; whether it succeeded cannot be read from the Data API$/, '');
        throw new errors/* CommitOutcomeUnknownError */.S4(`${how}; whether it committed cannot be read from the Data API, only from the meta table.`, {
            cause: error
        });
    }
}

// EXTERNAL MODULE: ./src/targets/wire.ts
var wire = __webpack_require__(5153);
// EXTERNAL MODULE: ./src/targets/values.ts
var values = __webpack_require__(6570);
;// CONCATENATED MODULE: ./src/targets/data-api/values.ts

function toParameters(params) {
    if (!params)
        return undefined;
    const entries = Object.entries(params);
    if (entries.length === 0)
        return undefined;
    return entries.map(([name, value]) => {
        if (value === null || value === undefined)
            return { name, value: { isNull: true } };
        if (typeof value === 'boolean')
            return { name, value: { booleanValue: value } };
        if (typeof value === 'number') {
            return Number.isSafeInteger(value) ? { name, value: { longValue: value } } : { name, value: { doubleValue: value } };
        }
        return { name, value: { stringValue: String(value) } };
    });
}
/**
 * Type names as the service reports them: pgjdbc's (`int4`, `int8`, `timestamptz`) or Connector/J's (`INT`,
 * `BIGINT UNSIGNED`, `DATETIME`), compared lower-cased without ` unsigned`.
 */
const SMALL_INTEGER_TYPES = new Set([
    'int2',
    'int4',
    'smallint',
    'integer',
    'serial',
    'smallserial',
    'oid',
    'tinyint',
    'mediumint',
    'int',
    'year'
]);
/** Connector/J's BIGINT is a number where it is exact, as the direct transport on that server returns it (pgjdbc's int8 stays a string). */
const SAFE_NUMBER_TYPES = new Set(['bigint']);
const TIMESTAMP_TYPES = new Set(['timestamp', 'timestamptz', 'datetime']);
function arrayToJson(value) {
    if (value === null)
        return null;
    if (value.arrayValues)
        return value.arrayValues.map(arrayToJson);
    return value.booleanValues ?? value.longValues ?? value.doubleValues ?? value.stringValues ?? [];
}
/** A Data API field → the same shape the pg transport returns for the same column type. */
function fieldValue(field, column) {
    const typeName = (column?.typeName?.toLowerCase() ?? '').replace(/ unsigned$/, '');
    if (field.isNull)
        return null;
    if (field.booleanValue !== undefined)
        return field.booleanValue;
    if (field.longValue !== undefined) {
        // int8 stays a string, as pg returns it (its range exceeds a JS number's exact integers).
        if (typeName === '' || SMALL_INTEGER_TYPES.has(typeName))
            return field.longValue;
        return SAFE_NUMBER_TYPES.has(typeName) && Number.isSafeInteger(field.longValue) ? field.longValue : String(field.longValue);
    }
    if (field.doubleValue !== undefined)
        return field.doubleValue;
    if (field.stringValue !== undefined) {
        return TIMESTAMP_TYPES.has(typeName) ? (0,values/* timestampToIso */.vy)(field.stringValue) : field.stringValue;
    }
    if (field.blobValue !== undefined)
        return Buffer.from(field.blobValue).toString('base64');
    if (field.arrayValue !== undefined)
        return JSON.stringify(arrayToJson(field.arrayValue));
    return null;
}
function toQueryResult(output) {
    const columns = output.columnMetadata ?? [];
    if (columns.length === 0 || !output.records) {
        return { rows: [], rowCount: output.numberOfRecordsUpdated ?? 0 };
    }
    const rows = output.records.map((record) => {
        const row = {};
        record.forEach((field, i) => {
            const column = columns[i];
            row[column?.label || column?.name || `column${i + 1}`] = fieldValue(field, column);
        });
        return row;
    });
    return { rows, rowCount: rows.length };
}

;// CONCATENATED MODULE: ./src/targets/data-api/session.ts
/**
 * One statement with its session statements (`QueryOptions.session`) over the Data API, where every call is a
 * fresh session (reset in between): a `SET SESSION` sent in one call never reaches the next. So the session
 * statements and the statement run in one server-side unit:
 *
 * - A temporary routine (the wire dialect's `sessionRoutine`; MySQL: a procedure): CREATE, CALL, DROP. CALL
 *   carries `continueAfterTimeout` for a long-running statement, which then goes on past the 45 s call limit
 *   and is waited for as any other (long-statement.ts), looked up by the statement's own text (the server's
 *   activity shows the statement running inside the routine). The DROP always follows, unless the statement
 *   may still be running (dropping a routine in use may wait for its lock); a failed DROP is logged and never
 *   hides the statement's result.
 * - Where the statement may not run inside a routine (or the wrapped text would pass the 65,536-character
 *   limit, or the statement has parameters): BeginTransaction, the session statements and the statement, then
 *   CommitTransaction, on the one connection a transaction pins. No continueAfterTimeout there: 45 s at most.
 */







/** Runs `session` and then `sql` in one server-side unit; answers as query() would. */
async function queryWithSession(ctx, sql, params, session, longRunning) {
    const routine = params || !ctx.wire.sessionRoutine ? null : ctx.wire.sessionRoutine(sql, session, (0,wire/* routineToken */.o)());
    if (routine && !(0,data_api_errors/* tooLong */.Po)(routine.create))
        return viaRoutine(ctx, sql, routine, longRunning);
    return viaTransaction(ctx, sql, params, session);
}
async function viaRoutine(ctx, sql, routine, longRunning) {
    // Whether the statement may still be running on the server (its routine in use): then it is not dropped.
    let mayRun = false;
    try {
        try {
            // A re-sent CREATE whose first reply was lost finds the routine there: it was created.
            await (0,retry/* withRetry */.bD)(() => ctx.client.send(ctx.execute(routine.create, undefined)), { ...ctx.retry, idempotent: true });
        }
        catch (error) {
            if (!((0,retry/* classifyError */.fe)(error) === 'sql' && routine.alreadyExists((0,data_api_errors/* parseDataApiError */.c6)((0,errors/* errorMessage */.gJ)(error))))) {
                throw ctx.translate(error, 'ExecuteStatement');
            }
        }
        if (!longRunning) {
            // Without longRunning only idempotent statements come through query(): the CALL may be re-sent.
            const output = await (0,retry/* withRetry */.bD)(() => ctx.client.send(ctx.execute(routine.call, undefined)), { ...ctx.retry, idempotent: true });
            return toQueryResult(output);
        }
        const started = ctx.now();
        try {
            const output = await (0,retry/* withRetry */.bD)(() => ctx.client.send(ctx.execute(routine.call, undefined, { continueAfterTimeout: true })), {
                ...ctx.retry,
                // Resuming and throttling alone are retried: they prove the CALL never ran.
                idempotent: false
            });
            return toQueryResult(output);
        }
        catch (error) {
            if ((0,retry/* errorName */.Is)(error) === 'StatementTimeoutException' || (0,retry/* classifyError */.fe)(error) === 'transient') {
                const ended = await waitForStatement(ctx.waiting, routine.inner, started, longRunning.timeoutMs, error, (0,data_api_errors/* sqlPreview */.ps)(sql));
                // Still running, or its state unknown: its routine stays until it ends.
                mayRun = ended instanceof errors/* TransportError */.wX;
                throw ended;
            }
            throw ctx.translate(error, 'ExecuteStatement');
        }
    }
    finally {
        if (mayRun) {
            ctx.log(`The temporary procedure that runs ${(0,data_api_errors/* sqlPreview */.ps)(sql)} is left in place while the statement may still run; drop it afterwards with ${routine.drop}`);
        }
        else {
            await dropRoutine(ctx, routine);
        }
    }
}
/** Drops the routine; a failure is logged, never thrown (the statement's result stands). */
async function dropRoutine(ctx, routine) {
    try {
        await (0,retry/* withRetry */.bD)(() => ctx.client.send(ctx.execute(routine.drop, undefined)), { ...ctx.retry, idempotent: true });
    }
    catch (error) {
        ctx.log(`Could not drop a temporary procedure (${(0,retry/* errorName */.Is)(error)}: ${(0,data_api_errors/* bareText */.Op)((0,errors/* errorMessage */.gJ)(error))}); drop it with ${routine.drop}`);
    }
}
/**
 * BeginTransaction, the session statements, the statement, CommitTransaction: the transaction pins one
 * connection, so the settings reach the statement. A DDL commits implicitly (what ran before it, then itself):
 * the CommitTransaction after it has nothing left to commit, and is sent to end the transaction. An SQL error
 * is the DatabaseError query() would throw; a statement without a definite answer (a lost reply, the 45 s
 * limit: without continueAfterTimeout the service stops it) is StatementOutcomeUnknownError, for the engine
 * to settle from the catalog.
 */
async function viaTransaction(ctx, sql, params, session) {
    let transactionId;
    try {
        const begun = await (0,retry/* withRetry */.bD)(() => ctx.client.send(new dist_cjs/* BeginTransactionCommand */.fI({ ...ctx.base, database: ctx.database })), {
            ...ctx.retry,
            idempotent: true
        });
        if (!begun.transactionId)
            throw new Error('BeginTransaction returned no transactionId');
        transactionId = begun.transactionId;
    }
    catch (error) {
        throw ctx.translate(error, 'BeginTransaction');
    }
    const statements = [...session.map((s) => ({ sql: s, params: undefined })), { sql, params }];
    let result = { rows: [], rowCount: 0 };
    for (let index = 0; index < statements.length; index++) {
        const statement = statements[index];
        try {
            const output = await (0,retry/* withRetry */.bD)(() => ctx.client.send(ctx.execute(statement.sql, statement.params, { transactionId })), {
                ...ctx.inTransactionRetry,
                idempotent: false
            });
            result = toQueryResult(output);
        }
        catch (error) {
            // On v2 an SQL error has already ended the transaction; otherwise it is ended here.
            await rollback(ctx, transactionId);
            if ((0,retry/* classifyError */.fe)(error) === 'sql')
                throw new errors/* DatabaseError */.a$((0,data_api_errors/* parseDataApiError */.c6)((0,errors/* errorMessage */.gJ)(error)));
            if (index < session.length)
                throw ctx.translate(error, 'ExecuteStatement');
            throw new errors/* StatementOutcomeUnknownError */.qt(`${(0,data_api_errors/* sqlPreview */.ps)(sql)} got no definite answer (${(0,retry/* errorName */.Is)(error)}: ${(0,data_api_errors/* bareText */.Op)((0,errors/* errorMessage */.gJ)(error))}); it ran in a ` +
                'transaction that carried its session settings, where the Data API allows 45 s per call. Whether it took effect is unknown.', { cause: error, sql });
        }
    }
    try {
        await (0,retry/* withRetry */.bD)(() => ctx.client.send(new dist_cjs/* CommitTransactionCommand */.Hb({ ...ctx.base, transactionId })), {
            ...ctx.inTransactionRetry,
            idempotent: false
        });
    }
    catch (error) {
        if ((0,retry/* classifyError */.fe)(error) === 'sql') {
            await rollback(ctx, transactionId);
            throw new errors/* DatabaseError */.a$((0,data_api_errors/* parseDataApiError */.c6)((0,errors/* errorMessage */.gJ)(error)));
        }
        throw new errors/* StatementOutcomeUnknownError */.qt(`CommitTransaction after ${(0,data_api_errors/* sqlPreview */.ps)(sql)} got no definite answer (${(0,retry/* errorName */.Is)(error)}: ${(0,data_api_errors/* bareText */.Op)((0,errors/* errorMessage */.gJ)(error))}); ` +
            'whether the statement took effect is unknown.', { cause: error, sql });
    }
    return result;
}
/** Ends a transaction given up on, best effort (it may already be gone). */
async function rollback(ctx, transactionId) {
    try {
        await (0,retry/* withRetry */.bD)(() => ctx.client.send(new dist_cjs/* RollbackTransactionCommand */.qu({ ...ctx.base, transactionId })), {
            ...ctx.retry,
            idempotent: true
        });
    }
    catch (error) {
        if ((0,retry/* errorName */.Is)(error) !== 'TransactionNotFoundException') {
            ctx.log(`Could not roll back the transaction that carried session settings (${(0,retry/* errorName */.Is)(error)}: ${(0,data_api_errors/* bareText */.Op)((0,errors/* errorMessage */.gJ)(error))})`);
        }
    }
}

// EXTERNAL MODULE: ./src/targets/target.ts
var target = __webpack_require__(9425);
;// CONCATENATED MODULE: ./src/targets/data-api/transaction.ts
/**
 * A Data API transaction run statement by statement: BeginTransaction, one ExecuteStatement per
 * statement, and CommitTransaction (or RollbackTransaction), strictly in order. A CommitTransaction is
 * never re-sent: when its reply is lost the outcome is settled where it can be (a rollback that succeeds
 * proves nothing was committed), or left to the engine (CommitOutcomeUnknownError). A transaction given
 * up on is ended, with retries, so that it does not hold its locks until the service's idle limit.
 */






/** The longest single pause while a transaction is open (its idle limit is 3 minutes). */
const MAX_PAUSE_IN_TRANSACTION_MS = 10_000;
/**
 * How long a transaction given up on is tried to be ended (RollbackTransaction retried): past the
 * service's 3-minute idle limit it ends by itself anyway.
 */
const END_TRANSACTION_WINDOW_MS = 150_000;
class StatementPerCall {
    ctx;
    constructor(ctx) {
        this.ctx = ctx;
    }
    /**
     * Statement by statement, one call each, in one Data API transaction that ends with `end`: COMMIT,
     * or ROLLBACK (a replay that only finds where a statement fails).
     */
    async run(statements, end) {
        let transactionId;
        try {
            const begun = await (0,retry/* withRetry */.bD)(() => this.ctx.client.send(new dist_cjs/* BeginTransactionCommand */.fI({ ...this.ctx.base, database: this.ctx.database })), { ...this.ctx.retry, idempotent: true });
            if (!begun.transactionId)
                throw new Error('BeginTransaction returned no transactionId');
            transactionId = begun.transactionId;
        }
        catch (error) {
            throw this.ctx.translate(error, 'BeginTransaction');
        }
        const results = [];
        for (let index = 0; index < statements.length; index++) {
            const statement = statements[index];
            let result;
            try {
                const output = await (0,retry/* withRetry */.bD)(() => this.ctx.client.send(this.ctx.execute(statement.sql, statement.params, { transactionId })), 
                // A statement inside a transaction is never re-sent after a failure that may have run it.
                { ...this.ctx.inTransactionRetry, idempotent: false });
                result = toQueryResult(output);
            }
            catch (error) {
                const kind = (0,retry/* classifyError */.fe)(error);
                // On v2 an SQL error has already ended the transaction; the rollback is for older behaviour.
                const ended = await this.rollback(transactionId);
                if (kind === 'sql')
                    return {
                        ok: false,
                        phase: 'statement',
                        failedIndex: index,
                        failedLabel: statement.label,
                        error: (0,data_api_errors/* parseDataApiError */.c6)((0,errors/* errorMessage */.gJ)(error))
                    };
                if ((0,retry/* errorName */.Is)(error) === 'StatementTimeoutException') {
                    // continueAfterTimeout is not relied on with a transactionId (refused on v1, unverified on
                    // v2), so a statement that outlives the call fails the whole transaction.
                    return {
                        ok: false,
                        phase: 'statement',
                        failedIndex: index,
                        failedLabel: statement.label,
                        error: {
                            message: `Statement ${index + 1} of ${statements.length} (${(0,data_api_errors/* sqlPreview */.ps)(statement.sql)}) ran longer than the ` +
                                'Data API allows for one call (45 s) inside a transaction; the transaction was rolled back and ' +
                                'nothing of it was committed. If the statement can run outside a transaction (CREATE INDEX ' +
                                'CONCURRENTLY, VACUUM, …), put it in its own file starting with -- migrate:no-transaction: there it ' +
                                'may run past 45 s. For long transactional work use the runner Lambda (lambda-function input, up to ' +
                                '15 minutes per call) or a direct connection (database-url).'
                        }
                    };
                }
                throw new errors/* TransportError */.wX(`${(0,retry/* errorName */.Is)(error)} at statement ${index + 1} of ${statements.length}: ${(0,data_api_errors/* bareText */.Op)((0,errors/* errorMessage */.gJ)(error))}. ` +
                    `Nothing of the transaction was committed; ${ended}.`, (0,retry/* errorName */.Is)(error), false, { cause: error });
            }
            const refused = (0,target/* guardFailure */.o)(statement, result, index);
            if (refused) {
                await this.rollback(transactionId);
                return refused;
            }
            results.push(result);
        }
        if (end === 'rollback') {
            await this.rollback(transactionId);
            return { ok: true, results };
        }
        try {
            // Resuming and throttling answers mean the commit was not executed: those alone are retried.
            await (0,retry/* withRetry */.bD)(() => this.ctx.client.send(new dist_cjs/* CommitTransactionCommand */.Hb({ ...this.ctx.base, transactionId })), {
                ...this.ctx.inTransactionRetry,
                idempotent: false
            });
        }
        catch (error) {
            const kind = (0,retry/* classifyError */.fe)(error);
            const name = (0,retry/* errorName */.Is)(error);
            if (kind === 'sql') {
                // A definite answer: COMMIT failed (a deferred constraint, a serialization failure).
                await this.rollback(transactionId);
                return { ok: false, phase: 'commit', failedIndex: statements.length, error: (0,data_api_errors/* parseDataApiError */.c6)((0,errors/* errorMessage */.gJ)(error)) };
            }
            // A lost reply, a 5xx, or a COMMIT that outlived the call: it may have been committed.
            if (kind === 'transient' || name === 'StatementTimeoutException') {
                // Find out before anything else: a rollback that succeeds proves the commit never happened
                // (and frees the locks the open transaction holds); "not found" means it committed or expired.
                if ((await this.settleLostCommit(transactionId)) === 'rolled-back') {
                    throw new errors/* TransportError */.wX(`CommitTransaction got no reply (${name}: ${(0,errors/* errorMessage */.gJ)(error)}); a RollbackTransaction then succeeded, so nothing of the transaction was committed.`, name, false, { cause: error });
                }
                throw new errors/* CommitOutcomeUnknownError */.S4(`CommitTransaction got no definite answer (${name}: ${(0,errors/* errorMessage */.gJ)(error)}); whether the transaction was committed is unknown.`, { cause: error });
            }
            const ended = name === 'TransactionNotFoundException' ? 'the transaction had already ended' : await this.rollback(transactionId);
            throw new errors/* TransportError */.wX(`CommitTransaction was refused (${name}: ${(0,errors/* errorMessage */.gJ)(error)}); nothing of the transaction was committed; ${ended}.`, name, false, { cause: error });
        }
        return { ok: true, results };
    }
    /**
     * After a CommitTransaction without a reply: RollbackTransaction either succeeds (the commit never
     * ran), answers TransactionNotFoundException (it committed, or the transaction is gone), or finds
     * the commit still running, in which case it waits and asks again (`endTransaction`).
     */
    async settleLostCommit(transactionId) {
        const ended = await this.endTransaction(transactionId);
        if (ended.kind === 'not-ended')
            this.ctx.log(`After the lost commit reply, ${(0,data_api_errors/* describeEnd */.lA)(ended)}.`);
        return ended.kind === 'rolled-back' ? 'rolled-back' : 'unknown';
    }
    /**
     * Ends a transaction given up on, and says how, as a clause for messages (logged too when it could
     * not be ended). It may already be gone (aborted by an SQL error, or expired).
     */
    async rollback(transactionId) {
        const ended = await this.endTransaction(transactionId);
        if (ended.kind === 'not-ended')
            this.ctx.log(`${(0,data_api_errors/* describeEnd */.lA)(ended).replace(/^./, (c) => c.toUpperCase())}.`);
        return (0,data_api_errors/* describeEnd */.lA)(ended);
    }
    /**
     * RollbackTransaction, retried with backoff for up to END_TRANSACTION_WINDOW_MS while it is throttled,
     * fails transiently (rolling back twice is harmless) or finds the transaction still running a call
     * (a statement or COMMIT whose reply was lost): an open transaction holds its locks, and blocks every
     * run behind the lease row, until the service's 3-minute idle limit ends it.
     */
    async endTransaction(transactionId) {
        const started = this.ctx.now();
        for (let attempt = 1;; attempt++) {
            const left = END_TRANSACTION_WINDOW_MS - (this.ctx.now() - started);
            try {
                await (0,retry/* withRetry */.bD)(() => this.ctx.client.send(new dist_cjs/* RollbackTransactionCommand */.qu({ ...this.ctx.base, transactionId })), {
                    ...this.ctx.retry,
                    idempotent: true,
                    throttleTimeoutMs: Math.max(0, left)
                });
                return { kind: 'rolled-back' };
            }
            catch (error) {
                if ((0,retry/* errorName */.Is)(error) === 'TransactionNotFoundException')
                    return { kind: 'gone' };
                const busy = /still running a query/i.test((0,errors/* errorMessage */.gJ)(error));
                const wait = (0,retry/* backoffMs */.jo)(attempt, 1000, MAX_PAUSE_IN_TRANSACTION_MS, this.ctx.random);
                if (!busy || this.ctx.now() - started + wait > END_TRANSACTION_WINDOW_MS) {
                    return {
                        kind: 'not-ended',
                        reason: `${(0,retry/* errorName */.Is)(error)}: ${(0,errors/* errorMessage */.gJ)(error)}`,
                        seconds: Math.round((this.ctx.now() - started) / 1000)
                    };
                }
                await this.ctx.sleep(wait);
            }
        }
    }
}

// EXTERNAL MODULE: ./src/text.ts
var src_text = __webpack_require__(8992);
;// CONCATENATED MODULE: ./src/targets/data-api/target.ts
/**
 * The RDS Data API transport (v2, Aurora PostgreSQL).
 *
 * One statement per ExecuteStatement call; a batch runs in BeginTransaction … CommitTransaction with
 * strictly sequential calls. A batch whose results are not needed (a version) runs packed instead: one
 * block in one autocommit call (data-api/packed.ts), and statement by statement (data-api/transaction.ts)
 * only where packing would change what it does (`packing: false` forces that path, for comparison). The
 * SDK client makes one attempt per call, and gives up on a call that
 * gets no answer within 60 s (aws-http.ts): retries are decided here per error class (retry.ts). A
 * CommitTransaction is never re-sent: when its reply is lost (or never comes) the outcome is unknown
 * and the engine settles it by reading the meta table.
 *
 * One call may last at most 45 s. A migration statement that needs longer and can run outside a
 * transaction is sent with `longRunning` (see `runLongStatement`): it goes on server-side after the
 * call times out, and the target waits for it by watching the server's activity. Inside a transaction
 * there is no such way out: the statement fails the transaction (see `transaction`).
 *
 * Session statements (`session`: MySQL's lock_wait_timeout for a DDL) cannot be sent on their own: every call
 * is a fresh session. They run with their statement in one server-side unit (data-api/session.ts).
 */











/**
 * How long a refused (throttled) call inside a transaction is retried. The service rolls back a
 * transaction that sees no call for 3 minutes, and a refused call does not count as one: 2 minutes of
 * retries leave a minute for the call that succeeds.
 */
const THROTTLE_WINDOW_IN_TRANSACTION_MS = 120_000;
function clusterName(resourceArn) {
    const match = /:cluster:([^:/]+)$/.exec(resourceArn) ?? /:db:([^:/]+)$/.exec(resourceArn);
    return match ? match[1] : (resourceArn.split(':').pop() ?? resourceArn);
}
function createDataApiTarget(options) {
    return new DataApiTarget(options);
}
class DataApiTarget {
    options;
    description;
    /** Every call is a fresh session: the engine prefers one routine per version where its dialect has one. */
    callsAreSessions = { maxSqlChars: data_api_errors/* MAX_SQL_LENGTH */.lz };
    client;
    ownsClient;
    log;
    retry;
    /** `retry` for calls made while a transactionId is open: no single pause longer than 10 s. */
    inTransactionRetry;
    sleep;
    now;
    random;
    /** What waiting for a statement left running server-side uses. */
    waiting;
    /** What a packed transaction uses. */
    packedTransport;
    /** Transactions one statement per call. */
    perCall;
    /** What a statement with session statements uses. */
    sessionCalls;
    constructor(options) {
        this.options = options;
        this.description = `data-api ${clusterName(options.resourceArn)}${options.database ? `/${options.database}` : ''}`;
        this.log = options.log ?? (() => { });
        this.ownsClient = !options.client;
        this.client =
            options.client ??
                new dist_cjs/* RDSDataClient */.Lq({
                    maxAttempts: 1,
                    requestHandler: (0,aws_http/* requestHandlerOptions */.eS)(options.requestTimeoutMs ?? aws_http/* DATA_API_REQUEST_TIMEOUT_MS */.fj),
                    ...(options.endpoint ? { endpoint: options.endpoint } : {})
                });
        this.sleep = options.sleep ?? src_text/* realSleep */.uk;
        this.now = options.now ?? Date.now;
        this.random = options.random ?? Math.random;
        this.retry = {
            sleep: this.sleep,
            now: this.now,
            random: this.random,
            resumeTimeoutMs: options.resumeTimeoutMs ?? 300_000,
            log: this.log
        };
        this.waiting = {
            query: (sql, params) => this.query(sql, params),
            log: this.log,
            now: this.now,
            sleep: this.sleep,
            probe: options.wire.runningStatement
        };
        this.packedTransport = {
            statementPerCall: (statements, end) => this.perCall.run(statements, end),
            sendOnce: (sql) => this.sendOnce(sql),
            translate: (error) => this.translate(error, 'ExecuteStatement'),
            waiting: this.waiting,
            wire: options.wire
        };
        this.inTransactionRetry = {
            ...this.retry,
            throttleTimeoutMs: THROTTLE_WINDOW_IN_TRANSACTION_MS,
            throttleMaxPauseMs: MAX_PAUSE_IN_TRANSACTION_MS
        };
        this.perCall = new StatementPerCall({
            client: this.client,
            base: this.base,
            database: options.database,
            execute: (sql, params, extra) => this.execute(sql, params, extra),
            retry: this.retry,
            inTransactionRetry: this.inTransactionRetry,
            translate: (error, operation) => this.translate(error, operation),
            log: this.log,
            now: this.now,
            sleep: this.sleep,
            random: this.random
        });
        this.sessionCalls = {
            client: this.client,
            base: this.base,
            database: options.database,
            wire: options.wire,
            execute: (sql, params, extra) => this.execute(sql, params, extra),
            retry: this.retry,
            inTransactionRetry: this.inTransactionRetry,
            translate: (error, operation) => this.translate(error, operation),
            waiting: this.waiting,
            log: this.log,
            now: this.now
        };
    }
    get base() {
        return { resourceArn: this.options.resourceArn, secretArn: this.options.secretArn };
    }
    /** One ExecuteStatement of ours: always with column names, on the configured database. */
    execute(sql, params, extra = {}) {
        return new dist_cjs/* ExecuteStatementCommand */.cw({
            ...this.base,
            database: this.options.database,
            ...extra,
            sql,
            parameters: toParameters(params),
            includeResultMetadata: true
        });
    }
    async query(sql, params, options) {
        const length = (0,data_api_errors/* tooLong */.Po)(sql);
        if (length)
            throw new errors/* DatabaseError */.a$(length);
        if (options?.session?.length)
            return queryWithSession(this.sessionCalls, sql, params, options.session, options.longRunning);
        if (options?.longRunning)
            return this.runLongStatement(sql, params, options.longRunning);
        try {
            const output = await (0,retry/* withRetry */.bD)(() => this.client.send(this.execute(sql, params)), 
            // Only idempotent statements go through query(), so a 5xx or a lost reply may be re-sent.
            { ...this.retry, idempotent: true });
            return toQueryResult(output);
        }
        catch (error) {
            throw this.translate(error, 'ExecuteStatement');
        }
    }
    /**
     * A statement that may outlast one call (45 s), run outside a transaction:
     *
     * 1. Sent once with `continueAfterTimeout: true`. Only answers proving it did not run (resuming,
     *    throttling) are retried; it is never re-sent after anything that may have run it.
     * 2. A normal reply: done, as for any query.
     * 3. StatementTimeoutException: the statement goes on server-side. Its backend is looked up in
     *    the server's activity every few seconds through ordinary short queries (the wire dialect's
     *    `runningStatement`), and its progress logged every 15 s where the server reports it.
     *    - Still running after `timeoutMs` (counted from when it was sent; null: no limit of ours): a
     *      TransportError saying so. It is not cancelled.
     *    - Gone: it finished, but the Data API never reports how. PostgreSQL keeps no record of a past
     *      statement's result, so success cannot be told from failure here: the result is
     *      StatementOutcomeUnknownError, never a success. The engine then reads the catalog (an index
     *      exists and is valid) or fails the version saying the outcome is unknown.
     * 4. A 5xx or a lost reply: it may have run, may still be running, or may never have started.
     *    It is handled as in 3, ending in StatementOutcomeUnknownError when no backend runs it.
     */
    async runLongStatement(sql, params, { timeoutMs, runningWhile }) {
        const started = this.now();
        try {
            const output = await (0,retry/* withRetry */.bD)(() => this.client.send(this.execute(sql, params, { continueAfterTimeout: true })), 
            // Resuming and throttling alone are retried: they prove the statement never ran.
            { ...this.retry, idempotent: false });
            return toQueryResult(output);
        }
        catch (error) {
            const name = (0,retry/* errorName */.Is)(error);
            if (name === 'StatementTimeoutException' || (0,retry/* classifyError */.fe)(error) === 'transient') {
                throw await waitForStatement(this.waiting, sql, started, timeoutMs, error, undefined, runningWhile);
            }
            throw this.translate(error, 'ExecuteStatement');
        }
    }
    /**
     * The service rolls back a transaction that sees no call for 3 minutes. Between BeginTransaction and
     * the end of the transaction this method never pauses on its own account: statements are sent back
     * to back, and the only waits are inside withRetry, for answers that prove the call did not run:
     * - throttling: pauses of at most 10 s each (a longer Retry-After is cut to 10 s), for at most 2
     *   minutes since the first refusal (`inTransactionRetry`), under the 3-minute idle limit;
     * - resuming from auto-pause, which may wait up to resume-timeout. A cluster only pauses when it has
     *   had no connection for a while, and an open transaction holds one, so a resuming answer cannot
     *   come while our transaction is alive: it is already gone (the next call with its id answers
     *   TransactionNotFoundException), and waiting for the cluster costs it nothing.
     * Transient failures (5xx, lost replies, calls past the client's request timeout) inside the
     * transaction are not retried at all, and settleLostCommit only waits while the COMMIT is still
     * running, when the transaction is busy, not idle. BeginTransaction may wait as usual: no transaction
     * is open yet. A transaction given up on for any reason is ended (`rollback`): its RollbackTransaction
     * is retried with backoff so that it does not hold its locks until the idle limit.
     */
    async transaction(statements, options = {}) {
        for (let index = 0; index < statements.length; index++) {
            const error = (0,data_api_errors/* tooLong */.Po)(statements[index].sql);
            if (error)
                return { ok: false, phase: 'statement', failedIndex: index, failedLabel: statements[index].label, error };
        }
        if (options.resultsNeeded === false && this.options.packing !== false && this.options.wire.packable(statements)) {
            const packed = await runPackedTransaction(this.packedTransport, statements);
            if (packed)
                return packed;
        }
        const result = await this.perCall.run(statements, 'commit');
        // Results not needed: answered as the packed form answers (none, and a failed guard without its rows),
        // whichever way the statements ran, as the other transports do.
        if (options.resultsNeeded !== false)
            return result;
        if (result.ok)
            return { ok: true, results: [] };
        const { guardRows: _unused, ...failure } = result;
        return failure;
    }
    /** One autocommit call with continueAfterTimeout, sent once (resuming and throttling alone are retried: they prove it never ran). */
    async sendOnce(sql) {
        await (0,retry/* withRetry */.bD)(() => this.client.send(this.execute(sql, undefined, { continueAfterTimeout: true })), {
            ...this.retry,
            idempotent: false
        });
    }
    async close() {
        if (this.ownsClient)
            this.client.destroy();
    }
    translate(error, operation) {
        if (error instanceof errors/* DatabaseError */.a$ || error instanceof errors/* TransportError */.wX)
            return error;
        if ((0,retry/* classifyError */.fe)(error) === 'sql')
            return new errors/* DatabaseError */.a$((0,data_api_errors/* parseDataApiError */.c6)((0,errors/* errorMessage */.gJ)(error)));
        const code = error?.code;
        const name = (0,retry/* errorName */.Is)(error) === 'Error' && typeof code === 'string' ? code : (0,retry/* errorName */.Is)(error);
        const hint = data_api_errors/* HINTS */.NI[name] ? ` ${data_api_errors/* HINTS */.NI[name]}` : '';
        return new errors/* TransportError */.wX(`${operation} failed on ${this.description} (${name}): ${(0,data_api_errors/* bareText */.Op)((0,errors/* errorMessage */.gJ)(error))}.${hint}`, name, false, {
            cause: error
        });
    }
}


/***/ }),

/***/ 3477:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   h: () => (/* binding */ locateFailure)
/* harmony export */ });
/* unused harmony export POSITION_NOT_CONFIRMED */
/** Said when a replay could not confirm where inside the statement the error is. */
const POSITION_NOT_CONFIRMED = ' (the position inside the statement could not be confirmed)';
/**
 * The failure with the position PostgreSQL gives inside the failing statement, found honestly: the
 * statements up to and including the failing one are replayed unpacked, in a transaction that is rolled
 * back (`replay`), and that run's error is taken when it fails at the same statement with the same
 * SQLSTATE. Otherwise the failure is reported at the statement's start, saying the position could not
 * be confirmed.
 */
async function locateFailure(wire, failure, statements, replay) {
    if (!wire.carriesPosition(failure))
        return failure;
    let replayed;
    try {
        replayed = await replay(statements.slice(0, failure.failedIndex + 1));
    }
    catch {
        replayed = undefined;
    }
    if (replayed && !replayed.ok && replayed.failedIndex === failure.failedIndex && replayed.error.sqlState === failure.error.sqlState) {
        // The same error, unpacked: its position, or none because PostgreSQL gives none for it.
        return replayed.error.position === undefined ? failure : { ...failure, error: { ...failure.error, position: replayed.error.position } };
    }
    return { ...failure, error: { ...failure.error, message: failure.error.message + POSITION_NOT_CONFIRMED } };
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
