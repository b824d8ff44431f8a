/** The command line in-process (src/cli/run.ts), its stdout and stderr captured, for the tests that run it. */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { runCli } from '../src/cli/run.js'
import { writeMigrations } from './versions.js'

export interface CliRun {
  code: number
  stdout: string
  stderr: string
}

/** Runs `aurora-migrate <argv>` in `cwd`; `env` is all the environment it sees (the AWS SDK still reads the process's). */
export async function runCliCaptured(argv: readonly string[], cwd: string, env: NodeJS.ProcessEnv): Promise<CliRun> {
  let stdout = ''
  let stderr = ''
  const code = await runCli(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
    cwd,
    version: '9.9.9'
  })
  return { code, stdout, stderr }
}

/** A new project folder holding the given migrations under migrations/resources. */
export function cliProject(files: Record<string, string>, prefix = 'aurora-migrate-cli-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix))
  writeMigrations(files, path.join(dir, 'migrations', 'resources'))
  return dir
}
