/** What the rules `set-unlogged`, `set-logged` share. */
import type { ReviewContext, ReviewStatement } from '../../../../../review/types.js'
import { heldNote } from './lock-need.js'
import { alterTable } from './nodes.js'
import { describeRelation, existedBefore, observedRewrite } from './relations.js'

/** The existing table the statement sets to `subtype` (AT_SetLogged or AT_SetUnLogged), when it rewrites it (or may). */
export function persistenceChange(statement: ReviewStatement, context: ReviewContext, subtype: string): string | null {
  const altered = alterTable(statement.node, context.defaultSchema)
  if (!altered || !existedBefore(altered.relation, context)) return null
  if (!altered.commands.some((command) => command.subtype === subtype)) return null
  return observedRewrite(altered.relation, statement, context) === false ? null : altered.relation
}

export function rewriteMessage(statement: ReviewStatement, context: ReviewContext, relation: string, what: string): string {
  return (
    `Rewrites ${describeRelation(relation, context)} ${what}: PostgreSQL copies every row and rebuilds its indexes under ACCESS EXCLUSIVE, ` +
    'and every read and write of the table waits for the whole copy.' +
    heldNote(statement, context, relation, 'AccessExclusiveLock')
  )
}
