/**
 * Proves on the throwaway server which algorithm a pending ALTER takes: an empty copy of its table
 * (`CREATE TABLE <copy> LIKE <table>`, beside it), the statement run on the copy with ALGORITHM=INSTANT, then
 * INPLACE when the server refuses that (1845/1846, 1221, 4092), then COPY; the copy dropped whatever happens.
 * Whether the accepted run rebuilt the table is read from InnoDB's table id (MariaDB's INNODB_SYS_TABLES,
 * MySQL's INNODB_TABLES): a rebuild gives the table a new one. The copy is empty and fresh, so what depends on
 * the rows (a UNIQUE index over duplicates) or on the table's history (MySQL's 64 instant row versions) is not
 * part of the proof.
 */
import { randomBytes } from 'node:crypto'
import { DatabaseError, errorMessage } from '../../../errors.js'
import type { Target } from '../../../targets/target.js'
import {
  ALGORITHM_REFUSED,
  INSTANT_WITH_LOCK_REFUSED,
  LOCK_REFUSED,
  ROW_VERSIONS_REFUSED,
  type Algorithm,
  type Server
} from '../review/algorithm.js'
import { versionParts } from '../review/algorithm-engines.js'
import { innodbFilename } from '../review/catalog-filename.js'
import type { MysqlNode, TableName } from '../review/node.js'
import { probePlan } from './probe-sql.js'

export type ProvedAlgorithm = { accepted: Algorithm; rebuilt: boolean | null; server: string } | { unproved: string }

/** The answers that mean "not with this algorithm": the server refuses before it changes anything. */
const REFUSED = new Set([ALGORITHM_REFUSED, LOCK_REFUSED, INSTANT_WITH_LOCK_REFUSED, ROW_VERSIONS_REFUSED])
const NO_SUCH_TABLE = 1146
/** ER_CANT_DROP_FIELD_OR_KEY: what DROP FOREIGN KEY gets on the copy, which CREATE TABLE … LIKE makes without foreign keys. */
const NO_SUCH_KEY = 1091
/** What the copies are called; each probe's own name, dropped when it is done. */
export const PROBE_PREFIX = 'aurora_migrate_probe_'

/** The throwaway server as the proof names it ("MariaDB 10.11.19"), and its flavor for the algorithm table. */
export interface ProbeServer extends Server {
  name: string
}

export function probeServer(version: string): ProbeServer {
  const flavor = /mariadb/i.test(version) ? 'mariadb' : 'mysql'
  const number = versionParts(version).join('.')
  return { flavor, version: number, name: `${flavor === 'mariadb' ? 'MariaDB' : 'MySQL'} ${number}` }
}

const quote = (name: string): string => `\`${name.replace(/`/g, '``')}\``
const sqlName = (table: TableName): string => (table.schema === null ? quote(table.name) : `${quote(table.schema)}.${quote(table.name)}`)

function errno(error: unknown): number | null {
  return error instanceof DatabaseError ? (error.info.errno ?? null) : null
}

/** The copy's InnoDB table id, or null where it cannot be read (no PROCESS privilege, a name InnoDB spells otherwise). */
async function tableId(target: Target, server: ProbeServer, schema: string, copy: string): Promise<string | null> {
  const schemaFile = innodbFilename(schema)
  const tableFile = innodbFilename(copy)
  if (schemaFile === null || tableFile === null) return null
  const view = server.flavor === 'mariadb' ? 'information_schema.INNODB_SYS_TABLES' : 'information_schema.INNODB_TABLES'
  try {
    const { rows } = await target.query(`SELECT TABLE_ID AS id FROM ${view} WHERE NAME = :name`, { name: `${schemaFile}/${tableFile}` })
    return rows.length === 1 && rows[0].id !== null ? String(rows[0].id) : null
  } catch {
    return null
  }
}

/**
 * Which algorithm `sql` takes on an empty copy of its table on `target` (the throwaway database), with the
 * session statements the engine runs it with. Never throws: what cannot be proved says why.
 */
export async function proveAlgorithm(
  target: Target,
  server: ProbeServer,
  sql: string,
  node: MysqlNode,
  session: string[]
): Promise<ProvedAlgorithm> {
  const plan = probePlan(sql, node)
  if ('unproved' in plan) return plan
  if (node.kind !== 'alter-table' && node.kind !== 'create-index' && node.kind !== 'drop-index') return { unproved: 'not table DDL' }
  const copy = `${PROBE_PREFIX}${randomBytes(6).toString('hex')}`
  const copyName: TableName = { schema: node.table.schema, name: copy }
  try {
    await target.query(`CREATE TABLE ${sqlName(copyName)} LIKE ${sqlName(node.table)}`)
  } catch (error) {
    if (errno(error) === NO_SUCH_TABLE)
      return { unproved: `the table ${sqlName(node.table)} does not exist on the throwaway server before it` }
    return { unproved: `its table could not be copied for the probe: ${errorMessage(error)}` }
  }
  try {
    const schema = node.table.schema ?? String((await target.query('SELECT DATABASE() AS name')).rows[0]?.name ?? '')
    const before = await tableId(target, server, schema, copy)
    const refusals: string[] = []
    for (const algorithm of plan.candidates) {
      try {
        await target.query(plan.text(copy, algorithm), undefined, session.length ? { session } : undefined)
      } catch (error) {
        const code = errno(error)
        if (code !== null && REFUSED.has(code)) {
          refusals.push(`${algorithm.toUpperCase()}: ${errorMessage(error)}`)
          continue
        }
        if (code === NO_SUCH_KEY && node.kind === 'alter-table' && node.clauses.some((clause) => clause.op === 'drop-foreign-key'))
          return { unproved: 'CREATE TABLE … LIKE copies no foreign keys, so the probe cannot drop one on its copy' }
        return { unproved: `the probe on an empty copy failed: ${errorMessage(error)}` }
      }
      const after = before === null ? null : await tableId(target, server, schema, copy)
      return { accepted: algorithm, rebuilt: before === null || after === null ? null : before !== after, server: server.name }
    }
    return { unproved: `the server refused every algorithm on an empty copy (${refusals.join('; ')})` }
  } catch (error) {
    return { unproved: `the probe could not run: ${errorMessage(error)}` }
  } finally {
    await target.query(`DROP TABLE IF EXISTS ${sqlName(copyName)}`).catch(() => {})
  }
}
