/**
 * What the target's catalog says of the relations the pending statements touch: existence, kind,
 * estimated rows, total size, the null fraction of their columns, the tables whose foreign keys reference
 * them, and which columns are NOT NULL or proved so by a valid CHECK (col IS NOT NULL). One query for all of them, through
 * the Target (one Data API call).
 *
 * Catalog reads only: to_regclass resolves a name without taking a lock, pg_class and pg_stats are read
 * as any query reads them, and pg_total_relation_size opens the relation with ACCESS SHARE for a moment
 * (the weakest lock: it waits only behind an ACCESS EXCLUSIVE held or queued on that table). No user
 * table is scanned. Every value is cast to text, bigint or float8: the Data API cannot return `name`,
 * `regclass` or `"char"` columns.
 *
 * When plan verifies, the same call also reads the target's settings that change what a statement does
 * (TimeZone, DateStyle, the database's locale, the server's version …; see ../shadow/target-settings.ts), in
 * one more row whose `name` is NULL, so that the throwaway database can be made to match them.
 */
import type { TargetSettings } from '../../../review/dialect.js'
import type { Target } from '../../../targets/target.js'
import { parseTargetSettings, TARGET_SETTINGS_SQL } from './settings.js'
import type { RelationFacts } from '../../../review/types.js'

/** Columns per table whose null fraction is read: keeps a row far below the Data API's 64 KB. */
export const NULL_FRACTION_COLUMNS = 200

const KINDS: Record<string, RelationFacts['kind']> = {
  r: 'table',
  p: 'partitioned table',
  i: 'index',
  I: 'index',
  v: 'view',
  m: 'materialized view',
  S: 'sequence'
}

// The name is split at its first dot (schema names never hold one here: they come folded from the parser).
const WANTED = `WITH wanted AS (
  SELECT w.name, to_regclass(quote_ident(split_part(w.name, '.', 1)) || '.' || quote_ident(substr(w.name, strpos(w.name, '.') + 1))) AS oid
  FROM json_array_elements_text(CAST(:relations AS json)) AS w(name)
  WHERE strpos(w.name, '.') > 0
)`

const RELATIONS = `SELECT w.name::text AS name,
  c.relkind::text AS kind,
  c.reltuples::float8 AS rows,
  CASE WHEN c.relkind IN ('r', 'p', 'm', 'i', 'I') THEN pg_total_relation_size(c.oid)::bigint END AS bytes,
  (SELECT json_object_agg(s.attname, s.null_frac)::text
     FROM (SELECT st.attname::text AS attname, st.null_frac::float8 AS null_frac
             FROM pg_stats st
            WHERE st.schemaname = n.nspname AND st.tablename = c.relname AND NOT st.inherited
            ORDER BY st.attname
            LIMIT ${NULL_FRACTION_COLUMNS}) s) AS null_fractions,
  (SELECT json_agg(r.name ORDER BY r.name)::text
     FROM (SELECT DISTINCT rn.nspname::text || '.' || rc.relname::text AS name
             FROM pg_constraint k
             JOIN pg_class rc ON rc.oid = k.conrelid
             JOIN pg_namespace rn ON rn.oid = rc.relnamespace
            WHERE k.confrelid = c.oid AND k.contype = 'f' AND k.conrelid <> c.oid
            ORDER BY 1
            LIMIT ${NULL_FRACTION_COLUMNS}) r) AS referenced_by,
  (SELECT json_agg(a.attname ORDER BY a.attnum)::text
     FROM (SELECT at.attname::text AS attname, at.attnum
             FROM pg_attribute at
            WHERE at.attrelid = c.oid AND at.attnum > 0 AND NOT at.attisdropped AND at.attnotnull
            ORDER BY at.attnum
            LIMIT ${NULL_FRACTION_COLUMNS}) a) AS not_null,
  (SELECT json_agg(DISTINCT a.attname::text)::text
     FROM pg_constraint k
     JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
    WHERE k.conrelid = c.oid AND k.contype = 'c' AND k.convalidated AND cardinality(k.conkey) = 1
      AND pg_get_constraintdef(k.oid) = 'CHECK ((' || quote_ident(a.attname) || ' IS NOT NULL))') AS checked_not_null`

const FROM_WANTED = `FROM wanted w
JOIN pg_class c ON c.oid = w.oid
JOIN pg_namespace n ON n.oid = c.relnamespace`

const CATALOG_QUERY = `${WANTED}
${RELATIONS}
${FROM_WANTED}`

/** The same after one row whose name is NULL and whose `settings` holds the target's settings. */
const CATALOG_AND_SETTINGS_QUERY = `${WANTED}
SELECT NULL::text AS name, NULL::text AS kind, NULL::float8 AS rows, NULL::bigint AS bytes, NULL::text AS null_fractions,
  NULL::text AS referenced_by, NULL::text AS not_null, NULL::text AS checked_not_null,
  ${TARGET_SETTINGS_SQL} AS settings
UNION ALL
${RELATIONS},
  NULL::text AS settings
${FROM_WANTED}`

/**
 * Facts by `schema.name` for every relation that exists; a relation that does not exist is absent from
 * the map. No call at all for an empty list.
 */
export async function readCatalogFacts(target: Target, relations: string[]): Promise<Map<string, RelationFacts>> {
  const wanted = [...new Set(relations)]
  if (wanted.length === 0) return new Map()
  return (await readTargetCatalog(target, wanted, { settings: false })).facts
}

/**
 * The facts of readCatalogFacts and, with `settings`, the target's settings, in one call (made even for no
 * relations when the settings are wanted). `settings` is null when they were not asked for.
 */
export async function readTargetCatalog(
  target: Target,
  relations: string[],
  options: { settings: boolean }
): Promise<{ facts: Map<string, RelationFacts>; settings: TargetSettings | null }> {
  const facts = new Map<string, RelationFacts>()
  let settings: TargetSettings | null = null
  const wanted = [...new Set(relations)]
  if (wanted.length === 0 && !options.settings) return { facts, settings }
  const query = options.settings ? CATALOG_AND_SETTINGS_QUERY : CATALOG_QUERY
  const result = await target.query(query, { relations: JSON.stringify(wanted) })
  for (const row of result.rows) {
    if (row.name === null) {
      settings = parseTargetSettings(row.settings)
      continue
    }
    const name = String(row.name)
    const rows = row.rows === null ? null : Number(row.rows)
    const relation: RelationFacts = {
      name,
      kind: KINDS[String(row.kind)] ?? 'other',
      // reltuples is -1 on a table never vacuumed or analyzed (PostgreSQL 14 and later): unknown, not empty.
      rows: rows === null || rows < 0 ? null : Math.round(rows),
      bytes: row.bytes === null ? null : Number(row.bytes)
    }
    if (typeof row.null_fractions === 'string') relation.nullFraction = JSON.parse(row.null_fractions) as Record<string, number>
    // Read for every table (empty lists included), so that a rule can tell "none" from "not read".
    if (relation.kind === 'table' || relation.kind === 'partitioned table') {
      relation.referencedBy = names(row.referenced_by)
      relation.notNullColumns = names(row.not_null)
      relation.checkedNotNullColumns = names(row.checked_not_null)
    }
    facts.set(name, relation)
  }
  return { facts, settings }
}

/** A JSON array of names as the query returns it (text, or NULL for none). */
function names(value: unknown): string[] {
  if (typeof value !== 'string') return []
  const parsed: unknown = JSON.parse(value)
  return Array.isArray(parsed) ? parsed.filter((name): name is string => typeof name === 'string') : []
}
