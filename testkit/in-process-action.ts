/**
 * The action's own `run()` (src/main.ts) in this process, as a runner starts it: only the inputs given, as INPUT_*
 * variables, with the workflow's GITHUB_* variables the test gives, fresh output and summary files, and stdout (the
 * workflow commands) captured. The process's environment and exit code are restored afterwards. For what the bundle
 * does, testkit/action-runner.ts runs dist/index.js in a child process instead.
 *
 * src/main.ts is imported on the first run, after the variables are set: @actions/github reads GITHUB_API_URL when it
 * is first imported.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { parseOutputFile } from './action-runner.js'

/** One summary file for the process: @actions/core keeps the first GITHUB_STEP_SUMMARY path it reads. */
const SUMMARY_FILE = path.join(os.tmpdir(), `aurora-migrate-in-process-summary-${process.pid}.md`)
const OUTPUT_FILE = path.join(os.tmpdir(), `aurora-migrate-in-process-output-${process.pid}.txt`)

export interface InProcessRun {
  /** process.exitCode as the run left it (0 when it set none). */
  exitCode: number
  stdout: string
  outputs: Record<string, string>
  summary: string
}

export async function runInProcess(inputs: Record<string, string>, env: Record<string, string>): Promise<InProcessRun> {
  const saved = { ...process.env }
  const savedExitCode = process.exitCode
  const write = process.stdout.write.bind(process.stdout)
  let stdout = ''
  for (const key of Object.keys(process.env)) if (/^(INPUT_|GITHUB_|RUNNER_)/.test(key)) delete process.env[key]
  Object.assign(process.env, env, { GITHUB_OUTPUT: OUTPUT_FILE, GITHUB_STEP_SUMMARY: SUMMARY_FILE })
  for (const [name, value] of Object.entries(inputs)) process.env[`INPUT_${name.toUpperCase()}`] = value
  fs.writeFileSync(OUTPUT_FILE, '')
  fs.writeFileSync(SUMMARY_FILE, '')
  process.exitCode = undefined
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write
  try {
    const { run } = await import('../src/main.js')
    await run()
    return {
      exitCode: Number(process.exitCode ?? 0),
      stdout,
      outputs: parseOutputFile(fs.readFileSync(OUTPUT_FILE, 'utf8')),
      summary: fs.readFileSync(SUMMARY_FILE, 'utf8')
    }
  } finally {
    process.stdout.write = write
    process.exitCode = savedExitCode
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key]
    Object.assign(process.env, saved)
  }
}
