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
import type { ReviewContext, ReviewStatement, Rule } from '../../../../review/types.js'
import { sqlIdentifier, sqlRelation } from './support/lock-context.js'
import { alterTable, body, columnType, text } from './support/nodes.js'
import { ACCESS_EXCLUSIVE, describeRelation, existedBefore, observedLock, observedRewrite, traceOf } from './support/relations.js'

/**
 * The tables whose foreign keys reference the altered table: from the catalog when it says, and from the trace.
 * PostgreSQL re-creates each foreign key that involves the column: it locks both of its tables (SHARE ROW EXCLUSIVE,
 * then ACCESS EXCLUSIVE) and checks the key again, reading the referencing table in full and locking rows of the
 * referenced one (ROW SHARE). So another table locked so and not row-locked references this one; a table this
 * one's own foreign key references is row-locked (and may be read in full too, as the planner chooses).
 */
function referencingTables(relation: string, statement: ReviewStatement, context: ReviewContext): string[] {
  const fromCatalog = context.catalog?.get(relation)?.referencedBy ?? []
  const trace = traceOf(statement, context)
  const locks = trace?.locks ?? []
  const modes = (other: string): string[] => locks.filter((lock) => lock.relation === other).map((lock) => lock.mode)
  const fromTrace = [...new Set(locks.map((lock) => lock.relation))].filter((other) => {
    return other !== relation && modes(other).includes('ShareRowExclusiveLock') && !modes(other).includes('RowShareLock')
  })
  return [...new Set([...fromCatalog, ...fromTrace])].sort()
}

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
      const referencing = referencingTables(altered.relation, statement, context)
      const scanned = traceOf(statement, context)?.scanned
      const table = sqlRelation(altered.relation, context)
      const name = sqlIdentifier(column)
      const newName = sqlIdentifier(`${column}_new`)
      return [
        {
          severity: 'warning',
          message:
            `Changes \`${column}\` to \`${type.display}\` (${how}): PostgreSQL rewrites ${describeRelation(altered.relation, context)} ` +
            'and rebuilds its indexes, holding ACCESS EXCLUSIVE throughout: every read and write of the table waits.' +
            (referencing.length === 0
              ? ''
              : ` The foreign keys of ${referencing.map((other) => describeRelation(other, context)).join(', ')} reference it: PostgreSQL ` +
                `locks ${referencing.length === 1 ? 'that table' : 'each of those tables'} too (ACCESS EXCLUSIVE) and checks its foreign key ` +
                `again${scanned === undefined || referencing.every((other) => scanned.includes(other)) ? ', reading every row of it' : ''}.`),
          fix:
            referencing.length === 0
              ? 'Add a new column of the new type, keep both filled (trigger or application), copy the existing rows in batches in later ' +
                'versions, switch the application to the new column, then drop the old one (first re-pointing any foreign key that ' +
                'references it: PostgreSQL refuses to drop a column a foreign key depends on). For varchar, text and numeric, widen ' +
                'instead of converting: those changes need no rewrite.'
              : 'Add a new column of the new type, keep it filled (trigger) and copy the existing rows in batches in later versions; ' +
                'build a unique index on it CONCURRENTLY and make it NOT NULL through a validated CHECK; give each referencing table a column of the new type the same way and a ' +
                'foreign key to the new column (NOT VALID, validated in a later version). Only then, in one short version, drop the old ' +
                'foreign keys and make the new index the primary key: PostgreSQL refuses to drop the old key or its column while a ' +
                'foreign key depends on it.',
          fixSql:
            referencing.length === 0
              ? `ALTER TABLE ${table} ADD COLUMN ${newName} ${type.display};\n` +
                `-- later versions: copy in batches, switch reads, then\n` +
                `ALTER TABLE ${table} DROP COLUMN ${name};\n` +
                `ALTER TABLE ${table} RENAME COLUMN ${newName} TO ${name};`
              : `ALTER TABLE ${table} ADD COLUMN ${newName} ${type.display};\n` +
                `-- later versions: a trigger keeps ${newName} filled; copy the existing rows in batches; then, in a -- migrate:no-transaction file:\n` +
                `CREATE UNIQUE INDEX CONCURRENTLY ${sqlIdentifier(`${altered.relation.split('.').pop()}_${column}_new_key`)} ON ${table} (${newName});\n` +
                `-- a primary key column must be NOT NULL: prove it without a scan under lock (see set-not-null)\n` +
                `ALTER TABLE ${table} ADD CONSTRAINT ${sqlIdentifier(`${altered.relation.split('.').pop()}_${column}_new_not_null`)} CHECK (${newName} IS NOT NULL) NOT VALID;\n` +
                `ALTER TABLE ${table} VALIDATE CONSTRAINT ${sqlIdentifier(`${altered.relation.split('.').pop()}_${column}_new_not_null`)}; -- a later version, then SET NOT NULL\n` +
                referencing
                  .map(
                    (other) =>
                      `-- ${sqlRelation(other, context)}: a ${type.display} column filled the same way, then\n` +
                      `ALTER TABLE ${sqlRelation(other, context)} ADD CONSTRAINT <new foreign key> FOREIGN KEY (<new column>) REFERENCES ${table} (${newName}) NOT VALID;\n` +
                      `ALTER TABLE ${sqlRelation(other, context)} VALIDATE CONSTRAINT <new foreign key>; -- a later version`
                  )
                  .join('\n') +
                `\n-- the switch, in one short version: drop the old foreign keys first, then\n` +
                `ALTER TABLE ${table} DROP CONSTRAINT <primary key>, ADD CONSTRAINT <primary key> PRIMARY KEY USING INDEX ${sqlIdentifier(`${altered.relation.split('.').pop()}_${column}_new_key`)};`,
          relation: altered.relation,
          lock: observedLock(altered.relation, statement, context) ?? ACCESS_EXCLUSIVE
        }
      ]
    })
  }
}
