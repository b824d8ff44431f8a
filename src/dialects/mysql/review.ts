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
import { readMysqlCatalog } from './review/catalog.js'
import { MYSQL_RULES } from './review/rules/index.js'

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
  rules: MYSQL_RULES,
  async readCatalog(target, relations, options) {
    const catalog = await readMysqlCatalog(target, relations, options)
    // Each table's facts carry the server they were read on: what an ALTER does depends on its version.
    for (const facts of catalog.facts.values()) facts.server = catalog.server
    return { facts: catalog.facts, settings: catalog.settings }
  }
} satisfies ReviewDialect
