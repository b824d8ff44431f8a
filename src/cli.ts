#!/usr/bin/env node
/** The command line's entry: `aurora-migrate <command> [flags]` (src/cli/run.ts). Bundled to dist/cli/index.js. */
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { runCli } from './cli/run.js'

/** The package's version: package.json two folders up from dist/cli/index.js (one from src/cli.ts). */
function packageVersion(): string {
  const here = path.dirname(fileURLToPath(import.meta.url))
  for (const up of ['../..', '..']) {
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(here, up, 'package.json'), 'utf8')) as { name?: string; version?: string }
      if (manifest.name === 'aurora-migrate' && manifest.version) return manifest.version
    } catch {
      // Not there: the next place.
    }
  }
  return 'unknown'
}

void runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  cwd: process.cwd(),
  version: packageVersion()
}).then((code) => {
  process.exitCode = code
})
