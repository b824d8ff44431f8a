export const id = 525;
export const ids = [525,335];
export const modules = {

/***/ 9525:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  LOCAL_DATABASE: () => (/* binding */ LOCAL_DATABASE),
  createScratchDatabase: () => (/* binding */ createScratchDatabase),
  localShadow: () => (/* binding */ localShadow),
  matchSettings: () => (/* binding */ matchSettings)
});

// EXTERNAL MODULE: external "node:crypto"
var external_node_crypto_ = __webpack_require__(7598);
// EXTERNAL MODULE: ./src/errors.ts
var errors = __webpack_require__(3916);
// EXTERNAL MODULE: ./src/shadow/unavailable.ts
var unavailable = __webpack_require__(7762);
// EXTERNAL MODULE: ./src/targets/mask.ts
var mask = __webpack_require__(6872);
// EXTERNAL MODULE: ./src/targets/mysql/target.ts + 2 modules
var target = __webpack_require__(4335);
// EXTERNAL MODULE: ./src/dialects/mysql/wire.ts + 1 modules
var wire = __webpack_require__(7517);
// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(1421);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
var external_node_fs_default = /*#__PURE__*/__webpack_require__.n(external_node_fs_);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
var external_node_path_default = /*#__PURE__*/__webpack_require__.n(external_node_path_);
;// CONCATENATED MODULE: ./src/dialects/mysql/shadow/binaries.ts
/**
 * Finding a MySQL or MariaDB server binary on the machine for a throwaway server: the binary
 * `AURORA_MIGRATE_MYSQLD` names, else `mysqld` and `mariadbd` on PATH and in the usual folders, each asked
 * `--version` to tell MySQL from MariaDB (Debian's /usr/sbin/mysqld is a symlink to mariadbd). Verification
 * prefers a real MySQL (what Aurora runs); the test suites take whichever they find first, MariaDB first.
 * Also the companions of a server: its install script and its client.
 */



/** The environment variable naming the server binary to use (a mysqld or mariadbd). */
const MYSQLD_ENV = 'AURORA_MIGRATE_MYSQLD';
/** The folders searched besides PATH, in order. */
const SERVER_DIRS = ['/usr/sbin', '/usr/local/mysql/bin', '/usr/local/sbin', '/opt/homebrew/bin', '/usr/local/bin'];
function isExecutable(file) {
    try {
        external_node_fs_default().accessSync(file, (external_node_fs_default()).constants.X_OK);
        return external_node_fs_default().statSync(file).isFile();
    }
    catch {
        return false;
    }
}
function pathDirs(env) {
    return (env.PATH ?? '').split((external_node_path_default()).delimiter).filter(Boolean);
}
/** Every executable of these names, on PATH and then in the given folders, in that order, each once. */
function executables(names, env, extraDirs = []) {
    const found = [];
    for (const name of names) {
        for (const dir of [...pathDirs(env), ...extraDirs]) {
            const file = external_node_path_default().join(dir, name);
            if (!found.includes(file) && isExecutable(file))
                found.push(file);
        }
    }
    return found;
}
/** What `<binary> --version` says: `mariadbd  Ver 10.11.19-MariaDB-0+deb12u1 for debian-linux-gnu …`. */
function parseServerVersion(output) {
    const ver = /\bVer\s+(\d+\.\d+\.\d+)(\S*)/.exec(output);
    if (!ver)
        return null;
    return { flavor: /mariadb/i.test(output) ? 'mariadb' : 'mysql', version: ver[1] };
}
const versions = new Map();
/** What the binary says it is, or null when it is not a server that answers `--version` (cached per process). */
function describeBinary(file) {
    if (versions.has(file))
        return versions.get(file);
    let result = null;
    try {
        const output = (0,external_node_child_process_.execFileSync)(file, ['--no-defaults', '--version'], { encoding: 'utf8', timeout: 10_000, stdio: 'pipe' });
        const parsed = parseServerVersion(output);
        if (parsed)
            result = { path: file, ...parsed };
    }
    catch {
        result = null;
    }
    versions.set(file, result);
    return result;
}
/**
 * The server binary to use, or null when the machine has none: the one `AURORA_MIGRATE_MYSQLD` names (and
 * nothing else when it is set), else the first server found of the preferred flavor, else the first found.
 */
function findServerBinary(env = process.env, prefer = 'mysql') {
    const override = env[MYSQLD_ENV];
    if (override)
        return isExecutable(override) ? describeBinary(override) : null;
    const names = prefer === 'mysql' ? ['mysqld', 'mariadbd'] : ['mariadbd', 'mysqld'];
    let first = null;
    for (const file of executables(names, env, SERVER_DIRS)) {
        const binary = describeBinary(file);
        if (!binary)
            continue;
        if (binary.flavor === prefer)
            return binary;
        first ??= binary;
    }
    return first;
}
/** Where the search looked, for the message that says none was found. */
function searchedPlaces(env = process.env) {
    const override = env[MYSQLD_ENV];
    if (override)
        return `${MYSQLD_ENV}=${override} is not an executable server`;
    return `looked for mysqld and mariadbd on PATH and in ${SERVER_DIRS.join(', ')}`;
}
/** The install script or client of the server's installation: beside it, in its `../bin`, or on PATH. */
function companion(server, names, env = process.env) {
    let real = server;
    try {
        real = external_node_fs_default().realpathSync(server);
    }
    catch {
        // A binary that vanished: the folders of its path are still worth a look.
    }
    const dirs = [external_node_path_default().dirname(server), external_node_path_default().join(external_node_path_default().dirname(server), '..', 'bin'), external_node_path_default().dirname(real), '/usr/bin', '/usr/local/bin'];
    for (const name of names) {
        for (const dir of dirs) {
            const file = external_node_path_default().join(dir, name);
            if (isExecutable(file))
                return file;
        }
    }
    return executables(names, env)[0] ?? null;
}
/** The reference client of the server's installation (`mariadb` or `mysql`), or null. */
function clientFor(binary, env = process.env) {
    return companion(binary.path, binary.flavor === 'mariadb' ? ['mariadb', 'mysql'] : ['mysql'], env);
}
/** MariaDB's install script (mariadb-install-db, or mysql_install_db before 10.4), or null. */
function installScriptFor(binary, env = process.env) {
    return companion(binary.path, ['mariadb-install-db', 'mysql_install_db'], env);
}

// EXTERNAL MODULE: ./src/dialects/mysql/shadow/differences.ts
var differences = __webpack_require__(9907);
// EXTERNAL MODULE: external "node:net"
var external_node_net_ = __webpack_require__(7030);
var external_node_net_default = /*#__PURE__*/__webpack_require__.n(external_node_net_);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
var external_node_os_default = /*#__PURE__*/__webpack_require__.n(external_node_os_);
// EXTERNAL MODULE: ./src/free-port.ts
var free_port = __webpack_require__(2073);
// EXTERNAL MODULE: ./src/dialects/postgresql/shadow/process.ts
var shadow_process = __webpack_require__(5626);
;// CONCATENATED MODULE: ./src/dialects/mysql/shadow/server.ts
/**
 * A throwaway MySQL or MariaDB server started from binaries on the machine (binaries.ts), for verification
 * without a shadow-database-url and for the test suites (testkit/mariadb.ts is a thin layer over this file).
 *
 * The server is initialised in a new directory under the OS temp dir (MariaDB: mariadb-install-db; MySQL 8:
 * `mysqld --initialize-insecure`; one function, initCommand, builds either), started with `--no-defaults` (no
 * my.cnf, never the machine's service or its port 3306) on a free port of 127.0.0.1 with its own socket, pid and
 * log files, no durability and the UTC system time zone, and stopped, its directory removed, by stop() — or
 * killed when the process exits without calling it. root connects over TCP with no password. As root the
 * server runs as root (`--user=root`): its directory is in the temp dir, so it needs nothing else.
 *
 * MySQL 8 on Ubuntu (GitHub's runners ship 8.0.43 at /usr/sbin/mysqld): AppArmor's profile for that path may
 * refuse a data directory in the temp dir. When initialising fails with "Permission denied" and the profile
 * exists, the binary is run once more from a copy (the profile is bound to the path), with its installation
 * named by --basedir. Not yet tried on a runner.
 */










/** How messages and reports name a server: "MariaDB 10.11.19", "MySQL 8.0.43". */
function serverName(flavor, version) {
    return `${flavor === 'mariadb' ? 'MariaDB' : 'MySQL'} ${version}`;
}
/** Shadow.server for a local server: loud when it is not MySQL, since MariaDB passes and fails what MySQL would not. */
function localServerText(flavor, version) {
    const name = `local ${serverName(flavor, version)}`;
    return flavor === 'mariadb' ? `${name} (not MySQL: what differs is in docs/mysql.md, "MySQL and MariaDB")` : name;
}
function serverPaths(dir) {
    return { dir, dataDir: external_node_path_default().join(dir, 'data'), filesDir: external_node_path_default().join(dir, 'files') };
}
/**
 * The command that creates the data directory: MariaDB's install script (root with no password, reachable
 * over TCP; no test database), or MySQL's `--initialize-insecure` (root@localhost with no password). `asRoot`:
 * this process runs as root, and the server must be told to stay root. `basedir`: the installation, when the
 * binary runs from a copy.
 */
function initCommand(binary, paths, options) {
    const user = options.asRoot ? ['--user=root'] : [];
    if (binary.flavor === 'mariadb') {
        if (!options.installScript)
            throw new Error(`no mariadb-install-db beside ${binary.path}`);
        return {
            file: options.installScript,
            args: [
                '--no-defaults',
                '--auth-root-authentication-method=normal',
                `--datadir=${paths.dataDir}`,
                // Its temporary tables in its own folder: in the shared temp dir two installs at once collided (error 1051).
                `--tmpdir=${paths.dir}`,
                '--skip-test-db',
                ...user
            ]
        };
    }
    const basedir = options.basedir ? [`--basedir=${options.basedir}`] : [];
    return {
        file: binary.path,
        args: [
            '--no-defaults',
            ...basedir,
            '--initialize-insecure',
            `--datadir=${paths.dataDir}`,
            `--secure-file-priv=${paths.filesDir}`,
            `--tmpdir=${paths.dir}`,
            `--log-error=${external_node_path_default().join(paths.dir, 'init.log')}`,
            ...user
        ]
    };
}
/** The server's command line: local TCP only, its own socket and files, no durability (the data is thrown away). */
function serverArgs(binary, paths, port, options) {
    const { dir, dataDir } = paths;
    return [
        '--no-defaults',
        ...(options.basedir ? [`--basedir=${options.basedir}`] : []),
        `--datadir=${dataDir}`,
        `--port=${port}`,
        '--bind-address=127.0.0.1',
        `--socket=${external_node_path_default().join(dir, 'mysqld.sock')}`,
        `--pid-file=${external_node_path_default().join(dir, 'mysqld.pid')}`,
        `--log-error=${external_node_path_default().join(dir, 'error.log')}`,
        `--tmpdir=${dir}`,
        `--secure-file-priv=${paths.filesDir}`,
        ...(options.asRoot ? ['--user=root'] : []),
        // MySQL's --initialize makes root@localhost only: with name resolution off, 127.0.0.1 would not be localhost.
        ...(binary.flavor === 'mariadb' ? ['--skip-name-resolve'] : []),
        '--skip-log-bin',
        '--innodb-flush-log-at-trx-commit=0',
        '--innodb-buffer-pool-size=32M',
        // MySQL 8's X plugin would listen on 33060 in every server; MariaDB has none (--loose: ignored there).
        '--loose-mysqlx=OFF'
    ];
}
const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;
/** Ubuntu's AppArmor profile for the packaged mysqld. */
const APPARMOR_PROFILE = '/etc/apparmor.d/usr.sbin.mysqld';
/** Waits until the port answers with a server greeting (protocol 10) or an error packet. */
async function waitForGreeting(port, exited, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
        const gone = exited();
        if (gone !== null)
            throw new Error(gone);
        const greeted = await new Promise((resolve) => {
            const socket = external_node_net_default().connect({ host: '127.0.0.1', port });
            const done = (ok) => {
                socket.destroy();
                resolve(ok);
            };
            socket.setTimeout(2000, () => done(false));
            socket.once('error', () => done(false));
            socket.once('data', (packet) => done(packet.length > 4 && (packet[4] === 10 || packet[4] === 0xff)));
        });
        if (greeted)
            return;
        if (Date.now() > deadline)
            throw new Error(`it did not accept connections within ${Math.round(timeoutMs / 1000)} s`);
        await new Promise((resolve) => setTimeout(resolve, 50));
    }
}
function removeDir(dir) {
    try {
        external_node_fs_default().rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    }
    catch {
        // Best effort: a leftover directory in the temp dir is harmless.
    }
}
function readFile(file) {
    try {
        return external_node_fs_default().readFileSync(file, 'utf8').slice(-4096).trim();
    }
    catch {
        return '';
    }
}
async function initialise(found, paths, env, log) {
    const attempt = async (runnable) => {
        external_node_fs_default().rmSync(paths.dataDir, { recursive: true, force: true });
        const { file, args } = initCommand(runnable.binary, paths, {
            asRoot: isRoot(),
            installScript: found.flavor === 'mariadb' ? installScriptFor(found, env) : null,
            basedir: runnable.basedir
        });
        const result = await (0,shadow_process/* run */.e)(file, args, { cwd: paths.dir, env: { ...env, TMPDIR: paths.dir }, timeoutMs: 120_000 });
        if (result.code === 0)
            return null;
        const output = [result.output, readFile(external_node_path_default().join(paths.dir, 'init.log'))].filter(Boolean).join('\n');
        return `${external_node_path_default().basename(file)} ${args.join(' ')} failed with code ${result.code}: ${output}`;
    };
    const failed = await attempt({ binary: found });
    if (failed === null)
        return { binary: found };
    if (found.flavor !== 'mysql' || !/Permission denied|errno[: ]+13\b/i.test(failed) || !external_node_fs_default().existsSync(APPARMOR_PROFILE))
        throw new Error(failed);
    // AppArmor confines the packaged path only: the same binary elsewhere, told where its installation is.
    const real = external_node_fs_default().realpathSync(found.path);
    const copy = external_node_path_default().join(paths.dir, 'bin', external_node_path_default().basename(real));
    external_node_fs_default().mkdirSync(external_node_path_default().dirname(copy), { recursive: true });
    external_node_fs_default().copyFileSync(real, copy);
    external_node_fs_default().chmodSync(copy, 0o755);
    const runnable = { binary: { ...found, path: copy }, basedir: external_node_path_default().dirname(external_node_path_default().dirname(real)) };
    log(`${APPARMOR_PROFILE} refused ${found.path} a data directory in the temp dir; running a copy of it instead`);
    const again = await attempt(runnable);
    if (again === null)
        return runnable;
    throw new Error(`${failed}\nA copy of the binary failed too: ${again}\n` +
        `AppArmor may confine ${found.path}: unload its profile (sudo apparmor_parser -R ${APPARMOR_PROFILE}) and run again.`);
}
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
/**
 * Starts a new server from `binary` and resolves once it accepts connections; ShadowUnavailableError when it
 * cannot be initialised or started.
 */
async function startLocalMysql(options) {
    const log = options.log ?? (() => { });
    const found = options.binary;
    // The caller's environment, less what could point the server elsewhere; UTC whatever the machine's zone (Aurora's).
    const env = { ...(options.env ?? process.env), TZ: 'UTC' };
    for (const name of ['MYSQL_HOST', 'MYSQL_TCP_PORT', 'MYSQL_UNIX_PORT', 'MYSQL_PWD', 'MYSQL_HOME'])
        delete env[name];
    const name = serverName(found.flavor, found.version);
    const paths = serverPaths(external_node_fs_default().mkdtempSync(external_node_path_default().join(external_node_os_default().tmpdir(), 'aurora-migrate-mysql-')));
    const { dir } = paths;
    let runnable;
    try {
        external_node_fs_default().mkdirSync(paths.filesDir);
        runnable = await initialise(found, paths, env, log);
    }
    catch (error) {
        removeDir(dir);
        throw new unavailable/* ShadowUnavailableError */.j(`Could not initialise ${name} from ${found.path}: ${(0,errors/* errorMessage */.gJ)(error)}`, { cause: error });
    }
    let lastError = '';
    // A free port can be taken between choosing it and binding it: try again with another.
    for (let attempt = 1; attempt <= 3; attempt++) {
        const port = await (0,free_port/* freePort */.o)();
        const args = serverArgs(runnable.binary, paths, port, { asRoot: isRoot(), basedir: runnable.basedir });
        const child = (0,external_node_child_process_.spawn)(runnable.binary.path, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
        const output = new shadow_process/* OutputTail */.g();
        child.stdout?.on('data', (chunk) => output.add(chunk));
        child.stderr?.on('data', (chunk) => output.add(chunk));
        let gone = null;
        const exit = new Promise((resolve) => {
            child.on('error', (error) => {
                gone = `it could not be started: ${error.message}`;
                resolve();
            });
            child.on('exit', (code, signal) => {
                gone = signal ? `it was killed by ${signal}` : `it exited with code ${code}`;
                resolve();
            });
        });
        // A forgotten server must not keep this process alive; the exit hook kills it.
        child.unref();
        for (const stream of [child.stdout, child.stderr])
            stream?.unref?.();
        const stopChild = async () => {
            if (gone !== null)
                return;
            child.kill('SIGTERM');
            let timer;
            const timedOut = await Promise.race([
                exit.then(() => false),
                new Promise((resolve) => (timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS)))
            ]);
            clearTimeout(timer);
            if (timedOut && gone === null) {
                child.kill('SIGKILL');
                await exit;
            }
        };
        try {
            await waitForGreeting(port, () => gone, START_TIMEOUT_MS);
        }
        catch (error) {
            await stopChild();
            const serverLog = readFile(external_node_path_default().join(dir, 'error.log'));
            lastError = `${(0,errors/* errorMessage */.gJ)(error)}\n${[output.text(), serverLog].filter(Boolean).join('\n')}`;
            if (/address already in use|Can't start server: Bind/i.test(serverLog) && attempt < 3)
                continue;
            break;
        }
        log(`Started ${name} from ${runnable.binary.path} on 127.0.0.1:${port}`);
        const onExit = () => {
            if (gone === null)
                child.kill('SIGKILL');
            removeDir(dir);
        };
        process.once('exit', onExit);
        let stopping;
        return {
            url: `mysql://root@127.0.0.1:${port}/`,
            port,
            socket: external_node_path_default().join(dir, 'mysqld.sock'),
            flavor: found.flavor,
            version: found.version,
            dir,
            pid: child.pid,
            stop() {
                stopping ??= (async () => {
                    process.removeListener('exit', onExit);
                    await stopChild();
                    removeDir(dir);
                })();
                return stopping;
            }
        };
    }
    removeDir(dir);
    throw new unavailable/* ShadowUnavailableError */.j(`${name} from ${found.path} did not start: ${lastError}`);
}

// EXTERNAL MODULE: ./src/dialects/mysql/shadow/settings.ts
var shadow_settings = __webpack_require__(7954);
;// CONCATENATED MODULE: ./src/dialects/mysql/shadow/databases.ts
/**
 * The throwaway MySQL verification runs on: a scratch database on the server at shadow-database-url (created
 * with a unique name, dropped afterwards), or a database on a local server started from binaries on the
 * machine (server.ts; MySQL preferred, else MariaDB, said loudly). Given the target's settings, the database
 * is made like the target's (settings.ts), and what could not be matched is read back and reported.
 */










const SCRATCH_PREFIX = 'aurora_migrate_verify_';
/** The database verification runs in on a local server. */
const LOCAL_DATABASE = 'aurora_migrate_verify';
/** MySQL's errors for a user who may not create a database: access denied to the database, or for the user. */
const ACCESS_DENIED = new Set([1044, 1045, 1227]);
function withDatabase(url, name) {
    const parsed = new URL(url);
    parsed.pathname = `/${name}`;
    return parsed.toString();
}
function quoteName(name) {
    return `\`${name.replace(/`/g, '``')}\``;
}
async function createScratchDatabase(url, settings, log) {
    const masked = (0,mask/* maskUrl */.yP)(url);
    let scratchUrl;
    const name = `${SCRATCH_PREFIX}${(0,external_node_crypto_.randomBytes)(6).toString('hex')}`;
    try {
        const parsed = new URL(url);
        if (parsed.protocol !== 'mysql:')
            throw new Error(`unsupported scheme ${parsed.protocol}`);
        scratchUrl = withDatabase(url, name);
    }
    catch (error) {
        throw new unavailable/* ShadowUnavailableError */.j(`shadow-database-url ${masked} is not a mysql:// URL (${(0,errors/* errorMessage */.gJ)(error)})`);
    }
    const admin = new target.MysqlTarget(url, { wire: wire/* wire */.O, log });
    let settingReasons;
    try {
        settingReasons = await (0,shadow_settings/* createDatabaseLike */.He)(admin, name, settings);
    }
    catch (error) {
        await admin.close();
        if (error instanceof errors/* DatabaseError */.a$ && error.info.errno !== undefined && ACCESS_DENIED.has(error.info.errno)) {
            throw new unavailable/* ShadowUnavailableError */.j(`The user of shadow-database-url ${masked} may not create databases (it needs CREATE and DROP on aurora_migrate_verify_%): ${error.message}`, { cause: error });
        }
        throw new unavailable/* ShadowUnavailableError */.j(`Could not create a scratch database on shadow-database-url ${masked}: ${(0,errors/* errorMessage */.gJ)(error)}`, {
            cause: error
        });
    }
    for (const [setting, reason] of (0,shadow_settings/* untouchedReasons */.HR)(settings, true))
        if (!settingReasons.has(setting))
            settingReasons.set(setting, reason);
    log(`Created the scratch database ${name} on ${masked}`);
    return {
        server: `shadow-database-url ${masked}`,
        url: scratchUrl,
        settingReasons,
        async cleanUp() {
            try {
                await admin.query(`DROP DATABASE IF EXISTS ${quoteName(name)}`);
                log(`Dropped the scratch database ${name}`);
            }
            catch (error) {
                log(`Could not drop the scratch database ${name} on ${masked} (drop it by hand): ${(0,errors/* errorMessage */.gJ)(error)}`);
            }
            finally {
                await admin.close();
            }
        }
    };
}
async function localShadow(options) {
    const env = options.env ?? process.env;
    const binary = options.binary ?? findServerBinary(env, 'mysql');
    if (!binary) {
        throw new unavailable/* ShadowUnavailableError */.j(`No MySQL or MariaDB server binaries found to verify on (${searchedPlaces(env)}); give a shadow-database-url, ` +
            'or run on a machine with MySQL 8 (GitHub ubuntu-24.04 runners have /usr/sbin/mysqld)');
    }
    const local = await startLocalMysql({ binary, env, log: options.log });
    const server = localServerText(local.flavor, local.version);
    if (local.flavor === 'mariadb') {
        // One line each: a log line is one line (the action's and the terminal's).
        options.log(`Verifying on MariaDB ${local.version}, not MySQL: what passes here can fail on MySQL, and the reverse. What differs:`);
        for (const line of (0,differences/* describeDifferences */.g)())
            options.log(`  - ${line}`);
    }
    const stop = () => local.stop().catch((error) => options.log(`Stopping the local server failed: ${(0,errors/* errorMessage */.gJ)(error)}`));
    const admin = new target.MysqlTarget(local.url, { wire: wire/* wire */.O, log: options.log });
    const settings = options.targetSettings ?? null;
    let settingReasons;
    try {
        settingReasons = await (0,shadow_settings/* createDatabaseLike */.He)(admin, LOCAL_DATABASE, settings);
        if (settings)
            for (const [setting, reason] of await (0,shadow_settings/* setServerSettings */.Ve)(admin, settings))
                settingReasons.set(setting, reason);
        for (const [setting, reason] of (0,shadow_settings/* untouchedReasons */.HR)(settings, false))
            if (!settingReasons.has(setting))
                settingReasons.set(setting, reason);
    }
    catch (error) {
        await admin.close();
        await stop();
        throw new unavailable/* ShadowUnavailableError */.j(`Could not create the verification database on ${server}: ${(0,errors/* errorMessage */.gJ)(error)}`, { cause: error });
    }
    await admin.close();
    return { server, url: withDatabase(local.url, LOCAL_DATABASE), settingReasons, cleanUp: stop };
}
/** What the throwaway database matched of the target's settings, read back from a new session there; logged. */
async function matchSettings(target, shadow, settings, log) {
    let shown;
    try {
        shown = await (0,shadow_settings/* readSettings */.sb)(target);
    }
    catch (error) {
        log(`Could not read the settings of the throwaway database back: ${(0,errors/* errorMessage */.gJ)(error)}`);
        shown = {};
    }
    const match = (0,shadow_settings/* compareSettings */.ZK)(settings, shown, shadow.settingReasons);
    log((0,shadow_settings/* describeMatch */.$X)(match));
    return match;
}


/***/ }),

/***/ 5626:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   e: () => (/* binding */ run),
/* harmony export */   g: () => (/* binding */ OutputTail)
/* harmony export */ });
/* harmony import */ var node_child_process__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(1421);
/* harmony import */ var node_child_process__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_child_process__WEBPACK_IMPORTED_MODULE_0__);
/** Running a program of the PostgreSQL installation (initdb, postgres, pg_ctl) and keeping the end of its output. */

/** Runs a program to completion and collects its output (bounded). */
function run(file, args, options) {
    return new Promise((resolve, reject) => {
        const child = (0,node_child_process__WEBPACK_IMPORTED_MODULE_0__.spawn)(file, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
        const output = new OutputTail();
        child.stdout?.on('data', (chunk) => output.add(chunk));
        child.stderr?.on('data', (chunk) => output.add(chunk));
        const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
        child.on('error', (error) => {
            clearTimeout(timer);
            reject(error);
        });
        child.on('close', (code, signal) => {
            clearTimeout(timer);
            resolve({ code, signal, output: output.text() });
        });
    });
}
/** The last few kilobytes of a process's output, for error messages. */
class OutputTail {
    limit;
    chunks = [];
    size = 0;
    constructor(limit = 8192) {
        this.limit = limit;
    }
    add(chunk) {
        const text = chunk.toString();
        this.chunks.push(text);
        this.size += text.length;
        while (this.size > this.limit && this.chunks.length > 1)
            this.size -= this.chunks.shift().length;
    }
    text() {
        const all = this.chunks.join('');
        return (all.length > this.limit ? all.slice(-this.limit) : all).trim();
    }
}


/***/ }),

/***/ 2073:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   o: () => (/* binding */ freePort)
/* harmony export */ });
/* harmony import */ var node_net__WEBPACK_IMPORTED_MODULE_0__ = __webpack_require__(7030);
/* harmony import */ var node_net__WEBPACK_IMPORTED_MODULE_0___default = /*#__PURE__*/__webpack_require__.n(node_net__WEBPACK_IMPORTED_MODULE_0__);
/** A TCP port on 127.0.0.1 that nothing listens on right now (for a throwaway server, or a test's). */

async function freePort() {
    return new Promise((resolve, reject) => {
        const server = node_net__WEBPACK_IMPORTED_MODULE_0___default().createServer();
        server.unref();
        server.on('error', reject);
        server.listen(0, '127.0.0.1', () => {
            const address = server.address();
            const port = typeof address === 'object' && address ? address.port : 0;
            server.close(() => resolve(port));
        });
    });
}


/***/ }),

/***/ 7762:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

/* harmony export */ __webpack_require__.d(__webpack_exports__, {
/* harmony export */   j: () => (/* binding */ ShadowUnavailableError)
/* harmony export */ });
/** No throwaway server: none was found, or the one found could not be started or reached. */
class ShadowUnavailableError extends Error {
    constructor(message, options) {
        super(message, options);
        this.name = 'ShadowUnavailableError';
    }
}


/***/ }),

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
