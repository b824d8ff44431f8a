/**
 * ALTER COLUMN … TYPE on a table that existed before the pending versions. PostgreSQL changes a type in place (no
 * rewrite, only the catalog) when the old type converts to the new one without changing a stored value:
 * varchar(n) → varchar(m ≥ n) or text, text ↔ varchar without a length, numeric(p,s) → numeric(p' ≥ p, s) or numeric,
 * varbit(n) → varbit(m ≥ n), a larger precision of timestamp/time/interval. Any other change rewrites the table and
 * rebuilds its indexes under ACCESS EXCLUSIVE.
 *
 * The trace decides when there is one: the throwaway database ran the statement on the real old type. Without
 * it the old type is unknown, so the rule stays silent for a new type that some old type reaches in place.
 */
import type { Rule } from '../types.js'
import { alterTable, body, columnType, text } from './nodes.js'
import { ACCESS_EXCLUSIVE, describeRelation, existedBefore, observedLock, observedRewrite } from './relations.js'

/** Types that another type can become without a rewrite (the parser's names). */
const REACHABLE_IN_PLACE = new Set(['text', 'varchar', 'numeric', 'varbit', 'timestamp', 'timestamptz', 'time', 'timetz', 'interval'])

export const alterColumnTypeRewrite: Rule = {
  id: 'alter-column-type-rewrite',
  severity: 'warning',
  summary: 'ALTER COLUMN … TYPE that rewrites an existing table (not one PostgreSQL does in place, such as varchar(n) → text)',
  check(statement, context) {
    const altered = alterTable(statement.node, context.defaultSchema)
    if (!altered || !existedBefore(altered.relation, context)) return []
    return altered.commands.flatMap((command) => {
      const column = text(command.name)
      const definition = body(command.def, 'ColumnDef')
      const type = columnType(definition?.typeName)
      if (command.subtype !== 'AT_AlterColumnType' || !column || !type) return []
      const rewrite = observedRewrite(altered.relation, statement, context)
      const computed = definition?.raw_default !== undefined
      if (rewrite === false || (rewrite === null && !computed && !type.array && REACHABLE_IN_PLACE.has(type.name))) return []
      const how =
        rewrite === true
          ? 'the throwaway database saw the rewrite'
          : computed
            ? 'USING computes every value'
            : `no other type becomes ${type.display} without a rewrite`
      return [
        {
          severity: 'warning',
          message:
            `Changes \`${column}\` to \`${type.display}\` (${how}): PostgreSQL rewrites ${describeRelation(altered.relation, context)} ` +
            'and rebuilds its indexes, holding ACCESS EXCLUSIVE throughout: every read and write of the table waits.',
          fix:
            'Add a new column of the new type, keep both filled (trigger or application), copy the existing rows in batches in later ' +
            'versions, switch the application to the new column, then drop the old one. For varchar, text and numeric, widen instead of ' +
            'converting: those changes need no rewrite.',
          fixSql:
            `ALTER TABLE ${altered.relation} ADD COLUMN ${column}_new ${type.display};\n` +
            `-- later versions: copy in batches, switch reads, then\n` +
            `ALTER TABLE ${altered.relation} DROP COLUMN ${column};\n` +
            `ALTER TABLE ${altered.relation} RENAME COLUMN ${column}_new TO ${column};`,
          relation: altered.relation,
          lock: observedLock(altered.relation, statement, context) ?? ACCESS_EXCLUSIVE
        }
      ]
    })
  }
}
