/**
 * Databases on the test file's MariaDB/MySQL server (use-mysql-server.ts) for the MySQL transport's tests and
 * its contract fixture: a fresh database per test, and a direct look at it apart from the transport under test.
 */
import { randomBytes } from 'node:crypto'
import mysql from 'mysql2/promise'
import type { TestDatabase } from './contract/fixture.js'

/** Runs one statement on a new connection (`?` placeholders), and returns its rows (or nothing for a statement without). */
export async function mysqlSql<T extends Record<string, unknown> = Record<string, unknown>>(
  url: string,
  text: string,
  params: unknown[] = []
): Promise<T[]> {
  // As the transports connect: without mysql2's default IGNORE_SPACE, which would change the session's sql_mode.
  const connection = await mysql.createConnection({
    uri: url,
    dateStrings: true,
    supportBigNumbers: true,
    charset: 'utf8mb4',
    flags: ['-IGNORE_SPACE']
  })
  try {
    const [rows] = await connection.query(text, params)
    return Array.isArray(rows) ? (rows as T[]) : []
  } finally {
    await connection.end()
  }
}

/** The URL of database `name` on the server at `serverUrl` (`mysql://root@127.0.0.1:PORT/`). */
export function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  return url.toString()
}

/** A new, empty database with a unique name (`prefix` and random hex); drop() removes it. */
export async function createMysqlDatabase(serverUrl: string, prefix: string): Promise<TestDatabase> {
  const name = `${prefix.replace(/[^A-Za-z0-9_]/g, '_').slice(0, 40)}_${randomBytes(4).toString('hex')}`
  await mysqlSql(serverUrl, `CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`)
  return {
    name,
    url: databaseUrl(serverUrl, name),
    drop: async () => {
      await mysqlSql(serverUrl, `DROP DATABASE IF EXISTS \`${name}\``)
    }
  }
}
