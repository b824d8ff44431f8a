/**
 * `add-column-volatile-default`: ADD COLUMN with a volatile default (gen_random_uuid(), clock_timestamp(),
 * random()) on an existing table: a table rewrite. Its page is in docs/rules.md.
 */
import type { Rule } from '../../../../review/types.js'
import { backfillSql, columnsAddedToExistingTable, rewriteMessage } from './support/add-column.js'
import { sqlIdentifier, sqlRelation } from './support/lock-context.js'
import { findAll, names } from './support/nodes.js'
import { ACCESS_EXCLUSIVE, observedLock, observedRewrite } from './support/relations.js'

/** Built-in functions that are VOLATILE (pg_proc.provolatile = 'v') and usual in defaults. */
const VOLATILE_FUNCTIONS = new Set([
  'gen_random_uuid',
  'uuidv4',
  'uuidv7',
  'uuid_generate_v1',
  'uuid_generate_v1mc',
  'uuid_generate_v4',
  'clock_timestamp',
  'timeofday',
  'random',
  'random_normal',
  'nextval'
])

/** Built-in functions that are STABLE or IMMUTABLE and usual in defaults: PostgreSQL evaluates them once for the ADD COLUMN. */
const NON_VOLATILE_FUNCTIONS = new Set(['now', 'transaction_timestamp', 'statement_timestamp', 'current_setting'])

/** The names of the functions an expression calls. */
function functionsCalled(expression: unknown): string[] {
  return findAll(expression, 'FuncCall').map((call) => names(call.funcname).pop() ?? '')
}

export const addColumnVolatileDefault: Rule = {
  id: 'add-column-volatile-default',
  severity: 'warning',
  summary: 'ADD COLUMN with a volatile default (gen_random_uuid(), clock_timestamp(), random()) on an existing table: a table rewrite',
  check(statement, context) {
    return columnsAddedToExistingTable(statement, context).flatMap((column) => {
      const defaults = column.constraints.filter((constraint) => constraint.contype === 'CONSTR_DEFAULT')
      const called = defaults.flatMap((constraint) => functionsCalled(constraint.raw_expr))
      const volatile = called.filter((name) => VOLATILE_FUNCTIONS.has(name))
      const unknown = called.filter((name) => !VOLATILE_FUNCTIONS.has(name) && !NON_VOLATILE_FUNCTIONS.has(name))
      const rewrite = observedRewrite(column.relation, statement, context)
      // A known volatile function rewrites unless the trace saw otherwise; a function of unknown volatility only when the trace saw it.
      if (rewrite === false || (volatile.length === 0 && !(rewrite === true && unknown.length > 0))) return []
      const shown = `${(volatile[0] ?? unknown[0]) as string}()`
      const [table, name] = [sqlRelation(column.relation, context), sqlIdentifier(column.name)]
      return [
        {
          severity: 'warning',
          message: rewriteMessage(`with the volatile default ${shown}, computed for every existing row`, column, context),
          fix: 'Add the column without a default, then set the default (new rows only, no rewrite), then fill the existing rows in batches in a later version.',
          fixSql:
            `ALTER TABLE ${table} ADD COLUMN ${name} ${column.type};\n` +
            `ALTER TABLE ${table} ALTER COLUMN ${name} SET DEFAULT ${shown};\n` +
            backfillSql(table, name, shown),
          relation: column.relation,
          lock: observedLock(column.relation, statement, context) ?? ACCESS_EXCLUSIVE
        }
      ]
    })
  }
}
