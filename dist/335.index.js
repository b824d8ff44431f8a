export const id = 335;
export const ids = [335];
export const modules = {

/***/ 4335:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  MysqlTarget: () => (/* binding */ MysqlTarget)
});

// UNUSED EXPORTS: CONNECT_TIMEOUT_MS

// EXTERNAL MODULE: ./node_modules/mysql2/promise.js
var promise = __webpack_require__(7588);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: ./src/targets/mask.ts
var mask = __webpack_require__(6872);
// EXTERNAL MODULE: ./src/targets/statement-loop.ts
var statement_loop = __webpack_require__(4174);
;// CONCATENATED MODULE: ./src/targets/mysql/errors.ts
/**
 * An error the server sent about the statement (it has an error number and a SQLSTATE), as opposed to one of
 * the connection (ECONNREFUSED, PROTOCOL_CONNECTION_LOST, a timeout), which mysql2 marks `fatal`.
 */
function isServerError(error) {
    if (!(error instanceof Error))
        return false;
    const e = error;
    return typeof e.errno === 'number' && e.errno > 0 && typeof e.sqlState === 'string' && typeof e.sqlMessage === 'string' && !e.fatal;
}
function sqlErrorInfo(error) {
    return { message: error.sqlMessage || error.message, sqlState: error.sqlState, errno: error.errno };
}
/** A connection failure's code (ECONNREFUSED, PROTOCOL_CONNECTION_LOST, ER_ACCESS_DENIED_ERROR, …), or CONNECTION_ERROR. */
function errorCode(error) {
    const code = error?.code;
    return typeof code === 'string' && code ? code : 'CONNECTION_ERROR';
}

// EXTERNAL MODULE: ./src/targets/values.ts
var values = __webpack_require__(6570);
;// CONCATENATED MODULE: ./src/targets/mysql/types.ts

function bitValue(bytes, bits) {
    if (bytes === null)
        return null;
    if (bits === 1)
        return bytes[bytes.length - 1] !== 0;
    const value = bytes.reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
    return value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}
const typeCast = (field, next) => {
    switch (field.type) {
        case 'TINY':
            if (field.length === 1) {
                const value = next();
                return value === null ? null : Number(value) !== 0;
            }
            return next();
        case 'BIT':
            return bitValue(field.buffer(), field.length);
        case 'JSON':
            return field.string('utf8');
        case 'DATETIME':
        case 'TIMESTAMP': {
            const value = next();
            return typeof value === 'string' ? (0,values/* timestampToIso */.vy)(value) : (0,values/* toSqlValue */.tG)(value);
        }
        default:
            // MariaDB's JSON is a LONGTEXT it marks with the json format.
            if (field.extendedFormat === 'json')
                return field.string('utf8');
            return (0,values/* toSqlValue */.tG)(next());
    }
};

;// CONCATENATED MODULE: ./src/targets/mysql/target.ts
/**
 * The direct MySQL transport (`mysql://` URLs, and the runner Lambda's connection to a MySQL cluster).
 *
 * One mysql2 connection, connected on first use and kept; calls are serialised on it. It behaves as
 * PostgresTarget does (../postgres/target.ts): the same guards, labels, phases, commit failures and
 * errors. Where MySQL differs, it says so rather than pretend:
 *
 * - A transaction is `SET autocommit = 0` … `COMMIT` on the kept connection (the session reset afterwards
 *   restores autocommit), as the Data API's JDBC driver opens one, rather than `START TRANSACTION`: a DDL
 *   statement inside commits implicitly (the work before it, then itself), and after it a session in
 *   autocommit would commit every later statement on its own, while with autocommit off they form a new
 *   transaction that a later failure still rolls back (measured, mysql-notes §1.3). So a failure rolls back
 *   what ran after the last DDL, never more. The target does not hide that; the engine never puts DDL in a
 *   transaction on MySQL (its dialect commits DDL implicitly), and the contract suite asserts what stays.
 * - Nothing is packed (the wire part's `packable` is false): `resultsNeeded: false` runs statement by statement.
 * - Affected rows are found (matched) rows, mysql2's default (CLIENT_FOUND_ROWS), as PostgreSQL counts an
 *   UPDATE and as the Data API's JDBC driver does by default; the engine's guarded UPDATEs change a value anyway.
 * - The session is reset after every transaction with COM_RESET_CONNECTION (mysql2's `reset()`): user and
 *   session variables, temporary tables, GET_LOCK locks and prepared statements go, as over the Data API.
 * - There is no statement timeout for every statement (see the wire part). A `longRunning` query's
 *   `timeoutMs`, and the runner's `deadline`, are enforced by killing the statement (KILL QUERY, from a
 *   connection of its own): it ends with error 1317 and, being atomic per statement, leaves nothing half done.
 */






/** How long connecting may take before it is a TransportError. */
const CONNECT_TIMEOUT_MS = 10_000;
class MysqlTarget {
    url;
    description;
    connection;
    connecting;
    log;
    wire;
    options;
    /** Calls are serialised: with one connection, a query() must never land inside another call's transaction. */
    queue = Promise.resolve();
    /** Connections opened for one long-running statement each, or to kill a statement. */
    own = new Set();
    /** When statements must have ended (epoch ms): one still running then is killed. */
    deadlineAt;
    constructor(url, options) {
        this.url = url;
        this.description = (0,mask/* maskUrl */.yP)(url);
        this.wire = options.wire;
        this.options = options;
        this.log = options.log ?? (() => { });
    }
    /**
     * Every statement still running at `at` (epoch ms) is killed then, and fails with error 1317 (query
     * interrupted): the runner Lambda's deadline, MySQL's stand-in for PostgreSQL's statement_timeout.
     * Undefined lifts it.
     */
    setDeadline(at) {
        this.deadlineAt = at;
    }
    /**
     * A `longRunning` statement is sent once, never re-sent, on a connection of its own (with `timeoutMs`
     * enforced by killing it), so the main connection stays free to renew the lease meanwhile.
     */
    query(sql, params, options) {
        const session = options?.session ?? [];
        if (options?.longRunning)
            return this.queryAlone(sql, params, options.longRunning.timeoutMs, session);
        return this.exclusive(async () => {
            const connection = await this.kept();
            try {
                for (const statement of session)
                    await this.run(connection, statement, undefined, this.deadlineAt);
                return await this.run(connection, sql, params, this.deadlineAt);
            }
            catch (error) {
                throw this.translate(error, connection);
            }
            finally {
                // The session statements were for this statement alone.
                if (session.length)
                    await this.reset(connection);
            }
        });
    }
    /**
     * Never packed (the wire part's packable is false until MySQL's vehicle exists): statement by statement. With
     * `resultsNeeded: false` it answers as the packed form does on other transports: no results, and a failed
     * guard without its rows.
     */
    async transaction(statements, options = {}) {
        const result = await this.exclusive(() => this.runTransaction(statements));
        if (options.resultsNeeded !== false)
            return result;
        if (result.ok)
            return { ok: true, results: [] };
        const { guardRows: _unused, ...failure } = result;
        return failure;
    }
    /** Resets the kept connection's session (COM_RESET_CONNECTION), as after a transaction; nothing when none is open. */
    resetSession() {
        return this.exclusive(async () => {
            if (this.connection)
                await this.reset(this.connection);
        });
    }
    async close() {
        await Promise.all([...this.own].map((connection) => connection.end().catch(() => connection.destroy())));
        await this.queue.catch(() => { });
        const connection = this.connection ?? (await this.connecting?.catch(() => undefined));
        this.connection = undefined;
        this.connecting = undefined;
        if (connection)
            await connection.end().catch(() => connection.destroy());
    }
    async queryAlone(sql, params, timeoutMs, session) {
        const connection = await this.connect();
        this.own.add(connection);
        try {
            const deadline = timeoutMs ? Date.now() + timeoutMs : undefined;
            try {
                // Its own connection, closed afterwards: the session statements end with it.
                for (const statement of session)
                    await this.run(connection, statement, undefined, deadline);
                return await this.run(connection, sql, params, deadline);
            }
            catch (error) {
                throw this.translate(error, connection);
            }
        }
        finally {
            this.own.delete(connection);
            await connection.end().catch(() => connection.destroy());
        }
    }
    /**
     * The statements on the kept connection, then its session reset, so that nothing a migration set for it
     * (`SET` of a session variable, `@variables`, a temporary table, GET_LOCK) reaches the next call. Over the
     * Data API none of that outlives a call either. A connection that cannot be reset is dropped.
     */
    async runTransaction(statements) {
        const connection = await this.kept();
        try {
            return await this.runTransactionOn(connection, statements);
        }
        finally {
            await this.reset(connection);
        }
    }
    async reset(connection) {
        if (this.connection !== connection)
            return;
        try {
            await connection.reset();
        }
        catch (error) {
            this.log(`Resetting the session after a transaction failed (${(0,errors/* errorMessage */.gJ)(error)}); connecting again for the next call`);
            this.discard(connection);
        }
    }
    async runTransactionOn(connection, statements) {
        const rollback = async () => {
            try {
                await connection.query('ROLLBACK');
            }
            catch (error) {
                this.log(`ROLLBACK failed: ${(0,errors/* errorMessage */.gJ)(error)}`);
                this.discard(connection);
            }
        };
        try {
            await connection.query('SET autocommit = 0');
        }
        catch (error) {
            throw this.translate(error, connection);
        }
        const ran = await (0,statement_loop/* runStatementLoop */.x)({
            run: (statement) => this.run(connection, statement.sql, statement.params, this.deadlineAt),
            translate: (error) => this.translate(error, connection),
            rollback,
            committedAnyway: '(but for what a DDL statement in it committed implicitly)'
        }, statements);
        if (!ran.ok)
            return ran;
        const { results } = ran;
        try {
            await connection.query('COMMIT');
        }
        catch (error) {
            if (isServerError(error) && !this.wire.isConnectionLoss(error.sqlState, error.errno)) {
                // COMMIT answered with an error: rolled back.
                await rollback();
                return { ok: false, phase: 'commit', failedIndex: statements.length, error: sqlErrorInfo(error) };
            }
            this.discard(connection);
            throw new errors/* CommitOutcomeUnknownError */.S4(`The connection was lost while committing; whether the transaction was committed is unknown: ${(0,errors/* errorMessage */.gJ)(error)}`, { cause: error });
        }
        return { ok: true, results };
    }
    /** One statement; `deadline` (epoch ms): killed if it is still running then. */
    async run(connection, sql, params, deadline) {
        const { text, values } = this.wire.toPositional(sql, params);
        const watch = deadline === undefined ? undefined : this.watch(connection, deadline);
        try {
            // With values, a server-side prepared statement (the server finds the `?`s, never inside a string); without, the text as is.
            const [raw, fields] = values.length > 0 ? await connection.execute({ sql: text, typeCast: typeCast }, values) : await connection.query({ sql: text, typeCast: typeCast });
            return toQueryResult(raw, fields);
        }
        finally {
            await watch?.stop();
        }
    }
    /**
     * Kills the statement running on `connection` at `deadline`, from a connection of its own. stop() waits for
     * a kill already sent, so that it can never reach a later statement.
     */
    watch(connection, deadline) {
        let killing;
        const kill = async () => {
            const killer = await this.connect().catch(() => undefined);
            if (!killer)
                return this.log('Could not connect to stop a statement past its deadline');
            this.own.add(killer);
            try {
                await killer.query(this.wire.runningStatement.cancelQuery(connection.threadId));
            }
            catch (error) {
                this.log(`Stopping a statement past its deadline failed: ${(0,errors/* errorMessage */.gJ)(error)}`);
            }
            finally {
                this.own.delete(killer);
                await killer.end().catch(() => killer.destroy());
            }
        };
        const timer = setTimeout(() => {
            killing = kill();
        }, Math.max(0, deadline - Date.now()));
        return {
            async stop() {
                clearTimeout(timer);
                await killing;
            }
        };
    }
    /** SQL errors → DatabaseError; everything else (the connection) → TransportError. */
    translate(error, connection) {
        if (error instanceof errors/* DatabaseError */.a$ || error instanceof errors/* TransportError */.wX)
            return error;
        if (isServerError(error) && !this.wire.isConnectionLoss(error.sqlState, error.errno))
            return new errors/* DatabaseError */.a$(sqlErrorInfo(error));
        this.discard(connection);
        return new errors/* TransportError */.wX(`${this.wire.serverName} connection to ${this.description} failed: ${(0,errors/* errorMessage */.gJ)(error)}`, errorCode(error), false, {
            cause: error
        });
    }
    /** Forgets a broken connection so the next call connects again. */
    discard(connection) {
        if (this.connection === connection)
            this.connection = undefined;
        connection.destroy();
    }
    kept() {
        if (this.connection)
            return Promise.resolve(this.connection);
        this.connecting ??= this.connect()
            .then((connection) => {
            this.connection = connection;
            return connection;
        })
            .finally(() => {
            this.connecting = undefined;
        });
        return this.connecting;
    }
    /** A new connection: utf8mb4, one statement per call, dates as text, exact big numbers. */
    async connect() {
        let connection;
        try {
            connection = await promise.createConnection({
                uri: this.url,
                ssl: this.options.ssl,
                connectTimeout: this.options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
                multipleStatements: false,
                // mysql2 asks for IGNORE_SPACE by default, which the server adds to the session's sql_mode and stores
                // with every routine, trigger and view the migrations create; the server's own sql_mode is left as is.
                // Nor LOCAL_FILES: `LOAD DATA LOCAL INFILE` in a migration (a pull request's, on verification's
                // throwaway server) must never make this process send a file of the machine it runs on.
                flags: ['-IGNORE_SPACE', '-LOCAL_FILES'],
                charset: 'utf8mb4',
                dateStrings: true,
                supportBigNumbers: true,
                typeCast: typeCast
            });
        }
        catch (error) {
            throw new errors/* TransportError */.wX(`Could not connect to ${this.description}: ${(0,errors/* errorMessage */.gJ)(error)}`, errorCode(error), false, {
                cause: error
            });
        }
        // An idle connection the server closes (wait_timeout, a restart, KILL) reports it here: forgotten, and the next call connects again.
        connection.on('error', (error) => {
            this.log(`${this.wire.serverName} connection error: ${(0,errors/* errorMessage */.gJ)(error)}`);
            if (this.connection === connection)
                this.connection = undefined;
        });
        return connection;
    }
    exclusive(work) {
        const run = this.queue.then(work, work);
        this.queue = run.catch(() => { });
        return run;
    }
}
/**
 * mysql2's answer → rows and a count. A CALL answers several results (its SELECTs' row sets, then a
 * status): the last row set is reported, as the PostgreSQL transport reports the last of several.
 */
function toQueryResult(raw, fields) {
    if (!Array.isArray(raw))
        return { rows: [], rowCount: raw.affectedRows };
    const several = Array.isArray(fields) && fields.length > 0 && (fields[0] === undefined || Array.isArray(fields[0]));
    if (!several) {
        if (!Array.isArray(fields))
            return { rows: [], rowCount: 0 };
        const rows = raw.map(toRow);
        return { rows, rowCount: rows.length };
    }
    const sets = raw;
    const lastRows = [...sets].reverse().find((set) => Array.isArray(set));
    if (lastRows) {
        const rows = lastRows.map(toRow);
        return { rows, rowCount: rows.length };
    }
    const status = sets[sets.length - 1];
    return { rows: [], rowCount: status?.affectedRows ?? 0 };
}
function toRow(row) {
    const converted = {};
    for (const [key, value] of Object.entries(row))
        converted[key] = value;
    return converted;
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
