/**
 * The schema of the connection's database as SchemaObjects for drift (src/drift), read from information_schema in
 * one query: tables, columns (type, nullability, default, generation, AUTO_INCREMENT, ON UPDATE), indexes, foreign
 * keys and checks, triggers, views and routines. Names are quoted as MySQL quotes them (backticks, doubled inside).
 * A view's query is read without its database's name, so that a throwaway database of another name compares equal.
 */
import type { MetaTables } from '../../engine/meta.js'
import type { SchemaObject } from '../../review/schema-change.js'
import type { Target } from '../../targets/target.js'

const q = (expression: string): string => `CONCAT('\`', REPLACE(${expression}, '\`', '\`\`'), '\`')`
const MARIADB = `VERSION() LIKE '%MariaDB%'`
const GENERATED = `IFNULL(c.GENERATION_EXPRESSION, '') <> ''`
/** MariaDB's COLUMN_DEFAULT is SQL already (NULL as the word); MySQL's is the bare value, or an expression when DEFAULT_GENERATED. */
const COLUMN_DEFAULT = `CASE WHEN ${GENERATED} OR c.COLUMN_DEFAULT IS NULL OR (c.COLUMN_DEFAULT = 'NULL' AND ${MARIADB}) THEN ''
            WHEN ${MARIADB} THEN CONCAT(' DEFAULT ', c.COLUMN_DEFAULT)
            WHEN c.EXTRA LIKE '%DEFAULT_GENERATED%' THEN CONCAT(' DEFAULT (', c.COLUMN_DEFAULT, ')')
            ELSE CONCAT(' DEFAULT ', QUOTE(c.COLUMN_DEFAULT)) END`
const WITHOUT_DATABASE = (text: string): string => `REPLACE(${text}, CONCAT(${q('DATABASE()')}, '.'), '')`
const KEY_COLUMNS = (column: string): string =>
  `(SELECT GROUP_CONCAT(${q(`k.${column}`)} ORDER BY k.ORDINAL_POSITION SEPARATOR ', ') FROM information_schema.KEY_COLUMN_USAGE k
     WHERE k.CONSTRAINT_SCHEMA = r.CONSTRAINT_SCHEMA AND k.TABLE_NAME = r.TABLE_NAME AND k.CONSTRAINT_NAME = r.CONSTRAINT_NAME)`
const PARAMETERS = `(SELECT GROUP_CONCAT(CONCAT(IF(p.ROUTINE_TYPE = 'PROCEDURE', CONCAT(a.PARAMETER_MODE, ' '), ''), ${q('a.PARAMETER_NAME')}, ' ', a.DTD_IDENTIFIER)
                           ORDER BY a.ORDINAL_POSITION SEPARATOR ', ')
     FROM information_schema.PARAMETERS a WHERE a.SPECIFIC_SCHEMA = p.ROUTINE_SCHEMA AND a.SPECIFIC_NAME = p.SPECIFIC_NAME AND a.ORDINAL_POSITION > 0)`

/** `bodies`: a routine's CREATE statement as its source (the throwaway's; the target's are not read, to keep the answer small). */
export const mysqlDriftQuery = (bodies: boolean): string => `
SELECT 'table' AS kind, ${q('t.TABLE_NAME')} AS name, NULL AS relation, 'table' AS definition, NULL AS source
  FROM information_schema.TABLES t WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'
UNION ALL
SELECT 'column', CONCAT(${q('c.TABLE_NAME')}, '.', ${q('c.COLUMN_NAME')}), ${q('c.TABLE_NAME')},
       CONCAT(${q('c.COLUMN_NAME')}, ' ', c.COLUMN_TYPE,
              IF(${GENERATED}, CONCAT(' GENERATED ALWAYS AS (', c.GENERATION_EXPRESSION, ') ', IF(c.EXTRA LIKE '%STORED%', 'STORED', 'VIRTUAL')), ''),
              IF(c.IS_NULLABLE = 'NO', ' NOT NULL', ''),
              ${COLUMN_DEFAULT},
              IF(c.EXTRA LIKE '%auto_increment%', ' AUTO_INCREMENT', ''),
              IF(LOWER(c.EXTRA) LIKE '%on update %', CONCAT(' ON UPDATE ', UPPER(SUBSTRING(c.EXTRA, LOCATE('on update ', LOWER(c.EXTRA)) + 10))), '')),
       NULL
  FROM information_schema.COLUMNS c
  JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME
 WHERE c.TABLE_SCHEMA = DATABASE() AND t.TABLE_TYPE = 'BASE TABLE'
UNION ALL
SELECT 'view', ${q('v.TABLE_NAME')}, NULL, CONCAT('view AS ', ${WITHOUT_DATABASE('v.VIEW_DEFINITION')}), ${WITHOUT_DATABASE('v.VIEW_DEFINITION')}
  FROM information_schema.VIEWS v WHERE v.TABLE_SCHEMA = DATABASE()
UNION ALL
SELECT 'index', CONCAT(${q('s.TABLE_NAME')}, '.', ${q('s.INDEX_NAME')}), ${q('s.TABLE_NAME')},
       CONCAT(CASE WHEN s.INDEX_NAME = 'PRIMARY' THEN 'PRIMARY KEY'
                   WHEN MAX(s.INDEX_TYPE) = 'FULLTEXT' THEN CONCAT('FULLTEXT INDEX ', ${q('s.INDEX_NAME')})
                   WHEN MAX(s.INDEX_TYPE) = 'SPATIAL' THEN CONCAT('SPATIAL INDEX ', ${q('s.INDEX_NAME')})
                   WHEN MAX(s.NON_UNIQUE) = 0 THEN CONCAT('UNIQUE INDEX ', ${q('s.INDEX_NAME')})
                   ELSE CONCAT('INDEX ', ${q('s.INDEX_NAME')}) END,
              ' (', GROUP_CONCAT(CONCAT(${q('s.COLUMN_NAME')}, IFNULL(CONCAT('(', s.SUB_PART, ')'), ''), IF(s.COLLATION = 'D', ' DESC', ''))
                                 ORDER BY s.SEQ_IN_INDEX SEPARATOR ', '), ')'),
       NULL
  FROM information_schema.STATISTICS s WHERE s.TABLE_SCHEMA = DATABASE()
 GROUP BY s.TABLE_NAME, s.INDEX_NAME
UNION ALL
SELECT 'constraint', CONCAT(${q('r.TABLE_NAME')}, '.', ${q('r.CONSTRAINT_NAME')}), ${q('r.TABLE_NAME')},
       CONCAT('FOREIGN KEY (', ${KEY_COLUMNS('COLUMN_NAME')}, ') REFERENCES ',
              IF(r.UNIQUE_CONSTRAINT_SCHEMA = DATABASE(), '', CONCAT(${q('r.UNIQUE_CONSTRAINT_SCHEMA')}, '.')), ${q('r.REFERENCED_TABLE_NAME')},
              ' (', ${KEY_COLUMNS('REFERENCED_COLUMN_NAME')}, ') ON DELETE ', r.DELETE_RULE, ' ON UPDATE ', r.UPDATE_RULE),
       'foreign key'
  FROM information_schema.REFERENTIAL_CONSTRAINTS r WHERE r.CONSTRAINT_SCHEMA = DATABASE()
UNION ALL
SELECT 'constraint', CONCAT(${q('tc.TABLE_NAME')}, '.', ${q('tc.CONSTRAINT_NAME')}), ${q('tc.TABLE_NAME')}, CONCAT('CHECK (', cc.CHECK_CLAUSE, ')'), 'check'
  FROM information_schema.TABLE_CONSTRAINTS tc
  JOIN information_schema.CHECK_CONSTRAINTS cc ON cc.CONSTRAINT_SCHEMA = tc.CONSTRAINT_SCHEMA AND cc.CONSTRAINT_NAME = tc.CONSTRAINT_NAME
 WHERE tc.CONSTRAINT_SCHEMA = DATABASE() AND tc.CONSTRAINT_TYPE = 'CHECK'
UNION ALL
SELECT 'trigger', CONCAT(${q('g.EVENT_OBJECT_TABLE')}, '.', ${q('g.TRIGGER_NAME')}), ${q('g.EVENT_OBJECT_TABLE')},
       CONCAT(g.ACTION_TIMING, ' ', g.EVENT_MANIPULATION, ' ON ', ${q('g.EVENT_OBJECT_TABLE')}, ' FOR EACH ROW ', g.ACTION_STATEMENT), NULL
  FROM information_schema.TRIGGERS g WHERE g.TRIGGER_SCHEMA = DATABASE()
UNION ALL
SELECT 'function', ${q('p.ROUTINE_NAME')}, NULL,
       CONCAT(LOWER(p.ROUTINE_TYPE), IF(p.ROUTINE_TYPE = 'FUNCTION', CONCAT(' returns ', p.DTD_IDENTIFIER), ''),
              ' (body ', LEFT(MD5(IFNULL(p.ROUTINE_DEFINITION, '')), 8), ')'),
       ${
         bodies
           ? `CONCAT('CREATE ', p.ROUTINE_TYPE, ' ', ${q('p.ROUTINE_NAME')}, '(', IFNULL(${PARAMETERS}, ''), ')',
              IF(p.ROUTINE_TYPE = 'FUNCTION', CONCAT(' RETURNS ', p.DTD_IDENTIFIER), ''),
              IF(p.IS_DETERMINISTIC = 'YES', ' DETERMINISTIC', ' NOT DETERMINISTIC'), ' ', p.SQL_DATA_ACCESS, '\n', p.ROUTINE_DEFINITION)`
           : 'NULL'
       }
  FROM information_schema.ROUTINES p WHERE p.ROUTINE_SCHEMA = DATABASE()`

/** The bare name of a backtick-quoted one: `` `a``b` `` → a`b. */
function unquoted(name: string): string {
  return name.replace(/^`|`$/g, '').replace(/``/g, '`')
}

/** Drift's snapshot over any transport: one call. Grants are not read on MySQL (`roles` is unused). */
export async function readMysqlDriftSnapshot(target: Target, options: { bodies: boolean; history: MetaTables }): Promise<SchemaObject[]> {
  const result = await target.query(mysqlDriftQuery(options.bodies))
  // The history's tables: the meta table and its lock and progress tables, in this database.
  const history = (relation: string | null): boolean => {
    if (relation === null) return false
    const name = unquoted(relation)
    return name === options.history.table || name.startsWith(`${options.history.table}_`)
  }
  return result.rows
    .map((row) => ({
      kind: String(row.kind) as SchemaObject['kind'],
      name: String(row.name),
      relation: row.relation === null ? null : String(row.relation),
      definition: row.definition === null ? '' : String(row.definition),
      source: row.source === null ? null : String(row.source)
    }))
    .filter((object) => !history(object.kind === 'table' ? object.name : object.relation))
}
