/**
 * The vocabulary of the review: what a pending statement will do to production. Rules read one parsed
 * statement with its context (what the pending versions create, the target's catalog, the trace of the
 * statement on the throwaway database) and return findings with stable ids.
 */

/** Severity order, highest first (for fail-on and sorting). */
export const SEVERITIES = ['error', 'warning', 'notice'] as const

/** A closed set: a finding's severity is always one of these (never undefined, never another string). */
export type Severity = (typeof SEVERITIES)[number]

export function isSeverity(value: unknown): value is Severity {
  return (SEVERITIES as readonly unknown[]).includes(value)
}

export interface Finding {
  /** Stable id, e.g. `index-not-concurrent`; documented in docs/rules.md. */
  rule: string
  severity: Severity
  version: number
  /** Relative to the workspace, as in annotations. */
  file: string
  line: number
  column: number
  /** What the statement will do here: the lock and what it blocks, the rewrite, the size of the table. Markdown-safe plain text. */
  message: string
  /** What to do instead, with the SQL of the safe pattern (plain text; SQL in a fenced block is added by the renderer). */
  fix: string
  /** The SQL of the safe pattern, when there is one. */
  fixSql?: string
  /** `schema.table` the finding concerns, when known. */
  relation: string | null
  /** The lock mode the statement takes on `relation` (as the server's lock view names it), when known. */
  lock: string | null
  /** Set when a `-- aurora-migrate:ignore <rule> <reason>` comment or the ignore-rules input waives it. */
  waived?: { reason: string; by: 'comment' | 'input' }
}

/** One pending statement as the rules see it. */
export interface ReviewStatement {
  version: number
  /** Index of the statement in its version (all files, in order). */
  index: number
  file: string
  line: number
  column: number
  sql: string
  /** The file runs statement by statement (-- migrate:no-transaction). */
  noTransaction: boolean
  /** The statement's node from the dialect's parser (PostgreSQL's: libpg-query's JSON, `{ CreateStmt: {...} }` …). */
  node: Record<string, unknown>
  /** Rule ids waived by `-- aurora-migrate:ignore` comments right before the statement, with their reasons. */
  waivers: Map<string, string>
}

/** What the target's catalog says of one relation (catalog reads only; never a scan of a user table). */
export interface RelationFacts {
  /** `schema.name` */
  name: string
  kind: 'table' | 'partitioned table' | 'index' | 'view' | 'materialized view' | 'sequence' | 'other'
  /** The catalog's row count (an estimate; null when never analyzed). */
  rows: number | null
  /** The relation's total size, its indexes included. */
  bytes: number | null
  /** The fraction of NULLs by column (the planner's statistics), where the rule needs it. */
  nullFraction?: Record<string, number>
  /**
   * The tables whose foreign keys reference this one (`schema.name`), when the catalog read says (optional: a rule
   * that needs them also finds them in the statement's trace, where each such table is locked).
   */
  referencedBy?: string[]
  /** Columns that are NOT NULL already, when the catalog read says. */
  notNullColumns?: string[]
  /** Columns a valid `CHECK (column IS NOT NULL)` proves, when the catalog read says: SET NOT NULL skips its scan. */
  checkedNotNullColumns?: string[]
}

/** What one pending statement actually did on the throwaway database. */
export interface StatementTrace {
  version: number
  index: number
  /** Relation locks it took (its own session's locks, before vs after the statement). */
  locks: Array<{ relation: string; mode: string }>
  /**
   * Relation locks the version's transaction already held when the statement began (taken by earlier statements).
   * `locks` lists only what the statement took anew: a lock it needs that an earlier statement took is here, not
   * there. Absent when not known (a statement traced alone holds nothing before it: empty).
   */
  held?: Array<{ relation: string; mode: string }>
  /**
   * Tables the statement read in full (the transaction's count of sequential scans of it rose), for instance to
   * check a constraint or NOT NULL against every row. Absent when not known (a statement traced from another session).
   */
  scanned?: string[]
  /** Tables or indexes whose storage was replaced: rewritten. */
  rewritten: string[]
  /** Constraints it added, and whether the server validated them at once. */
  constraints: Array<{ name: string; relation: string; validated: boolean }>
  durationMs: number
  /**
   * The locks were seen from another connection while the statement ran on its own (a no-transaction
   * file), not diffed inside a transaction: a lock held only for a moment may be missing.
   */
  locksSampled?: boolean
  /**
   * MySQL: which algorithm the server accepted for the statement's ALTER on an empty copy of its table (INSTANT
   * tried first, then INPLACE, then COPY), whether that rebuilt the table (its InnoDB table id changed; null when
   * it could not be read), and on which server ("MariaDB 10.11.19"); or why it was not proved. Absent elsewhere.
   */
  algorithm?: { accepted: 'instant' | 'inplace' | 'copy'; rebuilt: boolean | null; server: string } | { unproved: string }
}

export interface ReviewContext {
  /** Relations created by the pending versions before this statement (`schema.name`, folded as the dialect folds unquoted names). */
  createdEarlier: ReadonlySet<string>
  /** The target's catalog for every relation the pending statements touch; null without a target (fork pull requests). */
  catalog: ReadonlyMap<string, RelationFacts> | null
  /** The trace of each statement on the throwaway database; null when verification did not run. */
  trace: ReadonlyMap<string, StatementTrace> | null
  /** The schema an unqualified name resolves to (default `public`). */
  defaultSchema: string
  /** Columns of every index, PRIMARY KEY and UNIQUE constraint the pending statements create, by table (`schema.name`). */
  pendingIndexColumns?: ReadonlyMap<string, ReadonlyArray<readonly string[]>>
  /**
   * Every pending statement of this statement's version, in order. Rules about the version's transaction read it
   * (a lock held until the commit, an enum value added and used in one transaction); without it they stay silent.
   */
  versionStatements?: readonly ReviewStatement[]
}

/** The key of a statement in `ReviewContext.trace`: `v<version>#<index>`. */
export function traceKey(version: number, index: number): string {
  return `v${version}#${index}`
}

/**
 * What a rule's check returns for one finding. `severity` is required and is a Severity: a result cannot leave it
 * out or set it to `undefined` (which, spread over the rule's default, once made findings of severity "undefined").
 */
export type RuleResult = Omit<Finding, 'rule' | 'version' | 'file' | 'line' | 'column' | 'severity' | 'waived'> & {
  severity: Severity
  /**
   * Set when the result is one more consequence of a cause another rule reports about the same statement (the
   * same relation and lock): this sentence is added to that rule's finding instead of a finding of its own, so
   * that a statement gets one finding per cause. Without such a finding (none, or waived) the result stands alone.
   * An empty addendum: the other finding already says everything this one would.
   */
  addendum?: string
}

export interface Rule {
  id: string
  /** The rule's usual severity, as docs/rules.md gives it; each result states its own (the same, or another on some outcomes). */
  severity: Severity
  /** One line for docs and the "what was checked" line. */
  summary: string
  check(statement: ReviewStatement, context: ReviewContext): RuleResult[]
}

/** The review of a run's pending statements, as the reports show it. */
export interface ReviewInput {
  /** Every finding runRules returned, waived ones included, in its order (version, file order, line). */
  findings: Finding[]
  /** What was checked, for the line that stands when nothing was found. */
  checked: {
    rules: number
    /** Whether the target's catalog was read (rows and size of the touched tables), and if not, why. */
    catalog: 'read' | 'no-target' | 'failed'
    /** Each statement's trace on the throwaway database (locks taken, rewrites). */
    trace: boolean
    /** Whose parser read the statements ("PostgreSQL"); null where the dialect has none. Absent: PostgreSQL's. */
    parser?: string | null
    /** What the catalog read gives, for the line (ReviewDialect.catalogShows); absent: rows and size. */
    catalogShows?: string
    /** What the trace shows, for the line (ReviewDialect.traceShows); absent: locks taken, rewrites. */
    traceShows?: string
  }
  /** `https://github.com/<owner>/<repo>/pull/<n>/files`: findings link into the diff; null outside a pull request. */
  pullRequestFilesUrl: string | null
  /** Why the review did not run (the parser could not load …); null when it ran. */
  unavailable?: string | null
}
