/**
 * PostgreSQL's review part (see the review section of ../dialect.ts): libpg-query's parser, the names in its
 * parse trees, the rules (review/rules/, one file per rule) and the catalog read.
 *
 * Below the part, the review's entry points with this part given, for what speaks PostgreSQL alone (its rule
 * tests and the benchmarks).
 */
import type { Version } from '../../migrations/types.js'
import type { ReviewDialect } from '../../review/dialect.js'
import * as core from '../../review/review.js'
import type { Finding, ReviewContext, ReviewStatement } from '../../review/types.js'
import type { ReviewPart } from '../dialect.js'
import { readTargetCatalog } from './review/catalog.js'
import { createdRelations, indexColumns, namedRelations } from './review/names.js'
import { loadParser } from './review/parse.js'
import { RULES as POSTGRESQL_RULES } from './review/rules/index.js'

export const review: ReviewPart = {
  displayName: 'PostgreSQL',
  parses: true,
  loadParser,
  createdRelations,
  namedRelations,
  indexColumns,
  rules: POSTGRESQL_RULES,
  readCatalog: readTargetCatalog
} satisfies ReviewDialect

/** Every rule a PostgreSQL review runs (PostgreSQL's and the review's own). */
export const RULES = core.reviewRules(review)

export function parsePending(versions: Version[], pending: number[]): Promise<{ statements: ReviewStatement[]; syntaxErrors: Finding[] }> {
  return core.parsePending(review, versions, pending)
}

export function reviewStatements(versions: Version[], pending: number[]): Promise<ReviewStatement[]> {
  return core.reviewStatements(review, versions, pending)
}

export function touchedRelations(statements: ReviewStatement[], defaultSchema: string): string[] {
  return core.touchedRelations(review, statements, defaultSchema)
}

export function runRules(
  statements: ReviewStatement[],
  context: Omit<ReviewContext, 'createdEarlier'>,
  options: { ignoreRules: string[] }
): Finding[] {
  return core.runRules(review, statements, context, options)
}

export function unknownRuleIds(ids: string[]): string[] {
  return core.unknownRuleIds(review, ids)
}
