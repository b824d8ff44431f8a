/**
 * One copy of the PostgreSQL binaries per version and content: as root, a server user who cannot reach the
 * binaries (a clone in a private folder) runs them from a copy in the temporary directory. Two clones of a
 * project in two places hold the same binaries and share one copy; a copy nobody has used for a day and no
 * process runs from is removed, one a process runs from is not.
 */
import { spawn, execFileSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseVersion } from '../../src/dialects/postgresql/shadow/binaries.js'
import {
  binariesFor,
  COPY_PREFIX,
  installationDigest,
  removeStaleCopies,
  serverUser,
  sharedCopyDir
} from '../../src/dialects/postgresql/shadow/server-user.js'
import { embeddedBinDir } from '../../testkit/postgres.js'

const EMBEDDED_ROOT = path.dirname(embeddedBinDir())
const DAY = 24 * 60 * 60 * 1000

/** A clone's installation: bin, lib and share of the embedded binaries, hard-linked (same content, another path), in a private folder. */
function privateClone(): { dir: string; binDir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-clone-'))
  const root = path.join(dir, 'node_modules', 'native')
  const link = (relative: string): void => {
    const from = path.join(EMBEDDED_ROOT, relative)
    const to = path.join(root, relative)
    const stat = fs.lstatSync(from)
    if (stat.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(from), to)
    else if (stat.isDirectory()) {
      fs.mkdirSync(to, { recursive: true })
      for (const name of fs.readdirSync(from)) link(path.join(relative, name))
    } else fs.linkSync(from, to)
  }
  for (const part of ['bin', 'lib', 'share']) link(part)
  return { dir, binDir: path.join(root, 'bin') }
}

function ageBy(dir: string, ms: number): void {
  const then = new Date(Date.now() - ms)
  fs.utimesSync(dir, then, then)
}

const describeAsRoot = process.getuid?.() === 0 ? describe : describe.skip

describeAsRoot('one copy of the binaries per version and content', () => {
  test('two clones in two places with the same binaries share one copy in the temporary directory', () => {
    const version = parseVersion(execFileSync(path.join(embeddedBinDir(), 'postgres'), ['--version'], { encoding: 'utf8' }))!
    const clones = [privateClone(), privateClone()]
    const made: string[] = []
    try {
      const before = new Set(fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith(COPY_PREFIX)))
      const logs: string[] = []
      const used = clones.map(({ binDir }, index) => binariesFor(serverUser()!, binDir, version, (m) => logs.push(`${index + 1}: ${m}`)))
      const shared = sharedCopyDir(clones[0].binDir, version)
      made.push(shared)
      expect(sharedCopyDir(clones[1].binDir, version)).toBe(shared)
      expect(path.basename(shared)).toBe(`${COPY_PREFIX}${version}-${installationDigest(EMBEDDED_ROOT).slice(0, 16)}`)
      expect(used).toEqual([path.join(shared, 'bin'), path.join(shared, 'bin')])
      // The second clone found the copy the first one made (or one an earlier run made) and copied nothing.
      expect(logs.join('\n')).toMatch(/^2: The '\w+' user cannot reach .*aurora-migrate-clone-.*: using the copy of it in /m)
      const after = fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith(COPY_PREFIX) && !before.has(name))
      expect(after.filter((name) => path.join(os.tmpdir(), name) !== shared)).toEqual([])
      // What the copy holds is what the clones hold.
      expect(installationDigest(shared)).toBe(installationDigest(path.dirname(clones[0].binDir)))
      expect(execFileSync(path.join(shared, 'bin', 'postgres'), ['--version'], { encoding: 'utf8' })).toContain(version)
    } finally {
      for (const { dir } of clones) fs.rmSync(dir, { recursive: true, force: true })
    }
  })

  test('another content is another copy: the digest covers every file', () => {
    const clone = privateClone()
    try {
      const root = path.dirname(clone.binDir)
      const original = installationDigest(root)
      const changed = path.join(root, 'share', 'extra.sql')
      fs.writeFileSync(changed, '-- one more file\n')
      // A new process would read it afresh: the digest is kept per process, so read a second path to the same folder.
      fs.symlinkSync(root, `${root}-again`)
      expect(installationDigest(`${root}-again`)).not.toBe(original)
    } finally {
      fs.rmSync(clone.dir, { recursive: true, force: true })
    }
  })

  test('a stale copy is removed; a recent one, one a process runs from, another user’s and a symlink are left', async () => {
    const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-tmp-'))
    const copy = (name: string): string => {
      const dir = path.join(tmpDir, `${COPY_PREFIX}${name}`)
      fs.mkdirSync(path.join(dir, 'bin'), { recursive: true })
      fs.copyFileSync('/bin/sleep', path.join(dir, 'bin', 'sleep'))
      fs.chmodSync(path.join(dir, 'bin', 'sleep'), 0o755)
      return dir
    }
    const stale = copy('15.4-aaaaaaaaaaaaaaaa')
    const staging = copy('15.4-aaaaaaaaaaaaaaaa.tmp-x1')
    const recent = copy('16.2-bbbbbbbbbbbbbbbb')
    const busy = copy('17.0-cccccccccccccccc')
    const others = copy('14.1-dddddddddddddddd')
    const kept = copy('18.4-eeeeeeeeeeeeeeee')
    const link = path.join(tmpDir, `${COPY_PREFIX}13.0-ffffffffffffffff`)
    fs.symlinkSync(stale, link, 'dir')
    fs.chownSync(others, serverUser()!.uid, serverUser()!.gid)
    const sleeper = spawn(path.join(busy, 'bin', 'sleep'), ['30'], { stdio: 'ignore' })
    try {
      await new Promise((resolve) => setTimeout(resolve, 200))
      expect(fs.readlinkSync(`/proc/${sleeper.pid}/exe`)).toBe(path.join(busy, 'bin', 'sleep'))
      for (const dir of [stale, staging, busy, others, kept]) ageBy(dir, 3 * DAY)
      ageBy(recent, DAY / 2)
      const logs: string[] = []
      const removed = removeStaleCopies({ tmpDir, keep: kept, log: (m) => logs.push(m) })
      expect(removed.sort()).toEqual([path.basename(stale), path.basename(staging)].sort())
      const left = fs.readdirSync(tmpDir).sort()
      expect(left).toEqual([busy, kept, link, others, recent].map((dir) => path.basename(dir)).sort())
      expect(logs).toEqual([expect.stringMatching(/^Removed unused copies of PostgreSQL from .*aurora-migrate-tmp-.*: /)])
      // The copy a process ran from goes once the process has ended.
      sleeper.kill()
      await new Promise((resolve) => sleeper.once('exit', resolve))
      expect(removeStaleCopies({ tmpDir, keep: kept })).toEqual([path.basename(busy)])
      expect(fs.existsSync(busy)).toBe(false)
      expect(fs.existsSync(kept)).toBe(true)
    } finally {
      sleeper.kill()
      fs.rmSync(tmpDir, { recursive: true, force: true })
    }
  })
})
