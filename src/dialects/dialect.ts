/**
 * A dialect says what the SQL is; a transport (targets/) says how it reaches the database. The two are
 * independent: any dialect runs over any transport.
 *
 * The cores (migrations/, engine/, review/, shadow/, targets/) never import this folder and never branch
 * on a dialect's name. Each core declares the part it needs as an interface of its own (a port), and a
 * dialect is those parts put together. The front ends pick the dialect (`dialectOf` in commands/) and hand
 * each core its part.
 *
 * How to implement a dialect (src/dialects/postgresql/ is the worked example):
 *
 *  1. Add its name to `DialectName` and make a folder src/dialects/<name>/ whose index.ts puts its parts
 *     together as one `Dialect`; register it in src/dialects/index.ts. Nothing outside src/dialects/ and
 *     commands/dialect.ts may name it (__tests__/unit/dialect-boundary.test.ts fails otherwise).
 *  2. syntax (`SqlSyntax`): one lexer for the dialect's quoting and comments, from which the splitter
 *     (statements with file, line and column), transaction control and the statements that cannot run in
 *     a transaction are built. Prove the splitter against the server's own client or parser, as
 *     split.test.ts and transaction-control.test.ts do for PostgreSQL.
 *  3. engine (`EngineDialect`): the meta, lock and progress tables and their statements, the lease and its
 *     fence, a version's session settings, `classify` for the errors the engine branches on, the recovery of
 *     statements whose reply was lost, and `transactionalDdl` — false makes every version run in recorded
 *     steps instead of one fenced transaction. Proven by the engine cases (testkit/contract/engine-cases.ts),
 *     lease, meta-history, long-history, no-transaction, faults and operations.
 *  4. wire (`WireDialect`): what the transports need — positional parameters, packing a transaction into one
 *     call (or `packable` false), the direct connection's session statements, the probe for a statement that
 *     outlived its call. A transport for its URLs goes in src/targets/ beside postgres/. Proven by the Target
 *     contract (testkit/contract/target-contract.ts) and packed.test.ts.
 *  5. review (`ReviewDialect`): a parser, the relations a statement names, the rules (one file per rule with
 *     its id, check and fix; ids documented in docs/rules.md) and one read of the target's catalog. Proven by
 *     the review suites (review-*.test.ts) and docs.test.ts.
 *  6. shadow (`ShadowDialect`): a throwaway server (a scratch database on a given server, or one started from
 *     local binaries), connections to it, the target's settings matched there, and a tracer of the pending
 *     statements. Proven by shadow*.test.ts, review-trace.test.ts and schema-change.test.ts.
 *  7. Add the dialect to the contract registry (testkit/contract/registry.ts), so that the Target contract
 *     and the engine cases run for it over every transport, and give the test suite a server of it that it
 *     starts itself.
 */
import type { EngineDialect } from '../engine/dialect.js'
import type { SqlSyntax } from '../migrations/syntax.js'
import type { DriftDialect } from '../drift/dialect.js'
import type { ReviewDialect } from '../review/dialect.js'
import type { ShadowDialect } from '../shadow/dialect.js'
import type { SqlScriptDialect } from '../sql-script/dialect.js'
import type { WireDialect } from '../targets/wire.js'

/** The dialects this project speaks. */
export type DialectName = 'postgresql' | 'mysql'

export interface Dialect {
  readonly name: DialectName
  /** How reports name the engine: "PostgreSQL". */
  readonly displayName: string
  /** Whether the server's `SELECT VERSION()` text is this engine's (how `engine: auto` tells them apart). */
  recognizesVersion(version: string): boolean
  /** How reports name the server from that text: "PostgreSQL 16.4", "Aurora MySQL 3.07.1 (MySQL 8.0.36)", "MariaDB 10.11.19". */
  serverLabel(version: string): string

  /** Splitting files into statements, and which statements a file may not hold. */
  readonly syntax: SyntaxPart

  /**
   * The meta, lock and progress tables, the lease and fence, session settings, error classes, and the
   * recovery of statements run outside a transaction (src/engine/dialect.ts says what each member must
   * do). Proven by the engine cases (testkit/contract/engine-cases.ts, describeEngine) over every
   * transport, and by lease, meta-history, long-history, no-transaction, faults and operations.
   */
  readonly engine: EnginePart

  /**
   * What a transport needs of the dialect (the port src/targets/wire.ts): positional parameters, packing a
   * transaction into one call and decoding its errors, the direct connection's session statements, the
   * probe for a statement that outlived its call. Proven by the Target contract suite over every
   * transport (targets.contract.test.ts) and by packed.test.ts.
   */
  readonly wire: WirePart

  /** Parsing, the target's catalog, the lock trace and the rules. */
  readonly review: ReviewPart

  /** The throwaway server that verification runs a plan on. */
  readonly shadow: ShadowPart

  /**
   * The catalog as drift compares it, read in one call, and the SQL of each change (src/drift/dialect.ts). Absent:
   * `drift` says the dialect has none yet. Proved by drift*.test.ts.
   */
  readonly drift?: DriftDialect

  /** The psql script of what apply sends (`plan --sql`; src/sql-script/dialect.ts). Absent: plan says the dialect has none yet. */
  readonly sqlScript?: SqlScriptDialect
}

/** The migrations core's port (migrations/syntax.ts): splitting, transaction control, what cannot run in a transaction. */
export type SyntaxPart = SqlSyntax

/** The engine's port (src/engine/dialect.ts): meta/lease/progress SQL, session settings, error classes, recovery. */
export type EnginePart = EngineDialect

export type WirePart = WireDialect

/**
 * The review's port (review/dialect.ts). A dialect provides: `loadParser` (a statement's node, or the syntax error
 * and its offset), the relations a node creates and names and the index columns it creates (for the one catalog
 * read and the "created earlier" set), `rules` (its registry: one file per rule with its id, check and fix; the
 * ids are those of docs/rules.md), and `readCatalog` (one catalog call for the relations, and the target's settings
 * when asked). The review core adds the waiver rule, runs every rule with the waivers and fail-on, and reports
 * syntax errors. Proved by the rule suites (review-*.test.ts: cases, severities, locks, changes, catalog).
 */
export type ReviewPart = ReviewDialect

/**
 * Verification's port (shadow/dialect.ts). A dialect provides: `connect` (a Target on the throwaway server),
 * `scratchDatabase` (a database on the shadow-database-url's server, made like the target's, dropped with what the
 * migrations created), `localServer` (a server started from binaries on the machine), `matchSettings` (the target's
 * settings read back on the throwaway database) and `tracer` (a Target that records what each pending statement
 * locked, rewrote, scanned and added, and the schema change). The core applies the plan through them and reports
 * per version. Proved by shadow*.test.ts, review-trace.test.ts and schema-change.test.ts.
 */
export type ShadowPart = ShadowDialect
