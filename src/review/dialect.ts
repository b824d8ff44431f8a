/**
 * What the review asks of a dialect (its port): parsing a statement, the relations a parsed statement names,
 * the rules, and one read of the target's catalog. The review's core (review.ts) runs the rules, the waivers
 * and fail-on the same way for every dialect; only what is here differs.
 */
import type { Target } from '../targets/target.js'
import type { RelationFacts, Rule } from './types.js'

/** A statement as the dialect's parser gives it: a node the dialect's rules read. */
export type StatementNode = Record<string, unknown>

export interface SyntaxError {
  /** The parser's own message: `syntax error at or near "tabel"`. */
  message: string
  /** 0-based offset in code points into the statement's text; 0 when the parser gives none. */
  offset: number
}

export interface Parser {
  /**
   * One parse of the text: its statement's node (null when the parser refuses it or finds other than one statement
   * in it), and why the parser refuses it (null when it parses).
   */
  parse(sql: string): { node: StatementNode | null; error: SyntaxError | null }
  /** The statement's node alone (parse(sql).node). */
  parseStatement(sql: string): StatementNode | null
}

/**
 * The target's settings verification makes its throwaway database like (read in the catalog call): setting name →
 * the value the target shows, only names the dialect reads.
 */
export type TargetSettings = Readonly<Record<string, string>>

export interface ReviewDialect {
  /** How a finding names the engine: "PostgreSQL". */
  readonly displayName: string
  /** What the catalog read gives, for the "what was checked" line; default "rows and size of each table touched". */
  readonly catalogShows?: string
  /** What verification's trace shows, for that line; default "locks taken, rewrites". */
  readonly traceShows?: string
  /** How the "what was checked" line names the parser ("the MySQL clause reader"); default displayName. */
  readonly parserName?: string
  /** Whether `loadParser` gives a real parser; false where every statement parses to nothing (the rules then read text only). */
  readonly parses: boolean
  /** The parser, loaded once (it may load a module first). */
  loadParser(): Promise<Parser>
  /** The relations (`schema.name`) a statement creates. */
  createdRelations(node: StatementNode, defaultSchema: string): string[]
  /** Every relation (`schema.name`) a statement names. */
  namedRelations(node: StatementNode, defaultSchema: string): string[]
  /** The columns of every index, PRIMARY KEY and UNIQUE constraint a statement creates, by table. */
  indexColumns(node: StatementNode, defaultSchema: string): Array<{ relation: string; columns: string[] }>
  /** The dialect's rules, in the order "what was checked" lists them (the review adds its own after them). */
  readonly rules: readonly Rule[]
  /**
   * One read of the target's catalog (catalog reads only, never a scan of a user table) for the relations
   * named, and the target's settings when asked for.
   */
  readCatalog(
    target: Target,
    relations: string[],
    options: { settings: boolean }
  ): Promise<{ facts: Map<string, RelationFacts>; settings: TargetSettings | null }>
}
