/**
 * MySQL's SQL for drift (src/drift): the statements that turn one catalog object into another, from the snapshot's
 * rows (drift-snapshot.ts). Names arrive quoted (backticks), so they are written as they are. A trigger's or
 * routine's statement is one statement with its body: the mysql client needs a DELIMITER around it.
 */
import type { SchemaObject } from '../../review/schema-change.js'
import type { SqlStep } from '../../drift/dialect.js'

const drop = (sql: string): SqlStep => ({ phase: 'drop', sql })
const create = (sql: string): SqlStep => ({ phase: 'create', sql })

/** The object's own name, without its table: `` `orders`.`orders_ibfk_1` `` → `` `orders_ibfk_1` ``. */
function ownName(object: SchemaObject): string {
  return object.relation && object.name.startsWith(`${object.relation}.`) ? object.name.slice(object.relation.length + 1) : object.name
}

/** An index is written inside its table's CREATE TABLE: an AUTO_INCREMENT column needs its key there. */
export function createdWithMysqlTable(object: SchemaObject): boolean {
  return object.kind === 'index'
}

function createSteps(object: SchemaObject, objects: readonly SchemaObject[]): SqlStep[] {
  switch (object.kind) {
    case 'table': {
      const parts = [
        ...objects.filter((o) => o.kind === 'column' && o.relation === object.name),
        ...objects.filter((o) => o.kind === 'index' && o.relation === object.name)
      ].map((o) => `  ${o.definition}`)
      return [create(`CREATE TABLE ${object.name} (\n${parts.join(',\n')}\n);`)]
    }
    case 'column':
      return [create(`ALTER TABLE ${object.relation} ADD COLUMN ${object.definition};`)]
    case 'view':
      return [create(`CREATE VIEW ${object.name} AS ${object.source ?? ''};`)]
    case 'index':
      return [create(`ALTER TABLE ${object.relation} ADD ${object.definition};`)]
    case 'constraint':
      return [create(`ALTER TABLE ${object.relation} ADD CONSTRAINT ${ownName(object)} ${object.definition};`)]
    case 'trigger':
      return [create(`CREATE TRIGGER ${ownName(object)} ${object.definition};`)]
    case 'function':
      return [
        create(
          object.source
            ? `${object.source};`
            : `-- ${object.name}: its definition is not read with the catalog; take it from the database with SHOW CREATE ${object.definition.startsWith('procedure') ? 'PROCEDURE' : 'FUNCTION'} ${object.name};`
        )
      ]
    default:
      return [create(`-- ${object.kind} ${object.name} (${object.definition}): write it by hand`)]
  }
}

function dropSteps(object: SchemaObject): SqlStep[] {
  switch (object.kind) {
    case 'table':
      return [drop(`DROP TABLE ${object.name};`)]
    case 'column':
      return [drop(`ALTER TABLE ${object.relation} DROP COLUMN ${ownName(object)};`)]
    case 'view':
      return [drop(`DROP VIEW ${object.name};`)]
    case 'index':
      return [
        drop(
          object.definition.startsWith('PRIMARY KEY')
            ? `ALTER TABLE ${object.relation} DROP PRIMARY KEY;`
            : `ALTER TABLE ${object.relation} DROP INDEX ${ownName(object)};`
        )
      ]
    case 'constraint':
      return [
        drop(`ALTER TABLE ${object.relation} DROP ${object.source === 'foreign key' ? 'FOREIGN KEY' : 'CONSTRAINT'} ${ownName(object)};`)
      ]
    case 'trigger':
      return [drop(`DROP TRIGGER ${ownName(object)};`)]
    case 'function':
      return [drop(`DROP ${object.definition.startsWith('procedure') ? 'PROCEDURE' : 'FUNCTION'} ${object.name};`)]
    default:
      return [drop(`-- ${object.kind} ${object.name}: drop it by hand`)]
  }
}

function changeSteps(from: SchemaObject, to: SchemaObject, objects: readonly SchemaObject[]): SqlStep[] {
  switch (to.kind) {
    case 'column':
      return [create(`ALTER TABLE ${to.relation} MODIFY COLUMN ${to.definition};`)]
    case 'view':
      return [create(`CREATE OR REPLACE VIEW ${to.name} AS ${to.source ?? ''};`)]
    default:
      return [...dropSteps(from), ...createSteps(to, objects)]
  }
}

/** The SQL that turns `from` into `to` (see DriftDialect.transition). */
export function mysqlTransition(from: SchemaObject | null, to: SchemaObject | null, objects: readonly SchemaObject[]): SqlStep[] {
  if (from && to) return changeSteps(from, to, objects)
  if (to) return createSteps(to, objects)
  return from ? dropSteps(from) : []
}
