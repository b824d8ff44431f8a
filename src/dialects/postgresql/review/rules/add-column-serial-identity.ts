/**
 * `add-column-serial-identity`: ADD COLUMN of a serial or identity column on an existing table: a table rewrite to
 * number every row. Its page is in docs/rules.md.
 */
import type { Rule } from '../../../../review/types.js'
import { backfillSql, columnsAddedToExistingTable, rewriteMessage } from './support/add-column.js'
import { sqlIdentifier, sqlRelation } from './support/lock-context.js'
import { SERIAL_TYPES } from './support/nodes.js'
import { ACCESS_EXCLUSIVE, observedLock, observedRewrite } from './support/relations.js'

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
