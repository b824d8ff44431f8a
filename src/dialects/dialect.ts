/**
 * A dialect says what the SQL is; a transport (targets/) says how it reaches the database. The two are
 * independent: any dialect runs over any transport.
 *
 * The cores (migrations/, engine/, review/, shadow/, targets/) never import this folder and never branch
 * on a dialect's name. Each core declares the part it needs as an interface of its own (a port), and a
 * dialect is those parts put together. The front ends pick the dialect (`dialectFor`) and hand each core
 * its part.
 */

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
  /** The meta, lock and progress tables, the lease and fence, session settings, error classes. */
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
export type SyntaxPart = Record<string, unknown>

// ── Section: engine types ────────────────────────────────────────────────────────────────────────────
export type EnginePart = Record<string, unknown>

// ── Section: wire types ──────────────────────────────────────────────────────────────────────────────
export type WirePart = WireDialect

// ── Section: review types ────────────────────────────────────────────────────────────────────────────
export type ReviewPart = Record<string, unknown>

// ── Section: shadow types ────────────────────────────────────────────────────────────────────────────
export type ShadowPart = Record<string, unknown>
