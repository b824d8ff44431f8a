/**
 * `unbatched-backfill`: UPDATE or DELETE of a whole existing table in one statement: every row locked until the
 * transaction commits. Its page is in docs/rules.md.
 */
import type { ReviewContext, Rule } from '../../../../review/types.js'
import { sqlRelation } from './support/lock-context.js'
import { body, findAll, kindOf, names, rangeVarName } from './support/nodes.js'
import { describeRelation, existedBefore, factsOf } from './support/relations.js'

/**
 * A WHERE that narrows little: none, or only NULL and boolean tests (`WHERE col IS NULL`, the usual backfill), `<>`,
 * and comparisons of a column with another column (the join of `UPDATE … FROM`). A comparison with a value, IN,
 * BETWEEN, LIKE or a subquery counts as narrowing: the review cannot know by how much, so it stays silent.
 */
function broadWhere(where: unknown): boolean {
  if (where === undefined) return true
  const narrowing = findAll(where, 'A_Expr').some((expression) => {
    if (expression.kind !== 'AEXPR_OP') return true
    const operator = names(expression.name).pop()
    const columnToColumn = findAll(expression.lexpr, 'ColumnRef').length > 0 && findAll(expression.rexpr, 'ColumnRef').length > 0
    return operator !== '<>' && operator !== '!=' && !columnToColumn
  })
  return !narrowing && findAll(where, 'SubLink').length === 0
}

/** The rows the statement touches: the catalog's rows, times the column's null fraction for `WHERE col IS NULL`; null when unknown. */
function rowsTouched(relation: string, where: unknown, context: ReviewContext): number | null {
  const facts = factsOf(relation, context)
  if (!facts || facts.rows === null || facts.rows < 0) return null
  const tests = findAll(where, 'NullTest')
  const column =
    tests.length === 1 && tests[0].nulltesttype === 'IS_NULL' ? names(body(tests[0].arg, 'ColumnRef')?.fields).pop() : undefined
  const fraction = column !== undefined ? facts.nullFraction?.[column] : undefined
  if (where !== undefined && fraction === undefined) return null
  return Math.round(facts.rows * (fraction ?? 1))
}

export const unbatchedBackfill: Rule = {
  id: 'unbatched-backfill',
  severity: 'warning',
  summary: 'UPDATE or DELETE of a whole existing table in one statement: every row locked until the transaction commits',
  check(statement, context) {
    const kind = kindOf(statement.node)
    const dml = kind === 'UpdateStmt' || kind === 'DeleteStmt' ? body(statement.node, kind) : null
    const relation = rangeVarName(dml?.relation, context.defaultSchema)
    if (!dml || !relation || !existedBefore(relation, context) || !broadWhere(dml.whereClause)) return []
    const verb = kind === 'UpdateStmt' ? 'Updates' : 'Deletes'
    const touched = rowsTouched(relation, dml.whereClause, context)
    const whole = dml.whereClause === undefined
    const scope = whole ? 'every row' : touched === null ? 'the rows its WHERE lets through' : `≈${touched.toLocaleString('en-US')} rows`
    const narrows = whole ? '' : ' (its WHERE tests only NULLs, booleans or a join, and narrows little)'
    const until = statement.noTransaction ? 'until the statement ends' : "until the version's transaction commits"
    const table = sqlRelation(relation, context)
    return [
      {
        severity: 'warning',
        message:
          `${verb} ${scope} of ${describeRelation(relation, context)} in one statement${narrows}: each row stays locked against other ` +
          `writers ${until}, and the long transaction holds back vacuum and bloats the table.`,
        fix:
          'Run it in batches in a later version, in a -- migrate:no-transaction file (each statement commits on its own), ' +
          'or from a job: a few thousand rows per statement, by key range.',
        fixSql:
          `-- migrate:no-transaction\n` +
          `${kind === 'UpdateStmt' ? `UPDATE ${table} SET …` : `DELETE FROM ${table}`} WHERE id BETWEEN 1 AND 10000 AND …;\n` +
          `${kind === 'UpdateStmt' ? `UPDATE ${table} SET …` : `DELETE FROM ${table}`} WHERE id BETWEEN 10001 AND 20000 AND …;`,
        relation,
        lock: 'RowExclusiveLock'
      }
    ]
  }
}
