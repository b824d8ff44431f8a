export const id = 120;
export const ids = [120,318];
export const modules = {

/***/ 6120:
/***/ ((__unused_webpack_module, __webpack_exports__, __webpack_require__) => {

// ESM COMPAT FLAG
__webpack_require__.r(__webpack_exports__);

// EXPORTS
__webpack_require__.d(__webpack_exports__, {
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
// EXTERNAL MODULE: ./src/targets/postgres/target.ts + 1 modules
var target = __webpack_require__(6318);
// EXTERNAL MODULE: ./src/targets/postgres/errors.ts
var postgres_errors = __webpack_require__(6033);
;// CONCATENATED MODULE: ./src/targets/postgres.ts
/**
 * The direct PostgreSQL transport, in postgres/: the target (target.ts), the driver's errors (errors.ts)
 * and its value shapes (types.ts).
 */




// EXTERNAL MODULE: ./src/engine/meta.ts
var meta = __webpack_require__(7145);
;// CONCATENATED MODULE: ./src/dialects/postgresql/shadow/cluster-state.ts
/**
 * What migrations can leave on a shadow server outside their scratch database. Roles, databases and
 * tablespaces belong to the whole server, so dropping the scratch database does not remove them: a role
 * left behind makes the next verification's `CREATE ROLE` fail with "already exists".
 *
 * Verification notes these objects before it starts (clusterState) and afterwards drops the ones that
 * are new (restoreClusterState): databases first, then tablespaces (empty once the databases are gone;
 * creating one needs a directory on the server, so this is rare), then roles, with REASSIGN/DROP OWNED
 * only for a role something still depends on. What existed before is never dropped; when a migration
 * changed it (a role's attributes or memberships, a database's owner, privileges or settings), the change
 * is named, not undone. The state is read again at the end, so what is reported is what the server holds.
 */


/** The order objects are dropped in: a database can live in a tablespace and be owned by a role. */
const KINDS = ['database', 'tablespace', 'role'];
/** `array(… ORDER BY 1)` of an ACL, with the owner's default privileges in place of NULL. */
const acl = (column, kind, owner) => `array(SELECT a::text FROM unnest(coalesce(${column}, acldefault('${kind}', ${owner}))) a ORDER BY 1)`;
const QUERIES = {
    role: `SELECT r.rolname AS name, md5(row(r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, r.rolreplication,
      r.rolbypassrls, r.rolconnlimit, r.rolvaliduntil, r.rolconfig,
      array(SELECT g.rolname || ':' || m.admin_option FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid WHERE m.member = r.oid ORDER BY 1))::text) AS state
    FROM pg_roles r`,
    database: `SELECT d.datname AS name, md5(row(pg_get_userbyid(d.datdba), ${acl('d.datacl', 'd', 'd.datdba')}, d.datallowconn, d.datconnlimit,
      array(SELECT s.setrole::text || ':' || s.setconfig::text FROM pg_db_role_setting s WHERE s.setdatabase = d.oid ORDER BY 1))::text) AS state
    FROM pg_database d`,
    tablespace: `SELECT t.spcname AS name, md5(row(pg_get_userbyid(t.spcowner), ${acl('t.spcacl', 't', 't.spcowner')}, t.spcoptions)::text) AS state
    FROM pg_tablespace t`
};
async function clusterState(admin) {
    const state = {};
    for (const kind of KINDS) {
        const { rows } = await admin.query(QUERIES[kind]);
        state[kind] = new Map(rows.map((row) => [String(row.name), String(row.state)]));
    }
    return state;
}
/** Any fixed key: verifications on one server take turns, so each one's "new since it started" is its own. */
const VERIFICATION_LOCK = 5_381_468_209_126_937;
const VERIFICATION_WAIT_MS = 5 * 60_000;
/**
 * Waits until no other verification is running on this server (a session-level advisory lock on the
 * admin connection, released when it closes). Advisory locks belong to one database: verifications that
 * connect to different databases of one server do not wait for each other.
 */
async function takeVerificationTurn(admin, server, log, waitMs = VERIFICATION_WAIT_MS) {
    const deadline = Date.now() + waitMs;
    let waiting = false;
    for (;;) {
        const { rows } = await admin.query(`SELECT pg_try_advisory_lock(${VERIFICATION_LOCK}) AS locked`);
        if (rows[0]?.locked === true)
            return true;
        if (Date.now() > deadline)
            return false;
        if (!waiting)
            log(`Waiting for another verification on ${server} to finish`);
        waiting = true;
        await new Promise((resolve) => setTimeout(resolve, 1000));
    }
}
/** What differs between two states: objects only in `after`, objects in both that changed, objects only in `before`. */
function compare(before, after) {
    const created = [];
    const changed = [];
    const removed = [];
    for (const kind of KINDS) {
        for (const [name, fingerprint] of after[kind]) {
            const old = before[kind].get(name);
            if (old === undefined)
                created.push([kind, name]);
            else if (old !== fingerprint)
                changed.push(`${kind} ${name}`);
        }
        for (const name of before[kind].keys())
            if (!after[kind].has(name))
                removed.push(`${kind} ${name}`);
    }
    return { created, changed, removed };
}
async function dropDatabase(admin, name) {
    try {
        await admin.query(`DROP DATABASE IF EXISTS ${(0,meta/* quoteIdentifier */.Cm)(name)} WITH (FORCE)`);
    }
    catch (error) {
        // WITH (FORCE) is PostgreSQL 13+; before that, end the sessions first.
        if (!(error instanceof errors/* DatabaseError */.a$ && error.info.sqlState === '42601'))
            throw error;
        await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()', { name });
        await admin.query(`DROP DATABASE IF EXISTS ${(0,meta/* quoteIdentifier */.Cm)(name)}`);
    }
}
/**
 * DROP ROLE alone when nothing depends on the role (it needs only ADMIN on the role, which its creator
 * has); otherwise (privileges on a database, ownership of a shared object) hand what it owns to the
 * current user and revoke its privileges first, which needs the role's privileges.
 */
async function dropRole(admin, name) {
    const role = (0,meta/* quoteIdentifier */.Cm)(name);
    try {
        await admin.query(`DROP ROLE IF EXISTS ${role}`);
    }
    catch (error) {
        if (!(error instanceof errors/* DatabaseError */.a$ && error.info.sqlState === '2BP01'))
            throw error;
        await admin.query(`REASSIGN OWNED BY ${role} TO CURRENT_USER`);
        await admin.query(`DROP OWNED BY ${role}`);
        await admin.query(`DROP ROLE IF EXISTS ${role}`);
    }
}
const DROP = {
    database: dropDatabase,
    tablespace: (admin, name) => admin.query(`DROP TABLESPACE IF EXISTS ${(0,meta/* quoteIdentifier */.Cm)(name)}`).then(() => { }),
    role: dropRole
};
const BY_HAND = {
    database: (name) => `DROP DATABASE ${(0,meta/* quoteIdentifier */.Cm)(name)} WITH (FORCE)`,
    tablespace: (name) => `DROP TABLESPACE ${(0,meta/* quoteIdentifier */.Cm)(name)}`,
    role: (name) => `REASSIGN OWNED BY ${(0,meta/* quoteIdentifier */.Cm)(name)} TO CURRENT_USER; DROP OWNED BY ${(0,meta/* quoteIdentifier */.Cm)(name)}; DROP ROLE ${(0,meta/* quoteIdentifier */.Cm)(name)}`
};
/**
 * Drops every database, tablespace and role that is not in `before`, then reads the state again and
 * reports what was dropped, what is left, and what of the objects that existed before has changed.
 */
async function restoreClusterState(admin, before, log) {
    const { created } = compare(before, await clusterState(admin));
    for (const [kind, name] of created) {
        try {
            await DROP[kind](admin, name);
        }
        catch (error) {
            log(`Could not drop the ${kind} ${name} that the migrations created (drop it by hand: ${BY_HAND[kind](name)}): ${(0,errors/* errorMessage */.gJ)(error)}`);
        }
    }
    const after = compare(before, await clusterState(admin));
    const left = new Set(after.created.map(([kind, name]) => `${kind} ${name}`));
    return {
        dropped: created.map(([kind, name]) => `${kind} ${name}`).filter((object) => !left.has(object)),
        left: [...left],
        changed: after.changed,
        removed: after.removed
    };
}

// EXTERNAL MODULE: external "node:child_process"
var external_node_child_process_ = __webpack_require__(1421);
// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(3024);
var external_node_fs_default = /*#__PURE__*/__webpack_require__.n(external_node_fs_);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(8161);
var external_node_os_default = /*#__PURE__*/__webpack_require__.n(external_node_os_);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(6760);
var external_node_path_default = /*#__PURE__*/__webpack_require__.n(external_node_path_);
// EXTERNAL MODULE: ./node_modules/pg/esm/index.mjs
var esm = __webpack_require__(3849);
// EXTERNAL MODULE: ./src/dialects/postgresql/shadow/process.ts
var shadow_process = __webpack_require__(5626);
;// CONCATENATED MODULE: ./src/dialects/postgresql/shadow/binaries.ts
/**
 * Finding PostgreSQL's binaries on the machine, for the throwaway server (server.ts). GitHub's Ubuntu runners
 * ship PostgreSQL (service disabled, binaries in /usr/lib/postgresql/<major>/bin, not on PATH), Windows runners
 * set PGBIN, macOS runners have Homebrew's PostgreSQL.
 */





const realSystem = {
    platform: process.platform,
    readdir(dir) {
        try {
            return external_node_fs_default().readdirSync(dir);
        }
        catch {
            return [];
        }
    },
    isExecutable(file) {
        try {
            if (!external_node_fs_default().statSync(file).isFile())
                return false;
            if (process.platform === 'win32')
                return true;
            external_node_fs_default().accessSync(file, (external_node_fs_default()).constants.X_OK);
            return true;
        }
        catch {
            return false;
        }
    },
    pgConfigBindir(pgConfig, env) {
        try {
            const out = (0,external_node_child_process_.execFileSync)(pgConfig, ['--bindir'], { env, encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
            return out.trim() || null;
        }
        catch {
            return null;
        }
    }
};
function searchSystem(overrides) {
    return { ...realSystem, ...overrides };
}
function exe(name, platform) {
    return platform === 'win32' ? `${name}.exe` : name;
}
/** An environment variable, found case-insensitively on Windows (`Path`). */
function envValue(env, name, platform) {
    if (env[name] !== undefined || platform !== 'win32')
        return env[name];
    const key = Object.keys(env).find((k) => k.toUpperCase() === name);
    return key === undefined ? undefined : env[key];
}
/** Numeric version in a directory name (`16`, `9.6`, `postgresql@17`), for sorting highest first. */
function versionOf(name) {
    const m = /(\d+)(?:\.(\d+))?$/.exec(name);
    return m ? Number(m[1]) + Number(m[2] ?? 0) / 100 : -1;
}
/** `<parent>/<entry>/bin` for the entries of `parent` that match, highest version first (unversioned last). */
function versionedBinDirs(system, parent, entry) {
    return system
        .readdir(parent)
        .filter((name) => entry.test(name))
        .sort((a, b) => versionOf(b) - versionOf(a))
        .map((name) => external_node_path_default().posix.join(parent, name, 'bin'));
}
/**
 * Where to look for initdb/postgres, in order: every PATH entry; $PGBIN; /usr/lib/postgresql/<major>/bin
 * (highest major first); /usr/local/opt/postgresql@*\/bin, /opt/homebrew/opt/postgresql@*\/bin,
 * /usr/local/pgsql/bin; `pg_config --bindir` when pg_config is on PATH.
 */
function candidateBinDirs(env, fsLike) {
    const system = searchSystem(fsLike);
    const delimiter = system.platform === 'win32' ? ';' : ':';
    const pathDirs = (envValue(env, 'PATH', system.platform) ?? '').split(delimiter).filter((dir) => dir.trim() !== '');
    const dirs = [...pathDirs];
    const pgbin = envValue(env, 'PGBIN', system.platform);
    if (pgbin && pgbin.trim())
        dirs.push(pgbin);
    if (system.platform !== 'win32') {
        dirs.push(...versionedBinDirs(system, '/usr/lib/postgresql', /^\d+(\.\d+)?$/));
        const homebrew = /^postgresql(@\d+(\.\d+)?)?$/;
        dirs.push(...versionedBinDirs(system, '/usr/local/opt', homebrew));
        dirs.push(...versionedBinDirs(system, '/opt/homebrew/opt', homebrew));
        dirs.push('/usr/local/pgsql/bin');
    }
    const pgConfig = pathDirs.map((dir) => external_node_path_default().join(dir, exe('pg_config', system.platform))).find((file) => system.isExecutable(file));
    if (pgConfig) {
        const bindir = system.pgConfigBindir(pgConfig, env);
        if (bindir)
            dirs.push(bindir);
    }
    return [...new Set(dirs)];
}
/** `postgres (PostgreSQL) 16.6 (Ubuntu 16.6-1.pgdg24.04+1)` → `16.6` */
function parseVersion(output) {
    return /\(PostgreSQL\)\s+(\d+(?:\.\d+)*\w*)/.exec(output)?.[1] ?? null;
}
/** The version of the PostgreSQL in `dir` when it holds initdb and a postgres that runs (`postgres --version` answers); else null. */
async function probeBinDir(dir, env, system) {
    const postgres = external_node_path_default().join(dir, exe('postgres', system.platform));
    if (!system.isExecutable(external_node_path_default().join(dir, exe('initdb', system.platform))) || !system.isExecutable(postgres))
        return null;
    try {
        const { code, output } = await (0,shadow_process/* run */.e)(postgres, ['--version'], { env, timeoutMs: 10_000 });
        return code === 0 ? parseVersion(output) : null;
    }
    catch {
        // Not runnable here (wrong architecture, missing libraries).
        return null;
    }
}
async function binariesIn(binDir, env, system) {
    const version = await probeBinDir(binDir, env, system);
    if (!version)
        throw new unavailable/* ShadowUnavailableError */.j(`${binDir} holds no initdb and postgres that run here.`);
    return { binDir, version };
}
/** `16.6` → `16`, `9.6.24` → `9.6`: the major version, as server_version_num's is written (see target-settings.ts). */
function majorVersion(version) {
    const m = /^(\d+)(?:\.(\d+))?/.exec(version);
    if (!m)
        return null;
    return Number(m[1]) >= 10 ? m[1] : `${m[1]}.${m[2] ?? 0}`;
}
/**
 * The first candidate directory holding both initdb and postgres executables that run; null when there is
 * none. With `preferMajor` (the target's major version), the first one of that major version when there is one.
 */
async function findPostgresBinaries(env = process.env, fsLike, preferMajor) {
    const system = searchSystem(fsLike);
    let first = null;
    for (const dir of candidateBinDirs(env, system)) {
        const version = await probeBinDir(dir, env, system);
        if (!version)
            continue;
        first ??= { binDir: dir, version };
        if (!preferMajor || majorVersion(version) === preferMajor)
            return { binDir: dir, version };
    }
    return first;
}
function unavailableMessage(searched) {
    const shown = searched.length > 20 ? [...searched.slice(0, 20), `… ${searched.length - 20} more`] : searched;
    return ('No PostgreSQL server binaries (initdb and postgres) were found to verify the migrations on. ' +
        `Searched PATH, $PGBIN, /usr/lib/postgresql/<major>/bin, Homebrew's postgresql@* and pg_config --bindir: ${shown.join(', ') || '(nothing)'}. ` +
        'Give the input shadow-database-url a PostgreSQL server to verify on (for example a `services: postgres` container: ' +
        'shadow-database-url: postgres://postgres:postgres@localhost:5432/postgres), or install PostgreSQL on the runner.');
}

;// CONCATENATED MODULE: ./src/dialects/postgresql/shadow/server-user.ts
/**
 * Who a throwaway PostgreSQL server runs as, and binaries that user can run.
 *
 * PostgreSQL refuses to run as root, so as root the server runs as the `postgres` (or `nobody`) user.
 * That user must be able to reach the binaries, and often cannot: npm installs them under the project,
 * and a project in a private folder (a container's /root, a `mktemp -d` directory, both 0700) hides them
 * (`spawn …/initdb EACCES`). Then the installation (bin, lib, share: PostgreSQL finds lib and share
 * relative to its own binary) is copied once to the temporary directory, readable by everyone and
 * writable only by this user, and used from there. The copy's name is keyed by the PostgreSQL version and
 * a digest of the installation's content (not its path), so every clone of a project, every npm install of
 * the same binaries, shares one copy; it is made under a unique name and renamed into place, so runs in
 * parallel never see half a copy. Each use marks the copy's time; copies of other binaries (or versions)
 * unused for a day and run by no process are removed (removeStaleCopies).
 */







function lookUpUser(name) {
    try {
        for (const line of external_node_fs_default().readFileSync('/etc/passwd', 'utf8').split('\n')) {
            const [user, , uid, gid] = line.split(':');
            if (user === name && /^\d+$/.test(uid ?? '') && /^\d+$/.test(gid ?? ''))
                return { name, uid: Number(uid), gid: Number(gid) };
        }
    }
    catch {
        // No /etc/passwd (or unreadable): ask `id`, which also knows users from NSS (LDAP, systemd-userdb).
    }
    try {
        const id = (flag) => Number((0,external_node_child_process_.execFileSync)('id', [flag, name], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] }).trim());
        const uid = id('-u');
        const gid = id('-g');
        if (Number.isInteger(uid) && Number.isInteger(gid))
            return { name, uid, gid };
    }
    catch {
        // No such user.
    }
    return null;
}
/** null when this process is not root (the server then runs as this process's user). */
function serverUser() {
    if (process.platform === 'win32' || process.getuid?.() !== 0)
        return null;
    const user = lookUpUser('postgres') ?? lookUpUser('nobody');
    if (!user) {
        throw new unavailable/* ShadowUnavailableError */.j('PostgreSQL refuses to run as root, and there is neither a `postgres` nor a `nobody` user to run the verification server as: ' +
            'create one, or give the input shadow-database-url.');
    }
    return user;
}
/** Whether `user` can run initdb and postgres from `binDir` (every folder above them searchable, the libraries readable). */
function canRun(user, binDir) {
    return ['initdb', 'postgres'].every((program) => {
        const result = (0,external_node_child_process_.spawnSync)(external_node_path_default().join(binDir, program), ['--version'], {
            uid: user.uid,
            gid: user.gid,
            cwd: '/',
            timeout: 10_000,
            stdio: 'ignore'
        });
        return !result.error && result.status === 0;
    });
}
/** A folder of this process's user that no one else can write to, and not a symlink someone else could have planted. */
function isTrusted(dir) {
    return [dir, external_node_path_default().join(dir, 'bin')].every((entry) => {
        const stat = external_node_fs_default().lstatSync(entry, { throwIfNoEntry: false });
        return stat !== undefined && stat.isDirectory() && stat.uid === process.getuid?.() && (stat.mode & 0o022) === 0;
    });
}
/** Folders 0755, files 0644 (0755 when the owner may run them); symlinks left as they are. */
function openToEveryone(dir) {
    external_node_fs_default().chmodSync(dir, 0o755);
    for (const entry of external_node_fs_default().readdirSync(dir, { withFileTypes: true })) {
        const file = external_node_path_default().join(dir, entry.name);
        if (entry.isDirectory())
            openToEveryone(file);
        else if (entry.isFile())
            external_node_fs_default().chmodSync(file, external_node_fs_default().statSync(file).mode & 0o100 ? 0o755 : 0o644);
    }
}
/** Copies bin, lib and share of `root` into a new folder next to `target`; returns the new folder. */
function copyInstallation(root, target) {
    const staging = external_node_fs_default().mkdtempSync(`${target}.tmp-`);
    try {
        for (const part of ['bin', 'lib', 'share']) {
            const source = external_node_path_default().join(root, part);
            if (external_node_fs_default().existsSync(source))
                external_node_fs_default().cpSync(source, external_node_path_default().join(staging, part), { recursive: true, verbatimSymlinks: true });
        }
        openToEveryone(staging);
        return staging;
    }
    catch (error) {
        external_node_fs_default().rmSync(staging, { recursive: true, force: true });
        throw error;
    }
}
/** Every copy's name starts with this (and so do its staging folders, `<copy>.tmp-…`, and those being removed, `<copy>.stale-…`). */
const COPY_PREFIX = 'aurora-migrate-postgresql-';
const digests = new Map();
/**
 * A digest of what a copy holds: bin, lib and share of the installation `root`, each entry by its path
 * inside it, its kind and its content (a symlink by its target). About 60 MB: read once per process.
 */
function installationDigest(root) {
    const known = digests.get(root);
    if (known)
        return known;
    const hash = (0,external_node_crypto_.createHash)('sha256');
    const walk = (relative) => {
        const full = external_node_path_default().join(root, relative);
        const stat = external_node_fs_default().lstatSync(full, { throwIfNoEntry: false });
        if (!stat)
            return;
        if (stat.isSymbolicLink())
            hash.update(`L\0${relative}\0${external_node_fs_default().readlinkSync(full)}\0`);
        else if (stat.isDirectory()) {
            hash.update(`D\0${relative}\0`);
            for (const name of external_node_fs_default().readdirSync(full).sort())
                walk(external_node_path_default().join(relative, name));
        }
        else if (stat.isFile()) {
            hash.update(`F\0${relative}\0${stat.size}\0${stat.mode & 0o100 ? 'x' : '-'}\0`);
            hash.update(external_node_fs_default().readFileSync(full));
        }
    };
    for (const part of ['bin', 'lib', 'share'])
        walk(part);
    const digest = hash.digest('hex');
    digests.set(root, digest);
    return digest;
}
/** Where the shared copy of an installation lives: one per PostgreSQL version and content, wherever the installation is. */
function sharedCopyDir(binDir, version, tmpDir = external_node_os_default().tmpdir()) {
    const root = external_node_path_default().dirname(external_node_fs_default().realpathSync(binDir));
    return external_node_path_default().join(tmpDir, `${COPY_PREFIX}${version}-${installationDigest(root).slice(0, 16)}`);
}
/** The folders every running process's program lives in (Linux: /proc/<pid>/exe); null when that cannot be known. */
function runningProgramDirs() {
    let pids;
    try {
        pids = external_node_fs_default().readdirSync('/proc').filter((name) => /^\d+$/.test(name));
    }
    catch {
        return null;
    }
    if (pids.length === 0)
        return null;
    const dirs = new Set();
    for (const pid of pids) {
        try {
            dirs.add(external_node_path_default().dirname(external_node_fs_default().readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '')));
        }
        catch {
            // Gone meanwhile, or a kernel thread.
        }
    }
    return dirs;
}
/** A copy unused for this long is stale (each use marks its time). */
const STALE_AFTER_MS = 24 * 60 * 60 * 1000;
/**
 * Removes the copies of PostgreSQL installations in `tmpDir` other than `keep` that are stale: owned by this
 * process's user (never a symlink nor another user's folder), unused for `staleAfterMs`, and running no process
 * (a server started from it keeps running from files already unlinked, but a copy is never taken from under
 * one). Each is renamed first and then removed, so a run that looks for it finds it whole or not at all.
 * Where the running processes cannot be listed (no /proc), nothing is removed. Returns the names removed.
 */
function removeStaleCopies(options) {
    const tmpDir = options.tmpDir ?? external_node_os_default().tmpdir();
    const cutoff = (options.now ?? Date.now()) - (options.staleAfterMs ?? STALE_AFTER_MS);
    const uid = process.getuid?.();
    const old = (name) => {
        const stat = external_node_fs_default().lstatSync(external_node_path_default().join(tmpDir, name), { throwIfNoEntry: false });
        return !!stat && stat.isDirectory() && stat.uid === uid && stat.mtimeMs < cutoff;
    };
    let candidates;
    try {
        candidates = external_node_fs_default().readdirSync(tmpDir).filter((name) => name.startsWith(COPY_PREFIX) && external_node_path_default().join(tmpDir, name) !== options.keep);
    }
    catch {
        return [];
    }
    candidates = candidates.filter(old);
    if (candidates.length === 0)
        return [];
    const running = runningProgramDirs();
    if (!running)
        return [];
    const inUse = (dir) => [...running].some((program) => program === dir || program.startsWith(`${dir}${(external_node_path_default()).sep}`));
    const removed = [];
    for (const name of candidates) {
        const dir = external_node_path_default().join(tmpDir, name);
        if (inUse(dir) || !old(name))
            continue;
        const doomed = name.includes('.stale-') ? dir : `${dir}.stale-${process.pid}-${Date.now().toString(36)}`;
        try {
            if (doomed !== dir)
                external_node_fs_default().renameSync(dir, doomed);
            external_node_fs_default().rmSync(doomed, { recursive: true, force: true });
            removed.push(name);
        }
        catch (error) {
            options.log?.(`Could not remove the unused PostgreSQL copy ${dir}: ${(0,errors/* errorMessage */.gJ)(error)}`);
        }
    }
    if (removed.length)
        options.log?.(`Removed unused copies of PostgreSQL from ${tmpDir}: ${removed.join(', ')}`);
    return removed;
}
/** Marks a copy as just used (its folder's time), so that removeStaleCopies leaves it. */
function markUsed(dir) {
    try {
        const now = new Date();
        external_node_fs_default().utimesSync(dir, now, now);
    }
    catch {
        // Best effort: an unmarked copy is at worst made again after a day.
    }
}
/**
 * `binDir` when `user` can run its programs; otherwise the bin folder of a copy of the installation that
 * it can run (made once, reused afterwards). Throws ShadowUnavailableError when not even a copy works.
 */
function binariesFor(user, binDir, version, log) {
    if (canRun(user, binDir)) {
        removeStaleCopies({ log });
        return binDir;
    }
    const shared = sharedCopyDir(binDir, version);
    if (isTrusted(shared))
        markUsed(shared);
    if (isTrusted(shared) && canRun(user, external_node_path_default().join(shared, 'bin'))) {
        log(`The '${user.name}' user cannot reach ${binDir}: using the copy of it in ${shared}`);
        removeStaleCopies({ keep: shared, log });
        return external_node_path_default().join(shared, 'bin');
    }
    let copy;
    try {
        copy = copyInstallation(external_node_path_default().dirname(external_node_fs_default().realpathSync(binDir)), shared);
    }
    catch (error) {
        throw new unavailable/* ShadowUnavailableError */.j(`The '${user.name}' user cannot reach ${binDir}, and copying the installation to ${external_node_os_default().tmpdir()} failed: ${(0,errors/* errorMessage */.gJ)(error)}`, {
            cause: error
        });
    }
    // Ours, but not usable (a temp cleaner emptied it): replace it. Someone else's: leave it, use the new copy.
    if (isTrusted(shared))
        external_node_fs_default().rmSync(shared, { recursive: true, force: true });
    try {
        external_node_fs_default().renameSync(copy, shared);
        copy = shared;
    }
    catch {
        // Another run put its copy in place first (or `shared` is not ours): use that one when it is trusted, else ours.
        if (isTrusted(shared) && canRun(user, external_node_path_default().join(shared, 'bin'))) {
            external_node_fs_default().rmSync(copy, { recursive: true, force: true });
            copy = shared;
        }
    }
    const copiedBin = external_node_path_default().join(copy, 'bin');
    if (!canRun(user, copiedBin)) {
        throw new unavailable/* ShadowUnavailableError */.j(`The '${user.name}' user cannot run PostgreSQL from ${binDir} nor from a copy in ${copy}: ` +
            'set TMPDIR to a folder every user can read (such as /tmp), or give the input shadow-database-url.');
    }
    log(`The '${user.name}' user cannot reach ${binDir}: copied the PostgreSQL installation to ${copy}`);
    markUsed(copy);
    removeStaleCopies({ keep: copy, log });
    return copiedBin;
}

// EXTERNAL MODULE: ./src/free-port.ts
var free_port = __webpack_require__(2073);
;// CONCATENATED MODULE: ./src/dialects/postgresql/shadow/server.ts
/**
 * A throwaway PostgreSQL server started from binaries already on the machine (found by binaries.ts), for
 * verifying migrations when no shadow-database-url is given.
 *
 * The server lives in a new temporary directory, listens on 127.0.0.1 on a free port with trust
 * authentication (or a password, when one is given), no durability (fsync off) and TimeZone UTC whatever
 * the machine's time zone, and is stopped and its directory removed by stop() — or killed when the
 * process exits without calling it. As root it runs as another user, from a copy of the binaries when
 * that user cannot reach them (see server-user.ts).
 */











function major(version) {
    return Number(/^\d+/.exec(version)?.[0] ?? 0);
}
/**
 * initdb's flags for the version found: --no-sync since 10 (--nosync before), --no-instructions since 14;
 * trust authentication, or with a password file SCRAM (md5 before 10) and the superuser's password from it.
 */
function initdbArgs(dataDir, version, passwordFile) {
    const auth = passwordFile ? ['-A', major(version) >= 10 ? 'scram-sha-256' : 'md5', `--pwfile=${passwordFile}`] : ['-A', 'trust'];
    const args = ['-D', dataDir, '-U', 'postgres', ...auth, '-E', 'UTF8', '--locale=C', major(version) >= 10 ? '--no-sync' : '--nosync'];
    if (major(version) >= 14)
        args.push('--no-instructions');
    return args;
}
/** The server's settings: local TCP only, no durability (the data is thrown away). */
function serverSettings(port, socketDir) {
    return [
        '-p',
        String(port),
        '-k',
        socketDir,
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'fsync=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'synchronous_commit=off'
    ];
}
/** Unix socket paths are limited to about 100 bytes (104 on macOS, 108 on Linux). */
function socketDirFor(dir, platform) {
    if (platform === 'win32')
        return '';
    return Buffer.byteLength(external_node_path_default().join(dir, '.s.PGSQL.65535')) < 100 ? dir : '';
}
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
async function waitUntilReady(url, exited, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    let last;
    for (;;) {
        const gone = exited();
        if (gone !== null)
            throw new Error(gone);
        const client = new esm["default"].Client({ connectionString: url, connectionTimeoutMillis: 2000 });
        client.on('error', () => { });
        try {
            await client.connect();
            await client.query('SELECT 1');
            return;
        }
        catch (error) {
            last = (0,errors/* errorMessage */.gJ)(error);
        }
        finally {
            await client.end().catch(() => { });
        }
        if (Date.now() > deadline)
            throw new Error(`it did not accept connections within ${Math.round(timeoutMs / 1000)} s (last attempt: ${last})`);
        await new Promise((resolve) => setTimeout(resolve, 100));
    }
}
function exitDescription(code, signal) {
    return signal ? `it was killed by ${signal}` : `it exited with code ${code}`;
}
/**
 * Starts a throwaway server from the first PostgreSQL binaries found (see candidateBinDirs).
 * Throws ShadowUnavailableError when there are none, or when initdb or the server fails.
 */
async function startLocalPostgres(options) {
    const env = options.env ?? process.env;
    const system = searchSystem(options.binSearch);
    const found = options.binDir
        ? await binariesIn(options.binDir, env, system)
        : await findPostgresBinaries(env, system, options.preferMajor);
    if (!found)
        throw new unavailable/* ShadowUnavailableError */.j(unavailableMessage(candidateBinDirs(env, system)));
    const { version } = found;
    const user = serverUser();
    const binDir = user ? binariesFor(user, found.binDir, version, options.log) : found.binDir;
    const platform = process.platform;
    const dir = external_node_fs_default().mkdtempSync(external_node_path_default().join(external_node_os_default().tmpdir(), 'aurora-migrate-shadow-'));
    const removeDir = () => {
        try {
            external_node_fs_default().rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
        }
        catch {
            // Best effort: a leftover directory in the temp dir is harmless.
        }
    };
    const dataDir = external_node_path_default().join(dir, 'data');
    const passwordFile = options.password === undefined ? undefined : external_node_path_default().join(dir, 'password');
    // The children run with the caller's environment, less PGDATA-style settings that could point them elsewhere.
    // TZ: initdb writes the time zone it finds into the server's configuration; UTC, never the runner's own
    // (ALTER COLUMN … TYPE timestamptz rewrites the table unless it is UTC). Verification sets the target's.
    const childEnv = { ...env, LC_ALL: 'C', TZ: 'UTC' };
    for (const name of ['PGDATA', 'PGPORT', 'PGHOST', 'PGOPTIONS'])
        delete childEnv[name];
    const as = { cwd: dir, env: childEnv, ...(user ? { uid: user.uid, gid: user.gid } : {}) };
    try {
        if (passwordFile)
            external_node_fs_default().writeFileSync(passwordFile, `${options.password}\n`, { mode: 0o600 });
        if (user) {
            external_node_fs_default().chownSync(dir, user.uid, user.gid);
            if (passwordFile)
                external_node_fs_default().chownSync(passwordFile, user.uid, user.gid);
            options.log(`Running the verification server as the '${user.name}' user (PostgreSQL refuses to run as root)`);
        }
        const initdb = await (0,shadow_process/* run */.e)(external_node_path_default().join(binDir, exe('initdb', platform)), initdbArgs(dataDir, version, passwordFile), {
            ...as,
            timeoutMs: 120_000
        });
        if (initdb.code !== 0) {
            throw new unavailable/* ShadowUnavailableError */.j(`initdb of PostgreSQL ${version} in ${binDir} failed (${exitDescription(initdb.code, initdb.signal)}): ${initdb.output}`);
        }
    }
    catch (error) {
        removeDir();
        if (error instanceof unavailable/* ShadowUnavailableError */.j)
            throw error;
        throw new unavailable/* ShadowUnavailableError */.j(`Could not run initdb of PostgreSQL ${version} in ${binDir}: ${(0,errors/* errorMessage */.gJ)(error)}`, { cause: error });
    }
    finally {
        if (passwordFile)
            external_node_fs_default().rmSync(passwordFile, { force: true });
    }
    const credentials = options.password === undefined ? 'postgres' : `postgres:${encodeURIComponent(options.password)}`;
    const socketDir = socketDirFor(dir, platform);
    let lastError = '';
    // A free port can be taken between choosing it and binding it: try again with another.
    for (let attempt = 1; attempt <= 3; attempt++) {
        const port = await (0,free_port/* freePort */.o)();
        const url = `postgres://${credentials}@127.0.0.1:${port}/postgres?sslmode=disable`;
        const server = platform === 'win32' ? startWithPgCtl(binDir, dataDir, port, as) : startDirectly(binDir, dataDir, port, socketDir, as);
        try {
            await waitUntilReady(url, server.exited, options.startTimeoutMs ?? START_TIMEOUT_MS);
        }
        catch (error) {
            await server.stop();
            lastError = `${(0,errors/* errorMessage */.gJ)(error)}${server.output() ? `\n${server.output()}` : ''}`;
            if (/already in use|could not bind|could not create any TCP\/IP sockets/i.test(server.output()) && attempt < 3)
                continue;
            removeDir();
            throw new unavailable/* ShadowUnavailableError */.j(`PostgreSQL ${version} from ${binDir} did not start: ${lastError}`, { cause: error });
        }
        options.log(`Started PostgreSQL ${version} from ${binDir} on 127.0.0.1:${port}`);
        const onExit = () => {
            server.kill();
            removeDir();
        };
        process.once('exit', onExit);
        let stopping;
        return {
            url,
            version,
            binDir,
            dir,
            pid: server.pid,
            stop() {
                stopping ??= (async () => {
                    process.removeListener('exit', onExit);
                    await server.stop();
                    removeDir();
                })();
                return stopping;
            }
        };
    }
    removeDir();
    throw new unavailable/* ShadowUnavailableError */.j(`PostgreSQL ${version} from ${binDir} did not start: ${lastError}`);
}
/** `postgres -D …` as a child of this process: SIGINT is a fast shutdown. */
function startDirectly(binDir, dataDir, port, socketDir, as) {
    const output = new shadow_process/* OutputTail */.g();
    const child = (0,external_node_child_process_.spawn)(external_node_path_default().join(binDir, 'postgres'), ['-D', dataDir, ...serverSettings(port, socketDir)], {
        ...as,
        stdio: ['ignore', 'pipe', 'pipe']
    });
    let gone = null;
    let spawnError = null;
    const exit = new Promise((resolve) => {
        child.on('error', (error) => {
            spawnError = error;
            gone = `it could not be started: ${error.message}`;
            resolve();
        });
        child.on('exit', (code, signal) => {
            gone = exitDescription(code, signal);
            resolve();
        });
    });
    child.stdout?.on('data', (chunk) => output.add(chunk));
    child.stderr?.on('data', (chunk) => output.add(chunk));
    // A forgotten server must not keep this process alive; the exit hook kills it.
    child.unref();
    for (const stream of [child.stdout, child.stderr])
        stream?.unref?.();
    const running = () => gone === null && spawnError === null;
    return {
        pid: child.pid,
        exited: () => gone,
        output: () => output.text(),
        async stop() {
            if (!running())
                return;
            child.kill('SIGINT');
            let timer;
            const timedOut = await Promise.race([
                exit.then(() => false),
                new Promise((resolve) => {
                    timer = setTimeout(() => resolve(true), STOP_TIMEOUT_MS);
                })
            ]);
            clearTimeout(timer);
            if (timedOut && running()) {
                child.kill('SIGKILL');
                await exit;
            }
        },
        kill() {
            if (running())
                child.kill('SIGKILL');
        }
    };
}
/**
 * Windows: postgres.exe refuses to run under an account with administrative rights (the runner's),
 * and pg_ctl is what starts it with a restricted token. The server is then not our child process.
 */
function startWithPgCtl(binDir, dataDir, port, as) {
    const pgCtl = external_node_path_default().join(binDir, 'pg_ctl.exe');
    const logFile = external_node_path_default().join(external_node_path_default().dirname(dataDir), 'server.log');
    const settings = serverSettings(port, '""').join(' ');
    const started = (0,shadow_process/* run */.e)(pgCtl, ['start', '-D', dataDir, '-l', logFile, '-w', '-t', String(START_TIMEOUT_MS / 1000), '-o', settings], {
        ...as,
        timeoutMs: START_TIMEOUT_MS + 10_000
    });
    let gone = null;
    let ctlOutput = '';
    started
        .then((result) => {
        ctlOutput = result.output;
        if (result.code !== 0)
            gone = `pg_ctl start ${exitDescription(result.code, result.signal)}`;
    })
        .catch((error) => {
        gone = `pg_ctl could not be run: ${(0,errors/* errorMessage */.gJ)(error)}`;
    });
    const readLog = () => {
        try {
            return external_node_fs_default().readFileSync(logFile, 'utf8').slice(-8192).trim();
        }
        catch {
            return '';
        }
    };
    const stopArgs = (mode) => ['stop', '-D', dataDir, '-m', mode, '-w', '-t', String(STOP_TIMEOUT_MS / 1000)];
    return {
        pid: undefined,
        exited: () => gone,
        output: () => [ctlOutput, readLog()].filter(Boolean).join('\n'),
        async stop() {
            await started.catch(() => { });
            const fast = await (0,shadow_process/* run */.e)(pgCtl, stopArgs('fast'), { ...as, timeoutMs: STOP_TIMEOUT_MS + 5000 }).catch(() => null);
            if (!fast || fast.code !== 0)
                await (0,shadow_process/* run */.e)(pgCtl, stopArgs('immediate'), { ...as, timeoutMs: STOP_TIMEOUT_MS + 5000 }).catch(() => null);
        },
        kill() {
            try {
                (0,external_node_child_process_.execFileSync)(pgCtl, stopArgs('immediate'), { ...as, stdio: 'ignore', timeout: STOP_TIMEOUT_MS });
            }
            catch {
                // Nothing more can be done while exiting.
            }
        }
    };
}

// EXTERNAL MODULE: ./src/dialects/postgresql/wire.ts + 1 modules
var wire = __webpack_require__(8615);
// EXTERNAL MODULE: ./src/printable.ts
var printable = __webpack_require__(5260);
// EXTERNAL MODULE: ./src/dialects/postgresql/review/settings.ts
var settings = __webpack_require__(3178);
;// CONCATENATED MODULE: ./src/dialects/postgresql/shadow/target-settings.ts
/**
 * The target's settings that change what a statement does, and a throwaway database made to match them.
 *
 * What a migration does can depend on its session and database, not only on its SQL: `ALTER COLUMN … TYPE
 * timestamptz` rewrites the table unless TimeZone is UTC, a date literal reads by DateStyle, a CHECK or an
 * index on text sorts by the database's collation, an unqualified name resolves by search_path, and a major
 * version adds or refuses syntax. The target's values are read with the review's one catalog call
 * (../review/settings.ts: TARGET_SETTINGS_SQL, in the catalog call), and verification runs in a database created with them:
 * the encoding and locale at CREATE DATABASE, every session setting by `ALTER DATABASE … SET … FROM CURRENT`
 * after PostgreSQL itself took the value through set_config's parameters, so no value read from the target
 * is ever written into SQL text except a locale or encoding name that passed a strict pattern, quoted.
 * What the throwaway server cannot match (another major version, a locale its machine lacks, a setting
 * only a superuser may change) is read back and reported, never silently different.
 */




/** The longest value copied: every real value is far shorter. */
const MAX_VALUE = 1024;
/** Why a value read from the target is not copied, or null when it may be. */
function refused(value) {
    if (value.length > MAX_VALUE)
        return `the target's value is over ${MAX_VALUE} characters`;
    if (/[\u0000-\u001f\u007f]/.test(value))
        return "the target's value holds control characters";
    return null;
}
/** Locale and encoding names as PostgreSQL and the C library spell them (en_US.UTF-8, de_DE@euro, und-u-ks-level2, English_United States.1252). */
const LOCALE_NAME = /^[A-Za-z0-9_.@+=;\- ]{1,128}$/;
const ENCODING_NAME = /^[A-Za-z0-9_]{1,32}$/;
/** A string literal that reads the same whatever standard_conforming_strings is. */
function quoteLiteral(value) {
    const doubled = value.replace(/'/g, "''");
    return value.includes('\\') ? `E'${doubled.replace(/\\/g, '\\\\')}'` : `'${doubled}'`;
}
/** The major version of a server_version_num (150004 → 15, 90624 → 9.6). */
function majorOf(versionNum) {
    if (!/^\d{5,6}$/.test(versionNum))
        return null;
    const n = Number(versionNum);
    return n >= 100_000 ? String(Math.floor(n / 10_000)) : `${Math.floor(n / 10_000)}.${Math.floor(n / 100) % 100}`;
}
/** `150004` → `15.4`, `90624` → `9.6.24`, for messages. */
function describeVersionNum(versionNum) {
    const n = Number(versionNum);
    if (!/^\d{5,6}$/.test(versionNum))
        return versionNum;
    return n >= 100_000 ? `${Math.floor(n / 10_000)}.${n % 10_000}` : `${Math.floor(n / 10_000)}.${Math.floor(n / 100) % 100}.${n % 100}`;
}
/** The CREATE DATABASE options for the target's encoding and locale, or why one cannot be copied (by name). */
function databaseOptions(target) {
    const options = [];
    const refusedBy = new Map();
    const literal = (name, pattern) => {
        const value = target[name];
        if (value === undefined)
            return null;
        const why = refused(value) ?? (pattern.test(value) ? null : "the target's value is not a name aurora-migrate copies");
        if (why) {
            refusedBy.set(name, why);
            return null;
        }
        return quoteLiteral(value);
    };
    const encoding = literal('server_encoding', ENCODING_NAME);
    if (encoding)
        options.push(`ENCODING ${encoding}`);
    const collate = literal('lc_collate', LOCALE_NAME);
    if (collate)
        options.push(`LC_COLLATE ${collate}`);
    const ctype = literal('lc_ctype', LOCALE_NAME);
    if (ctype)
        options.push(`LC_CTYPE ${ctype}`);
    const provider = target.locale_provider;
    if (provider !== undefined && provider !== 'libc') {
        if (provider !== 'icu' && provider !== 'builtin')
            refusedBy.set('locale_provider', `the target's locale provider is not one aurora-migrate knows`);
        else {
            // Both need their locale: ICU_LOCALE (PostgreSQL 15+), BUILTIN_LOCALE (17+).
            const locale = literal('locale', LOCALE_NAME);
            if (locale) {
                options.push(`LOCALE_PROVIDER ${provider}`, `${provider === 'icu' ? 'ICU_LOCALE' : 'BUILTIN_LOCALE'} ${locale}`);
                const rules = target.icu_rules === undefined ? null : refused(target.icu_rules);
                if (rules)
                    refusedBy.set('icu_rules', rules);
                else if (target.icu_rules !== undefined && provider === 'icu')
                    options.push(`ICU_RULES ${quoteLiteral(target.icu_rules)}`);
            }
            else if (target.locale === undefined)
                refusedBy.set('locale_provider', `the target names no ${provider} locale`);
        }
    }
    return { options, refusedBy };
}
/**
 * Creates the database `name` on the server `admin` is connected to, with the target's encoding and locale
 * when the server has them; otherwise with fewer of them (down to the server's defaults, as before) and the
 * reason kept by name for the report. Without target settings: a plain CREATE DATABASE.
 */
async function createDatabaseLike(admin, name, target) {
    const reasons = new Map();
    const create = `CREATE DATABASE ${(0,meta/* quoteIdentifier */.Cm)(name)}`;
    if (!target) {
        await admin.query(create);
        return reasons;
    }
    const { options, refusedBy } = databaseOptions(target);
    for (const [setting, why] of refusedBy)
        reasons.set(setting, why);
    const encoding = options.filter((option) => option.startsWith('ENCODING '));
    // The target's whole locale; then only its encoding; then the server's defaults. template0: the only template whose locale may differ.
    const attempts = [];
    if (options.length > 0)
        attempts.push(options);
    if (encoding.length > 0 && encoding.length < options.length)
        attempts.push(encoding);
    for (const attempt of attempts) {
        try {
            await admin.query(`${create} TEMPLATE template0 ${attempt.join(' ')}`);
            return reasons;
        }
        catch (error) {
            const why = `the throwaway server cannot create a database with it: ${(0,errors/* errorMessage */.gJ)(error)}`;
            for (const setting of settings/* DATABASE_SETTINGS */.OW)
                if (target[setting] !== undefined && !reasons.has(setting))
                    reasons.set(setting, why);
        }
    }
    await admin.query(create);
    return reasons;
}
/**
 * Sets each of the target's session settings on the database `name` (ALTER DATABASE … SET … FROM CURRENT,
 * after set_config took the value as a parameter), one transaction each so that one refused value (a
 * locale this machine lacks, lc_messages for a user who is not a superuser) does not stop the others.
 * Returns why, by name, for each one that could not be set.
 */
async function setDatabaseSettings(admin, name, target) {
    const reasons = new Map();
    if (!target)
        return reasons;
    for (const setting of settings/* SESSION_SETTINGS */.lg) {
        const value = target[setting];
        if (value === undefined)
            continue;
        const why = refused(value);
        if (why) {
            reasons.set(setting, why);
            continue;
        }
        const result = await admin.transaction([
            { sql: 'SELECT set_config(:name, :value, true) AS value', params: { name: setting, value } },
            { sql: `ALTER DATABASE ${(0,meta/* quoteIdentifier */.Cm)(name)} SET ${(0,meta/* quoteIdentifier */.Cm)(setting)} FROM CURRENT` }
        ]);
        if (!result.ok)
            reasons.set(setting, result.error.message);
    }
    return reasons;
}
/** The same settings, as the throwaway database shows them to a new session there. */
async function readSettings(target) {
    const { rows } = await target.query(`SELECT ${settings/* TARGET_SETTINGS_SQL */.RB} AS settings`);
    return (0,settings/* parseTargetSettings */.ae)(rows[0]?.settings);
}
/** What the throwaway database matched of the target's settings, by reading it back; `reasons` say why a setting could not be set. */
function compareSettings(target, shadow, reasons) {
    const matched = [];
    const unmatched = [];
    for (const name of settings/* TARGET_SETTING_NAMES */.Q3) {
        const wanted = target[name];
        if (wanted === undefined)
            continue;
        const shown = (0,printable/* printable */.g$)(wanted.length > 200 ? `${wanted.slice(0, 200)}…` : wanted);
        const have = shadow[name];
        if (name === 'server_version_num') {
            const same = have !== undefined && majorOf(have) !== null && majorOf(have) === majorOf(wanted);
            if (same)
                matched.push(name);
            else
                unmatched.push({
                    name,
                    target: shown,
                    reason: `the target runs PostgreSQL ${describeVersionNum(wanted)}, the throwaway server ${have === undefined ? 'another version' : describeVersionNum(have)}`
                });
            continue;
        }
        // libc is what a database without a provider column (before PostgreSQL 15) uses.
        const effective = have ?? (name === 'locale_provider' ? 'libc' : undefined);
        if (effective === wanted) {
            matched.push(name);
            continue;
        }
        const reason = reasons.get(name) ??
            (effective === undefined ? 'the throwaway server has no such setting' : `the throwaway database has ${(0,printable/* printable */.g$)(effective)}`);
        unmatched.push({ name, target: shown, reason: (0,printable/* printable */.g$)(reason) });
    }
    return { matched, unmatched };
}
/** One log line of the match. */
function describeMatch(match) {
    const matched = match.matched.length ? `matches the target's ${match.matched.join(', ')}` : "matches none of the target's settings";
    if (!match.unmatched.length)
        return `The throwaway database ${matched}`;
    const unmatched = match.unmatched.map((setting) => `${setting.name} '${setting.target}' (${setting.reason})`).join('; ');
    return `The throwaway database ${matched}; it could not match ${unmatched}`;
}

;// CONCATENATED MODULE: ./src/dialects/postgresql/shadow/databases.ts
/**
 * The throwaway PostgreSQL verification runs on: a scratch database on the server at shadow-database-url
 * (created, then dropped with every role, database and tablespace the migrations created, so the server is left
 * as it was found; see cluster-state.ts), or a local server started from PostgreSQL binaries on the machine
 * (server.ts). Given the target's settings, the database is made like the target's (target-settings.ts).
 */









const SCRATCH_PREFIX = 'aurora_migrate_verify_';
/** The database verification runs in on a local server, when it is made like the target's. */
const LOCAL_DATABASE = 'aurora_migrate_verify';
/**
 * Creates `name` like the target's database (when its settings are known) and sets its session settings;
 * returns why a setting could not be matched, by name. `created` is called once the database exists.
 */
async function createLikeTarget(admin, name, settings, created = () => { }) {
    const reasons = await createDatabaseLike(admin, name, settings);
    created();
    for (const [setting, reason] of await setDatabaseSettings(admin, name, settings))
        reasons.set(setting, reason);
    return reasons;
}
async function createScratchDatabase(url, settings, log) {
    const masked = (0,mask/* maskUrl */.yP)(url);
    const server = `shadow-database-url ${masked}`;
    let scratchUrl;
    try {
        scratchUrl = new URL(url);
        if (!/^postgres(ql)?:$/.test(scratchUrl.protocol))
            throw new Error(`unsupported scheme ${scratchUrl.protocol}`);
    }
    catch (error) {
        throw new unavailable/* ShadowUnavailableError */.j(`shadow-database-url ${masked} is not a postgres:// URL (${(0,errors/* errorMessage */.gJ)(error)})`);
    }
    const name = `${SCRATCH_PREFIX}${(0,external_node_crypto_.randomBytes)(6).toString('hex')}`;
    scratchUrl.pathname = `/${name}`;
    const admin = new target.PostgresTarget(url, { wire: wire/* wire */.O, log });
    let before;
    let settingReasons;
    let created = false;
    try {
        if (!(await takeVerificationTurn(admin, masked, log))) {
            throw new unavailable/* ShadowUnavailableError */.j(`Another verification has been running on shadow-database-url ${masked} for ${VERIFICATION_WAIT_MS / 60_000} minutes; run plan again when it has finished.`);
        }
        // What the server holds before: afterwards every role, database and tablespace not in it is the migrations' and is dropped.
        before = await clusterState(admin);
        settingReasons = await createLikeTarget(admin, name, settings, () => (created = true));
    }
    catch (error) {
        // Created, then setting it failed (the connection broke): the database must not stay behind.
        if (created)
            await dropDatabase(admin, name).catch(() => { });
        await admin.close();
        if (error instanceof unavailable/* ShadowUnavailableError */.j)
            throw error;
        if (error instanceof errors/* DatabaseError */.a$ && error.info.sqlState === '42501') {
            throw new unavailable/* ShadowUnavailableError */.j(`The user of shadow-database-url ${masked} may not create databases (it needs CREATEDB, or use a superuser such as the postgres user of a services: postgres container): ${error.message}`);
        }
        throw new unavailable/* ShadowUnavailableError */.j(`Could not create a scratch database on shadow-database-url ${masked}: ${(0,errors/* errorMessage */.gJ)(error)}`, {
            cause: error
        });
    }
    log(`Created the scratch database ${name} on ${masked}`);
    return {
        server,
        url: scratchUrl.toString(),
        settingReasons,
        async cleanUp() {
            try {
                try {
                    await dropDatabase(admin, name);
                    log(`Dropped the scratch database ${name}`);
                }
                catch (error) {
                    log(`Could not drop the scratch database ${name} on ${masked} (drop it by hand): ${(0,errors/* errorMessage */.gJ)(error)}`);
                }
                await restoreServer(admin, before, masked, log);
            }
            finally {
                await admin.close();
            }
        }
    };
}
/** Drops the roles, databases and tablespaces the migrations created on the shadow server, and says what it could not undo. */
async function restoreServer(admin, before, masked, log) {
    let changes;
    try {
        changes = await restoreClusterState(admin, before, log);
    }
    catch (error) {
        log(`Could not check what the migrations left on ${masked} (roles, databases, tablespaces): ${(0,errors/* errorMessage */.gJ)(error)}`);
        return;
    }
    if (changes.dropped.length > 0)
        log(`Dropped what the migrations created on ${masked}: ${changes.dropped.join(', ')}`);
    if (changes.left.length > 0)
        log(`Still on ${masked} after verification, created while it ran: ${changes.left.join(', ')}; the next verification may fail until they are dropped`);
    const altered = [...changes.changed.map((object) => `${object} (changed)`), ...changes.removed.map((object) => `${object} (dropped)`)];
    if (altered.length > 0)
        log(`The migrations altered what existed on ${masked} before verification, which is not undone: ${altered.join(', ')}`);
}
async function localShadow(options) {
    const start = options.startLocal ?? startLocalPostgres;
    const local = await start({
        log: options.log,
        env: options.env,
        binSearch: options.binSearch,
        // Of several PostgreSQL versions on the machine, the target's.
        preferMajor: options.targetSettings?.server_version_num ? majorOf(options.targetSettings.server_version_num) : null
    });
    const stop = () => local.stop().catch((error) => options.log(`Stopping the local PostgreSQL failed: ${(0,errors/* errorMessage */.gJ)(error)}`));
    const shadow = { server: `local PostgreSQL ${local.version}`, url: local.url, settingReasons: new Map(), cleanUp: stop };
    if (!options.targetSettings)
        return shadow;
    // A database of its own, made like the target's: the locale is fixed when a database is created.
    const admin = new target.PostgresTarget(local.url, { wire: wire/* wire */.O, log: options.log });
    try {
        shadow.settingReasons = await createLikeTarget(admin, LOCAL_DATABASE, options.targetSettings);
    }
    catch (error) {
        await stop();
        throw new unavailable/* ShadowUnavailableError */.j(`Could not create the verification database on ${shadow.server}: ${(0,errors/* errorMessage */.gJ)(error)}`, {
            cause: error
        });
    }
    finally {
        await admin.close();
    }
    const url = new URL(local.url);
    url.pathname = `/${LOCAL_DATABASE}`;
    shadow.url = url.toString();
    return shadow;
}
/** What the throwaway database matched of the target's settings, read back from a new session there; logged. */
async function matchSettings(target, shadow, settings, log) {
    let shown;
    try {
        shown = await readSettings(target);
    }
    catch (error) {
        log(`Could not read the settings of the throwaway database back: ${(0,errors/* errorMessage */.gJ)(error)}`);
        shown = {};
    }
    const match = compareSettings(settings, shown, shadow.settingReasons);
    log(describeMatch(match));
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
