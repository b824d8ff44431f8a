export const id = 318;
export const ids = [318];
export const modules = {

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

/***/ 6033:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   CA: () => (/* binding */ errorCode),
/* harmony export */   GQ: () => (/* binding */ isServerError),
/* harmony export */   XG: () => (/* binding */ sqlErrorInfo)
/* harmony export */ });
/* harmony import */ var pg__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3849);
/** The `pg` driver's errors: a server's error as the SQL error it reports, and the code of a connection failure. */

/** An error the server sent (it has a severity and a code), as opposed to one of the connection. */
function isServerError(error) {
    return error instanceof pg__WEBPACK_IMPORTED_MODULE_0__["default"].DatabaseError || (error instanceof Error && 'severity' in error && 'code' in error);
}
function sqlErrorInfo(error) {
    const info = { message: error.message };
    if (error.code)
        info.sqlState = error.code;
    const position = error.position ? Number(error.position) : NaN;
    if (Number.isInteger(position) && position > 0)
        info.position = position;
    if (error.detail)
        info.detail = error.detail;
    if (error.hint)
        info.hint = error.hint;
    return info;
}
/** A connection failure's code (ECONNREFUSED, a SQLSTATE, …), or CONNECTION_ERROR. */
function errorCode(error) {
    const code = error?.code;
    return typeof code === 'string' && code ? code : 'CONNECTION_ERROR';
}


/***/ }),

/***/ 6318:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  PostgresTarget: () => (/* binding */ PostgresTarget)
});

// EXTERNAL MODULE: ./node_modules/pg/esm/index.mjs
var esm = __webpack_require__(3849);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: ./src/targets/locate-failure.ts
var locate_failure = __webpack_require__(3477);
// EXTERNAL MODULE: ./src/targets/mask.ts
var mask = __webpack_require__(6872);
// EXTERNAL MODULE: ./src/targets/statement-loop.ts
var statement_loop = __webpack_require__(4174);
// EXTERNAL MODULE: ./src/targets/values.ts
var targets_values = __webpack_require__(6570);
// EXTERNAL MODULE: ./src/targets/postgres/errors.ts
var postgres_errors = __webpack_require__(6033);
;// CONCATENATED MODULE: ./src/targets/postgres/types.ts
/**
 * The `pg` driver's type parsers for the direct transport: values in the same shapes the Data API
 * transport returns for the same SQL (see `testkit/contract/target-contract.ts`): int2/int4 → number,
 * int8/numeric → string, json/jsonb → the server's own text, timestamps → ISO strings in UTC, dates →
 * `YYYY-MM-DD`.
 */


const OID = {
    bool: 16,
    bytea: 17,
    int8: 20,
    int2: 21,
    int4: 23,
    json: 114,
    float4: 700,
    float8: 701,
    date: 1082,
    time: 1083,
    timestamp: 1114,
    timestamptz: 1184,
    interval: 1186,
    timetz: 1266,
    numeric: 1700,
    jsonb: 3802
};
const asText = (value) => value;
/** Type parsers for the pg client: the shapes documented at the top of this file. */
function getTypeParser(oid, format) {
    switch (oid) {
        case OID.int8:
        case OID.numeric:
        case OID.json:
        case OID.jsonb:
        case OID.date:
        case OID.time:
        case OID.timetz:
        case OID.interval:
            return asText;
        case OID.timestamp:
        case OID.timestamptz:
            return targets_values/* timestampToIso */.vy;
        default:
            return esm["default"].types.getTypeParser(oid, format ?? 'text');
    }
}

;// CONCATENATED MODULE: ./src/targets/postgres/target.ts
/**
 * The direct PostgreSQL transport (`database-url`, and the throwaway verification database).
 *
 * One `pg.Client`, connected on first use. Values are converted to the same shapes the Data API
 * transport returns for the same SQL (types.ts). The SQL it adds of its own (parameters, packing, the
 * session reset and timeout) comes from the wire dialect it is given.
 */








class PostgresTarget {
    url;
    description;
    client;
    connecting;
    log;
    ssl;
    wire;
    /** Calls are serialised: with one connection, a query() must never land inside another call's transaction. */
    queue = Promise.resolve();
    /** Connections opened for one long-running statement each. */
    own = new Set();
    constructor(url, options) {
        this.url = url;
        this.description = (0,mask/* maskUrl */.yP)(url);
        this.wire = options.wire;
        this.log = options.log ?? (() => { });
        this.ssl = options.ssl;
    }
    /**
     * A `longRunning` statement is sent once, never re-sent, on a connection of its own opened for it
     * (with `timeoutMs` as its statement_timeout): the main connection stays free meanwhile, so the
     * engine can renew its lease while a CREATE INDEX CONCURRENTLY runs for longer than the lease lives.
     */
    query(sql, params, options) {
        if (options?.longRunning)
            return this.queryAlone(sql, params, options.longRunning.timeoutMs);
        return this.exclusive(async () => {
            const client = await this.connection();
            try {
                return await this.run(client, sql, params);
            }
            catch (error) {
                throw this.translate(error, client);
            }
        });
    }
    /**
     * `between`: SQL of the caller's own, run before each statement but the first in the same transaction
     * (the runner Lambda lowers statement_timeout to the time it has left this way). It returns nothing
     * and is not counted: indexes and results are those of `statements`, and a failure of it is reported
     * at the statement it came before. As a function, it says what to run before each statement (the first included), if anything.
     */
    transaction(statements, options = {}) {
        // Packed, the transaction is one statement (one block): `between` has no place to run, and needs none.
        const packed = options.resultsNeeded === false && this.wire.packable(statements);
        return this.exclusive(() => (packed ? this.runPacked(statements, options.between) : this.runTransaction(statements, options.between)));
    }
    async queryAlone(sql, params, timeoutMs) {
        const client = this.newClient();
        this.own.add(client);
        try {
            try {
                await client.connect();
            }
            catch (error) {
                throw new errors/* TransportError */.wX(`Could not connect to ${this.description}: ${(0,errors/* errorMessage */.gJ)(error)}`, (0,postgres_errors/* errorCode */.CA)(error), false, {
                    cause: error
                });
            }
            try {
                if (timeoutMs && this.wire.statementTimeoutSql)
                    await client.query(this.wire.statementTimeoutSql(timeoutMs));
                return await this.run(client, sql, params);
            }
            catch (error) {
                throw this.translate(error, client);
            }
        }
        finally {
            this.own.delete(client);
            await client.end().catch(() => { });
        }
    }
    async close() {
        await Promise.all([...this.own].map((client) => client.end().catch(() => { })));
        await this.queue.catch(() => { });
        const client = this.client ?? (await this.connecting?.catch(() => undefined));
        this.client = undefined;
        this.connecting = undefined;
        if (client)
            await client.end().catch(() => { });
    }
    /**
     * Runs the statements on the shared connection and then resets its session, so that nothing a
     * migration set for it (see resetSession) reaches the next transaction or query.
     */
    async runTransaction(statements, between, end = 'commit') {
        const client = await this.connection();
        try {
            return await this.runTransactionOn(client, statements, between, end);
        }
        finally {
            await this.resetSession(client);
        }
    }
    /**
     * A migration may change its session for good: `SET` without LOCAL, `set_config(…, false)` (pg_dump's
     * header), `SET ROLE`, a temporary table, a session advisory lock. Over the Data API none of that
     * outlives the call or transaction (the service resets pooled connections); here the connection is
     * reused, so it is reset the same way once each transaction has ended, with the wire dialect's reset
     * (PostgreSQL: DISCARD ALL, which returns the session to how it was at connect). It cannot run in a
     * transaction block, so it costs one round trip of its own per transaction. A connection that cannot
     * be reset (or a wire with no reset statement) is dropped: the next call connects afresh.
     */
    async resetSession(client) {
        if (this.client !== client)
            return;
        if (this.wire.resetSessionSql === undefined)
            return this.discard(client);
        try {
            await client.query(this.wire.resetSessionSql);
        }
        catch (error) {
            this.log(`Resetting the session after a transaction failed (${(0,errors/* errorMessage */.gJ)(error)}); connecting again for the next call`);
            this.discard(client);
        }
    }
    /**
     * The statements packed into one block (the wire dialect's `pack`), sent as one autocommit simple
     * query: one round trip for the version, and one more for the session reset (which cannot share a
     * call with other statements: it refuses to run inside the implicit transaction that makes).
     */
    async runPacked(statements, between) {
        const packing = this.wire.pack(statements);
        if (!packing.ok)
            return this.runTransaction(statements, between);
        const client = await this.connection();
        try {
            const failure = await this.runBlock(client, packing.chunks[0].sql, statements, packing.marker);
            if (!failure)
                return { ok: true, results: [] };
            // The block failed as a whole, its SETs with it: the session is as before it for what follows here.
            if (this.wire.refusedByPacking(failure)) {
                this.log(`${this.wire.serverName} refused the packed form (${failure.error.message}); running the transaction statement by statement`);
                return await this.runTransactionOn(client, statements, between);
            }
            return await (0,locate_failure/* locateFailure */.h)(this.wire, failure, statements, (prefix) => this.runTransactionOn(client, prefix, between, 'rollback'));
        }
        finally {
            await this.resetSession(client);
        }
    }
    /** One packed block, autocommit; its SQL error decoded, or undefined when it committed. */
    async runBlock(client, sql, statements, marker) {
        try {
            await client.query(sql);
            return undefined;
        }
        catch (error) {
            if (!(0,postgres_errors/* isServerError */.GQ)(error) || this.wire.isConnectionLoss(error.code)) {
                this.discard(client);
                throw new errors/* CommitOutcomeUnknownError */.S4(`The connection was lost while the version's block ran (autocommit); whether it was committed is unknown: ${(0,errors/* errorMessage */.gJ)(error)}`, { cause: error });
            }
            return this.wire.decodePackedError((0,postgres_errors/* sqlErrorInfo */.XG)(error), statements, marker);
        }
    }
    async runTransactionOn(client, statements, between, end = 'commit') {
        const rollback = async () => {
            try {
                await client.query('ROLLBACK');
            }
            catch (error) {
                this.log(`ROLLBACK failed: ${(0,errors/* errorMessage */.gJ)(error)}`);
                this.discard(client);
            }
        };
        try {
            await client.query('BEGIN');
        }
        catch (error) {
            throw this.translate(error, client);
        }
        const ran = await (0,statement_loop/* runStatementLoop */.x)({
            run: async (statement, index) => {
                const before = typeof between === 'function' ? between(statement, index) : index > 0 ? between : undefined;
                if (before)
                    await this.run(client, before, undefined);
                return this.run(client, statement.sql, statement.params);
            },
            translate: (error) => this.translate(error, client),
            rollback
        }, statements);
        if (!ran.ok)
            return ran;
        const { results } = ran;
        if (end === 'rollback') {
            await rollback();
            return { ok: true, results };
        }
        try {
            await client.query('COMMIT');
        }
        catch (error) {
            if ((0,postgres_errors/* isServerError */.GQ)(error) && !this.wire.isConnectionLoss(error.code)) {
                // COMMIT answered with an error (a deferred constraint, a serialization failure): rolled back.
                await rollback();
                return { ok: false, phase: 'commit', failedIndex: statements.length, error: (0,postgres_errors/* sqlErrorInfo */.XG)(error) };
            }
            this.discard(client);
            throw new errors/* CommitOutcomeUnknownError */.S4(`The connection was lost while committing; whether the transaction was committed is unknown: ${(0,errors/* errorMessage */.gJ)(error)}`, { cause: error });
        }
        return { ok: true, results };
    }
    async run(client, sql, params) {
        const { text, values } = this.wire.toPositional(sql, params);
        const raw = (await client.query(values.length > 0 ? { text, values } : text));
        // Several statements in one simple-protocol call return one result each: report the last.
        const result = Array.isArray(raw) ? raw[raw.length - 1] : raw;
        const rows = (result?.rows ?? []).map((row) => {
            const converted = {};
            for (const [key, value] of Object.entries(row))
                converted[key] = (0,targets_values/* toSqlValue */.tG)(value);
            return converted;
        });
        const returnsRows = (result?.fields?.length ?? 0) > 0;
        return { rows, rowCount: returnsRows ? rows.length : (result?.rowCount ?? 0) };
    }
    /** SQL errors → DatabaseError; everything else (the connection) → TransportError. */
    translate(error, client) {
        if (error instanceof errors/* DatabaseError */.a$ || error instanceof errors/* TransportError */.wX)
            return error;
        if ((0,postgres_errors/* isServerError */.GQ)(error) && !this.wire.isConnectionLoss(error.code))
            return new errors/* DatabaseError */.a$((0,postgres_errors/* sqlErrorInfo */.XG)(error));
        this.discard(client);
        return new errors/* TransportError */.wX(`PostgreSQL connection to ${this.description} failed: ${(0,errors/* errorMessage */.gJ)(error)}`, (0,postgres_errors/* errorCode */.CA)(error), false, {
            cause: error
        });
    }
    /** Forgets a broken client so the next call connects again. */
    discard(client) {
        if (this.client === client)
            this.client = undefined;
        client.end().catch(() => { });
    }
    async connection() {
        if (this.client)
            return this.client;
        if (!this.connecting) {
            this.connecting = (async () => {
                const client = this.newClient();
                try {
                    await client.connect();
                }
                catch (error) {
                    client.end().catch(() => { });
                    throw new errors/* TransportError */.wX(`Could not connect to ${this.description}: ${(0,errors/* errorMessage */.gJ)(error)}`, (0,postgres_errors/* errorCode */.CA)(error), false, {
                        cause: error
                    });
                }
                this.client = client;
                return client;
            })().finally(() => {
                this.connecting = undefined;
            });
        }
        return this.connecting;
    }
    newClient() {
        const client = new esm["default"].Client({ connectionString: this.url, ssl: this.ssl, types: { getTypeParser: getTypeParser } });
        client.on('error', (error) => {
            this.log(`PostgreSQL connection error: ${(0,errors/* errorMessage */.gJ)(error)}`);
            if (this.client === client)
                this.client = undefined;
        });
        return client;
    }
    exclusive(work) {
        const run = this.queue.then(work, work);
        this.queue = run.catch(() => { });
        return run;
    }
}


/***/ }),

/***/ 4174:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   x: () => (/* binding */ runStatementLoop)
/* harmony export */ });
/* harmony import */ var _errors_js__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(3916);
/* harmony import */ var _target_js__WEBPACK_IMPORTED_MODULE_1__ = __webpack_require__(9425);
/**
 * The statements of a transaction on a kept connection, one at a time, for the transports that hold a session
 * (PostgreSQL's and MySQL's direct ones): each run, its guard checked; the first SQL error or failed guard rolls
 * back and is returned as data; a connection that fails rolls back and throws a TransportError. BEGIN and COMMIT
 * are the transport's own.
 */


/** The results of every statement, or the failure as the Target contract reports it (rolled back). */
async function runStatementLoop(loop, statements) {
    const results = [];
    for (let index = 0; index < statements.length; index++) {
        const statement = statements[index];
        let result;
        try {
            result = await loop.run(statement, index);
        }
        catch (error) {
            const translated = loop.translate(error);
            await loop.rollback();
            if (translated instanceof _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .DatabaseError */ .a$) {
                return { ok: false, phase: 'statement', failedIndex: index, failedLabel: statement.label, error: translated.info };
            }
            throw new _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .TransportError */ .wX(`The connection failed at statement ${index + 1} of ${statements.length}; nothing of the transaction was committed` +
                `${loop.committedAnyway ? ` ${loop.committedAnyway}` : ''}: ${translated.message}`, translated instanceof _errors_js__WEBPACK_IMPORTED_MODULE_0__/* .TransportError */ .wX ? translated.code : 'CONNECTION_ERROR', false, { cause: error });
        }
        const refused = (0,_target_js__WEBPACK_IMPORTED_MODULE_1__/* .guardFailure */ .o)(statement, result, index);
        if (refused) {
            await loop.rollback();
            return refused;
        }
        results.push(result);
    }
    return { ok: true, results };
}


/***/ })

};
