// Builds dist/ from src/ with @vercel/ncc: one self-contained dist/index.js for the runner.
// Deterministic, so CI can rebuild and compare (see .ci/run).
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const ncc = path.join(root, 'node_modules', '.bin', 'ncc')

function build(entry, outDir) {
  fs.rmSync(path.join(root, outDir), { recursive: true, force: true })
  execFileSync(ncc, ['build', entry, '-o', outDir, '--license', 'licenses.txt', '--target', 'es2022', '-q'], { cwd: root, stdio: 'inherit' })
}

build('src/index.ts', 'dist')
