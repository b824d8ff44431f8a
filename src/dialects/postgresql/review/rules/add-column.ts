/**
 * ADD COLUMN on a table that existed before the pending versions. PostgreSQL 11+ adds a column with a constant or
 * stable default (`now()`, `CURRENT_TIMESTAMP`) in the catalog alone; a default it must compute per row (a volatile
 * function), a stored generated column and a serial or identity column make it rewrite the whole table under
 * ACCESS EXCLUSIVE. A trace of the statement that saw no rewrite silences these rules.
 */
import type { Rule, ReviewContext, ReviewStatement } from '../../../../review/types.js'
import { sqlIdentifier, sqlRelation } from './lock-context.js'
import { alterTable, body, columnType, findAll, list, names, SERIAL_TYPES, text, type Node } from './nodes.js'
import { ACCESS_EXCLUSIVE, describeRelation, existedBefore, observedLock, observedRewrite } from './relations.js'

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

interface AddedColumn {
  relation: string
  name: string
  type: string
  constraints: Node[]
}

/** The columns an ALTER TABLE adds to a table that existed before the pending versions. */
function columnsAddedToExistingTable(statement: ReviewStatement, context: ReviewContext): AddedColumn[] {
  const altered = alterTable(statement.node, context.defaultSchema)
  if (!altered || !existedBefore(altered.relation, context)) return []
  return altered.commands.flatMap((command) => {
    const column = body(command.def, 'ColumnDef')
    const name = text(column?.colname)
    if (command.subtype !== 'AT_AddColumn' || !column || !name) return []
    const constraints = list(column.constraints).flatMap((constraint) => {
      const inner = body(constraint, 'Constraint')
      return inner ? [inner] : []
    })
    return [{ relation: altered.relation, name, type: columnType(column.typeName)?.display ?? 'unknown', constraints }]
  })
}

/** The names of the functions an expression calls. */
function functionsCalled(expression: unknown): string[] {
  return findAll(expression, 'FuncCall').map((call) => names(call.funcname).pop() ?? '')
}

function rewriteMessage(what: string, column: AddedColumn, context: ReviewContext): string {
  return (
    `Adds column \`${column.name}\` ${what}: PostgreSQL rewrites ${describeRelation(column.relation, context)} to fill it, ` +
    'holding ACCESS EXCLUSIVE for the whole rewrite: every read and write of the table waits.'
  )
}

/** A later batch update of the new column, for the fixes (relation and column already as SQL). */
function backfillSql(relation: string, column: string, value: string): string {
  return (
    `-- then, in a later version (a -- migrate:no-transaction file), in batches of a few thousand rows:\n` +
    `UPDATE ${relation} SET ${column} = ${value} WHERE ${column} IS NULL AND id BETWEEN 1 AND 10000;`
  )
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

export const addColumnStoredGenerated: Rule = {
  id: 'add-column-stored-generated',
  severity: 'warning',
  summary: 'ADD COLUMN … GENERATED ALWAYS AS (…) STORED on an existing table: a table rewrite',
  check(statement, context) {
    return columnsAddedToExistingTable(statement, context).flatMap((column) => {
      const stored = column.constraints.some((constraint) => constraint.contype === 'CONSTR_GENERATED' && constraint.generated_kind === 's')
      if (!stored || observedRewrite(column.relation, statement, context) === false) return []
      const [table, name] = [sqlRelation(column.relation, context), sqlIdentifier(column.name)]
      return [
        {
          severity: 'warning',
          message: rewriteMessage('as a stored generated column, computed for every existing row', column, context),
          fix:
            'Add a plain nullable column, keep it filled for new rows with a trigger, and fill the existing rows in batches in a later version; ' +
            'or compute the value in a view or the query.',
          fixSql:
            `ALTER TABLE ${table} ADD COLUMN ${name} ${column.type};\n` +
            `-- a BEFORE INSERT OR UPDATE trigger sets NEW.${name} for new rows\n` +
            backfillSql(table, name, '<the expression>'),
          relation: column.relation,
          lock: observedLock(column.relation, statement, context) ?? ACCESS_EXCLUSIVE
        }
      ]
    })
  }
}

export const addColumnSerialOrIdentity: Rule = {
  id: 'add-column-serial-identity',
  severity: 'warning',
  summary: 'ADD COLUMN of a serial or identity column on an existing table: a table rewrite to number every row',
  check(statement, context) {
    return columnsAddedToExistingTable(statement, context).flatMap((column) => {
      const serial = SERIAL_TYPES.has(column.type)
      const identity = column.constraints.some((constraint) => constraint.contype === 'CONSTR_IDENTITY')
      if ((!serial && !identity) || observedRewrite(column.relation, statement, context) === false) return []
      const sequence = sqlRelation(`${column.relation}_${column.name}_seq`, context)
      const literal = `'${sequence.replace(/'/g, "''")}'`
      const [table, name] = [sqlRelation(column.relation, context), sqlIdentifier(column.name)]
      return [
        {
          severity: 'warning',
          message: rewriteMessage(serial ? `as \`${column.type}\`` : 'as an identity column', column, context),
          fix:
            'Add a plain nullable bigint column, give it a sequence default for new rows, and number the existing rows in batches in a later version; ' +
            'then make it NOT NULL through a CHECK … NOT VALID constraint.',
          fixSql:
            `CREATE SEQUENCE ${sequence};\n` +
            `ALTER TABLE ${table} ADD COLUMN ${name} bigint;\n` +
            `ALTER TABLE ${table} ALTER COLUMN ${name} SET DEFAULT nextval(${literal});\n` +
            `ALTER SEQUENCE ${sequence} OWNED BY ${table}.${name};\n` +
            backfillSql(table, name, `nextval(${literal})`),
          relation: column.relation,
          lock: observedLock(column.relation, statement, context) ?? ACCESS_EXCLUSIVE
        }
      ]
    })
  }
}
