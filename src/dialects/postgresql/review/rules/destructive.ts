/**
 * Dropping or renaming a column, table or schema that existed before the pending versions. Both break the
 * application version still running while the deploy rolls out (its queries name the old object); a drop also
 * deletes the data. The safe pattern is expand/contract: release an application that no longer uses the object,
 * then remove it in a later version.
 */
import type { Rule, ReviewContext } from '../../../../review/types.js'
import { sqlIdentifier, sqlRelation } from './lock-context.js'
import { alterTable, body, list, names, qualifiedName, rangeVarName, text } from './nodes.js'
import { ACCESS_EXCLUSIVE, describeRelation, existedBefore, observedLock } from './relations.js'

const STILL_RUNNING = 'the application version still running fails on every query that names it until the new version replaces it'

/** False for a schema created earlier in the pending versions (createdEarlier holds its bare name). */
function schemaExistedBefore(schema: string, context: ReviewContext): boolean {
  return !context.createdEarlier.has(schema)
}

export const dropColumn: Rule = {
  id: 'drop-column',
  severity: 'warning',
  summary: 'DROP COLUMN on an existing table: deletes its data and breaks the application version still running',
  check(statement, context) {
    const altered = alterTable(statement.node, context.defaultSchema)
    if (!altered || !existedBefore(altered.relation, context)) return []
    return altered.commands.flatMap((command) => {
      const column = text(command.name)
      if (command.subtype !== 'AT_DropColumn' || !column) return []
      return [
        {
          severity: 'warning',
          message: `Drops column \`${column}\` of ${describeRelation(altered.relation, context)}: its values are gone, and ${STILL_RUNNING}.`,
          fix: 'Release an application version that neither reads nor writes the column first; drop it in a later version.',
          fixSql: `-- after the application stopped using ${column}, in a later version:\nALTER TABLE ${sqlRelation(altered.relation, context)} DROP COLUMN ${sqlIdentifier(column)};`,
          relation: altered.relation,
          lock: observedLock(altered.relation, statement, context) ?? ACCESS_EXCLUSIVE
        }
      ]
    })
  }
}

export const dropTable: Rule = {
  id: 'drop-table',
  severity: 'warning',
  summary: 'DROP TABLE of an existing table: deletes its rows and breaks the application version still running',
  check(statement, context) {
    const drop = body(statement.node, 'DropStmt')
    if (!drop || drop.removeType !== 'OBJECT_TABLE') return []
    return list(drop.objects).flatMap((object) => {
      const relation = qualifiedName(names(body(object, 'List')?.items), context.defaultSchema)
      if (!existedBefore(relation, context)) return []
      return [
        {
          severity: 'warning',
          message: `Drops ${describeRelation(relation, context)}: its rows are gone, and ${STILL_RUNNING}.`,
          fix: 'Release an application version that no longer uses the table first; drop it in a later version (keep a backup if its rows matter).',
          fixSql: `-- after the application stopped using ${relation}, in a later version:\nDROP TABLE ${sqlRelation(relation, context)};`,
          relation,
          lock: observedLock(relation, statement, context) ?? ACCESS_EXCLUSIVE
        }
      ]
    })
  }
}

export const dropSchema: Rule = {
  id: 'drop-schema',
  severity: 'warning',
  summary: 'DROP SCHEMA of an existing schema: deletes what it holds and breaks the application version still running',
  check(statement, context) {
    const drop = body(statement.node, 'DropStmt')
    if (!drop || drop.removeType !== 'OBJECT_SCHEMA') return []
    return list(drop.objects).flatMap((object) => {
      const schema = text(body(object, 'String')?.sval)
      if (!schema || !schemaExistedBefore(schema, context)) return []
      const cascade = drop.behavior === 'DROP_CASCADE' ? ' and, with CASCADE, every table, view and function in it' : ''
      return [
        {
          severity: 'warning',
          message: `Drops schema \`${schema}\`${cascade}: what it held is gone, and ${STILL_RUNNING}.`,
          fix: 'Release an application version that no longer uses the schema first; drop it in a later version, without CASCADE, so that anything still in it stops the drop.',
          fixSql: `-- after the application stopped using ${schema}, in a later version:\nDROP SCHEMA ${sqlIdentifier(schema)};`,
          relation: null,
          lock: null
        }
      ]
    })
  }
}

export const renameColumn: Rule = {
  id: 'rename-column',
  severity: 'warning',
  summary: 'RENAME COLUMN on an existing table: breaks the application version still running',
  check(statement, context) {
    const rename = body(statement.node, 'RenameStmt')
    if (!rename || rename.renameType !== 'OBJECT_COLUMN' || rename.relationType !== 'OBJECT_TABLE') return []
    const relation = rangeVarName(rename.relation, context.defaultSchema)
    const [from, to] = [text(rename.subname), text(rename.newname)]
    if (!relation || !from || !to || !existedBefore(relation, context)) return []
    return [
      {
        severity: 'warning',
        message: `Renames column \`${from}\` of ${describeRelation(relation, context)} to \`${to}\`: ${STILL_RUNNING}.`,
        fix:
          'Add the new column, keep both filled (trigger or application), copy the existing rows in batches, switch the application to ' +
          'the new name, and drop the old column in a later version.',
        fixSql:
          `ALTER TABLE ${sqlRelation(relation, context)} ADD COLUMN ${sqlIdentifier(to)} <type of ${from}>;\n` +
          `-- a trigger keeps ${to} = ${from} for new rows; copy the rest in batches;\n` +
          `-- after the application reads ${to}, in a later version:\nALTER TABLE ${sqlRelation(relation, context)} DROP COLUMN ${sqlIdentifier(from)};`,
        relation,
        lock: observedLock(relation, statement, context) ?? ACCESS_EXCLUSIVE
      }
    ]
  }
}

export const renameTable: Rule = {
  id: 'rename-table',
  severity: 'warning',
  summary: 'RENAME of an existing table: breaks the application version still running',
  check(statement, context) {
    const rename = body(statement.node, 'RenameStmt')
    if (!rename || rename.renameType !== 'OBJECT_TABLE') return []
    const relation = rangeVarName(rename.relation, context.defaultSchema)
    const to = text(rename.newname)
    if (!relation || !to || !existedBefore(relation, context)) return []
    return [
      {
        severity: 'warning',
        message: `Renames ${describeRelation(relation, context)} to \`${to}\`: ${STILL_RUNNING}.`,
        fix:
          'Rename it and leave a view under the old name in the same version (a simple view is updatable: the running application keeps ' +
          'reading and writing through it); drop the view once no application version uses the old name.',
        fixSql:
          `ALTER TABLE ${sqlRelation(relation, context)} RENAME TO ${sqlIdentifier(to)};\n` +
          `CREATE VIEW ${sqlRelation(relation, context)} AS SELECT * FROM ${sqlIdentifier(relation.split('.')[0])}.${sqlIdentifier(to)};`,
        relation,
        lock: observedLock(relation, statement, context) ?? ACCESS_EXCLUSIVE
      }
    ]
  }
}

export const renameSchema: Rule = {
  id: 'rename-schema',
  severity: 'warning',
  summary: 'RENAME of an existing schema: breaks the application version still running',
  check(statement, context) {
    const rename = body(statement.node, 'RenameStmt')
    if (!rename || rename.renameType !== 'OBJECT_SCHEMA') return []
    const [from, to] = [text(rename.subname), text(rename.newname)]
    if (!from || !to || !schemaExistedBefore(from, context)) return []
    return [
      {
        severity: 'warning',
        message: `Renames schema \`${from}\` to \`${to}\`: ${STILL_RUNNING}.`,
        fix: 'Create the new schema and move the application to it over several versions (or keep the old name in the search_path of the running version); rename only names nothing uses.',
        fixSql: `-- after no application version uses ${from}, in a later version:\nALTER SCHEMA ${sqlIdentifier(from)} RENAME TO ${sqlIdentifier(to)};`,
        relation: null,
        lock: null
      }
    ]
  }
}
