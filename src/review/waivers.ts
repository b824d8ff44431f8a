/**
 * A waiver comment whose rule id no rule has waives nothing: a misspelt id would otherwise leave the finding
 * it meant to waive standing with no word on why.
 */
import { closest } from '../suggest.js'
import type { Rule } from './types.js'

/** The rule, given the ids of every rule (its own included) to check waivers against. */
export function unknownWaiverRule(knownIds: () => ReadonlySet<string>): Rule {
  return {
    id: 'unknown-waiver',
    severity: 'notice',
    summary: 'a waiver comment naming a rule id that no rule has',
    check(statement) {
      const known = knownIds()
      return [...statement.waivers.keys()]
        .filter((id) => !known.has(id))
        .map((id) => {
          const match = closest(id, [...known])
          return {
            severity: 'notice' as const,
            message: `The comment before this statement waives \`${id}\`, which is no rule's id: it waives nothing.${match ? ` Did you mean \`${match}\`?` : ''}`,
            fix: match
              ? `Write \`${match}\` in the comment, or remove it.`
              : 'Write the rule id as the finding and docs/rules.md give it (for example `index-not-concurrent`), or remove the comment.',
            relation: null,
            lock: null
          }
        })
    }
  }
}
