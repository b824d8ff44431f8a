/**
 * Where the meta table is, and whether a table of its name is ours: resolved once per run, before
 * anything reads or writes the history, so that a migration that changes the default schema cannot move
 * the meta table under the engine's feet. The catalog query and its refusals are the dialect's.
 */
import type { MetaTableName } from '../meta-table-name.js'
import type { Target } from '../targets/target.js'
import type { EngineDialect } from './dialect.js'
import type { MetaTables } from './meta.js'

export async function resolveMetaTables(dialect: EngineDialect, target: Target, name: MetaTableName): Promise<MetaTables> {
  const query = dialect.history.namedTables(name)
  const { rows } = await target.query(query.sql, query.params)
  return dialect.history.resolveFromCatalog(name, rows[0] ?? {})
}
