/**
 * MySQL's review part (see the review section of ../dialect.ts): no rules yet, and no parser — none for
 * MySQL exists here — so every statement parses to no node and no error: the review core then leaves it out
 * unreviewed, without a false syntax error (a statement MySQL refuses fails on verification's throwaway
 * server instead). The catalog read holds no facts yet; it reads the target's settings that verification
 * makes its throwaway database like (shadow/settings.ts), in one SELECT of @@ variables and the database's
 * defaults.
 */
import type { Parser, ReviewDialect } from '../../review/dialect.js'
import type { ReviewPart } from '../dialect.js'
import { readSettings } from './shadow/settings.js'

/** Takes no statement and refuses none: the statement is left out of the review. */
const NO_PARSER: Parser = {
  parse: () => ({ node: null, error: null }),
  parseStatement: () => null
}

export const review: ReviewPart = {
  displayName: 'MySQL',
  parses: false,
  loadParser: () => Promise.resolve(NO_PARSER),
  createdRelations: () => [],
  namedRelations: () => [],
  indexColumns: () => [],
  rules: [],
  async readCatalog(target, _relations, options) {
    return { facts: new Map(), settings: options.settings ? await readSettings(target) : null }
  }
} satisfies ReviewDialect
