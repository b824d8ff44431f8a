#!/usr/bin/env node
/**
 * Fetches the two real MySQL migration suites the MySQL corpus test applies (__tests__/integration/mysql-corpora.test.ts)
 * into .cache/corpora/, from the registries this project uses and nowhere else; nothing is installed and nothing
 * of theirs is committed:
 *
 * - Umami 2.10.0 (MIT): its package tarball from the npm registry (`npm pack`, no dependencies), of which only
 *   db/mysql/migrations/ is kept.
 * - FreeRADIUS 3.2.1 (GPL-2): Debian's freeradius-config package (`apt-get download`, unpacked with dpkg-deb -x,
 *   no install script run), of which only etc/freeradius/3.0/mods-config/sql/ is kept.
 *
 * Usage: npm run fetch:corpora. Run again, it keeps what it has. `.ci/run` runs it before the tests.
 */
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

const root = path.resolve(import.meta.dirname, '..')
const cache = path.join(root, '.cache', 'corpora')

export const CORPORA = {
  umami: { dir: path.join(cache, 'umami-2.10.0'), check: 'db/mysql/migrations/01_init/migration.sql' },
  freeradius: { dir: path.join(cache, 'freeradius-config-3.2.1'), check: 'etc/freeradius/3.0/mods-config/sql/main/mysql/schema.sql' }
}

function run(file, args, cwd) {
  execFileSync(file, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' })
}

function have(corpus) {
  return fs.existsSync(path.join(corpus.dir, corpus.check))
}

function fetchUmami() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'corpora-umami-'))
  try {
    run('npm', ['pack', 'umami@2.10.0', '--silent', '--pack-destination', work], work)
    const tarball = fs.readdirSync(work).find((name) => name.endsWith('.tgz'))
    if (!tarball) throw new Error('npm pack umami@2.10.0 left no tarball')
    run('tar', ['-xzf', tarball, 'package/db/mysql/migrations'], work)
    const into = path.join(CORPORA.umami.dir, 'db', 'mysql')
    fs.mkdirSync(into, { recursive: true })
    fs.cpSync(path.join(work, 'package', 'db', 'mysql', 'migrations'), path.join(into, 'migrations'), { recursive: true })
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

function fetchFreeradius() {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'corpora-freeradius-'))
  try {
    // apt-get download as root warns that _apt cannot write the folder; the download itself works.
    fs.chmodSync(work, 0o777)
    const download = () => run('apt-get', ['download', '-q', 'freeradius-config=3.2.1+dfsg-4+deb12u1'], work)
    try {
      download()
    } catch (error) {
      // A machine whose package lists were never fetched knows no package yet: fetch them (root only), then again.
      if (process.getuid?.() !== 0) throw error
      run('apt-get', ['update', '-qq'], work)
      download()
    }
    const deb = fs.readdirSync(work).find((name) => name.endsWith('.deb'))
    if (!deb) throw new Error('apt-get download freeradius-config left no package')
    run('dpkg-deb', ['-x', deb, 'unpacked'], work)
    const sql = path.join('etc', 'freeradius', '3.0', 'mods-config', 'sql')
    fs.mkdirSync(path.join(CORPORA.freeradius.dir, path.dirname(sql)), { recursive: true })
    fs.cpSync(path.join(work, 'unpacked', sql), path.join(CORPORA.freeradius.dir, sql), { recursive: true })
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  let failed = false
  /** @type {Array<[keyof typeof CORPORA, () => void]>} */
  const fetchers = [
    ['umami', fetchUmami],
    ['freeradius', fetchFreeradius]
  ]
  for (const [name, fetch] of fetchers) {
    const corpus = CORPORA[name]
    if (have(corpus)) {
      console.log(`${name}: already in ${path.relative(root, corpus.dir)}`)
      continue
    }
    try {
      fetch()
      if (!have(corpus)) throw new Error(`${corpus.check} is not in what was fetched`)
      console.log(`${name}: fetched into ${path.relative(root, corpus.dir)}`)
    } catch (error) {
      failed = true
      console.error(`${name}: could not be fetched: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
  process.exitCode = failed ? 1 : 0
}
