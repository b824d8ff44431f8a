// Builds dist/ from src/ with @vercel/ncc: one self-contained dist/index.js for the GitHub Actions runner,
// dist/cli/index.js for the command line (package.json's `bin`, over the same commands), and
// dist/runner/index.js from runner/ for the runner Lambda (scripts/package-runner.mjs zips it).
// Both are built in .tmp/ first and replace dist/ only when both succeed, so a failed build never
// leaves dist/ half-written. Deterministic, so CI can rebuild and compare (see .ci/run).
import { execFileSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const ncc = path.join(root, 'node_modules', '.bin', 'ncc')
const staging = path.join(root, '.tmp', 'bundle')

function build(entry, outDir) {
  fs.rmSync(outDir, { recursive: true, force: true })
  execFileSync(ncc, ['build', entry, '-o', outDir, '--license', 'licenses.txt', '--target', 'es2022', '-q'], {
    cwd: root,
    stdio: 'inherit'
  })
}

fs.rmSync(staging, { recursive: true, force: true })
build('src/index.ts', path.join(staging, 'dist'))
// PostgreSQL's parser (src/dialects/postgresql/review/parse.ts) loads its WebAssembly from the bundle's directory.
fs.copyFileSync(path.join(root, 'node_modules', 'libpg-query', 'wasm', 'libpg-query.wasm'), path.join(staging, 'dist', 'libpg-query.wasm'))
build('src/cli.ts', path.join(staging, 'cli'))
fs.copyFileSync(path.join(root, 'node_modules', 'libpg-query', 'wasm', 'libpg-query.wasm'), path.join(staging, 'cli', 'libpg-query.wasm'))
fs.renameSync(path.join(staging, 'cli'), path.join(staging, 'dist', 'cli'))
build('runner/index.ts', path.join(staging, 'runner'))
fs.renameSync(path.join(staging, 'runner'), path.join(staging, 'dist', 'runner'))
fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true })
fs.renameSync(path.join(staging, 'dist'), path.join(root, 'dist'))
fs.rmSync(staging, { recursive: true, force: true })
