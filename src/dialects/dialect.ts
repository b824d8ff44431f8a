/**
 * A dialect says what the SQL is; a transport (targets/) says how it reaches the database. The two are
 * independent: any dialect runs over any transport.
 *
 * The cores (migrations/, engine/, review/, shadow/, targets/) never import this folder and never branch
 * on a dialect's name. Each core declares the part it needs as an interface of its own (a port), and a
 * dialect is those parts put together. The front ends pick the dialect (`dialectFor`) and hand each core
 * its part.
 */
import type { EngineDialect } from '../engine/dialect.js'
import type { SqlSyntax } from '../migrations/syntax.js'
import type { ReviewDialect } from '../review/dialect.js'
import type { ShadowDialect } from '../shadow/dialect.js'

import type { WireDialect } from '../targets/wire.js'

/** The dialects this project speaks. */
export type DialectName = 'postgresql'

export interface Dialect {
  readonly name: DialectName
  /** How reports name the engine: "PostgreSQL". */
  readonly displayName: string

  // ── Section: syntax ──────────────────────────────────────────────────────────────────────────────
  /** Splitting files into statements, and which statements a file may not hold. */
  readonly syntax: SyntaxPart

  // ── Section: engine ──────────────────────────────────────────────────────────────────────────────
  /**
   * The meta, lock and progress tables, the lease and fence, session settings, error classes, and the
   * recovery of statements run outside a transaction (src/engine/dialect.ts says what each member must
   * do). Proven by the engine cases (__tests__/support/engine-cases.ts, describeEngine) over every
   * transport, and by lease, meta-history, long-history, no-transaction, faults and operations.
   */
  readonly engine: EnginePart

  // ── Section: wire ────────────────────────────────────────────────────────────────────────────────
  /**
   * What a transport needs of the dialect (the port src/targets/wire.ts): positional parameters, packing a
   * transaction into one call and decoding its errors, the direct connection's session statements, the
   * probe for a statement that outlived its call. Proven by the Target contract suite over every
   * transport (targets.contract.test.ts) and by packed.test.ts.
   */
  readonly wire: WirePart

  // ── Section: review ──────────────────────────────────────────────────────────────────────────────
  /** Parsing, the target's catalog, the lock trace and the rules. */
  readonly review: ReviewPart

  // ── Section: shadow ──────────────────────────────────────────────────────────────────────────────
  /** The throwaway server that verification runs a plan on. */
  readonly shadow: ShadowPart
}

// ── Section: syntax types ────────────────────────────────────────────────────────────────────────────
/** The migrations core's port (migrations/syntax.ts): splitting, transaction control, what cannot run in a transaction. */
export type SyntaxPart = SqlSyntax

// ── Section: engine types ────────────────────────────────────────────────────────────────────────────
/** The engine's port (src/engine/dialect.ts): meta/lease/progress SQL, session settings, error classes, recovery. */
export type EnginePart = EngineDialect

// ── Section: wire types ──────────────────────────────────────────────────────────────────────────────
export type WirePart = WireDialect

// ── Section: review types ────────────────────────────────────────────────────────────────────────────
/**
 * The review's port (review/dialect.ts). A dialect provides: `loadParser` (a statement's node, or the syntax error
 * and its offset), the relations a node creates and names and the index columns it creates (for the one catalog
 * read and the "created earlier" set), `rules` (its registry: one file per rule with its id, check and fix; the
 * ids are those of docs/rules.md), and `readCatalog` (one catalog call for the relations, and the target's settings
 * when asked). The review core adds the waiver rule, runs every rule with the waivers and fail-on, and reports
 * syntax errors. Proved by the rule suites (__tests__/review-*.test.ts: cases, severities, locks, changes, catalog).
 */
export type ReviewPart = ReviewDialect

// ── Section: shadow types ────────────────────────────────────────────────────────────────────────────
/**
 * Verification's port (shadow/dialect.ts). A dialect provides: `connect` (a Target on the throwaway server),
 * `scratchDatabase` (a database on the shadow-database-url's server, made like the target's, dropped with what the
 * migrations created), `localServer` (a server started from binaries on the machine), `matchSettings` (the target's
 * settings read back on the throwaway database) and `tracer` (a Target that records what each pending statement
 * locked, rewrote, scanned and added, and the schema change). The core applies the plan through them and reports
 * per version. Proved by __tests__/shadow*.test.ts, review-trace.test.ts and schema-change.test.ts.
 */
export type ShadowPart = ShadowDialect
