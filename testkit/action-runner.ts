/**
 * Runs the bundled action (dist/index.js) the way a GitHub runner does: inputs as INPUT_* variables,
 * outputs and the job summary through the files named by GITHUB_OUTPUT and GITHUB_STEP_SUMMARY.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { embeddedBinDir } from './postgres.js'

export const DIST = path.resolve('dist/index.js')
/**
 * Real PostgreSQL server binaries from the npm registry, first on PATH: plan's verification finds them
 * as it finds a runner's, and no run depends on a PostgreSQL installed on this machine.
 */
export const PG_BIN = embeddedBinDir()

export interface ActionRun {
  code: number | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
}

/** Parses the `name<<delimiter … delimiter` blocks that @actions/core writes to GITHUB_OUTPUT. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i])
    if (!match) continue
    const [, name, delimiter] = match
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i])
    outputs[name] = value.join('\n')
  }
  return outputs
}

/** Environment variables that must not leak from the machine into a run (they would change its target). */
const SCRUBBED = /^(INPUT_|GITHUB_|RUNNER_|AWS_|ACTIONS_)/

/**
 * Starts the bundled action as a runner does and hands back the child (a test may kill it) and the
 * run's result once it exits.
 */
export function startAction(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  options: { entry?: string } = {}
): { child: ChildProcessWithoutNullStreams; done: Promise<ActionRun> } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-run-'))
  const outputFile = path.join(dir, 'output')
  const summaryFile = path.join(dir, 'summary')
  fs.writeFileSync(outputFile, '')
  fs.writeFileSync(summaryFile, '')
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !SCRUBBED.test(key)))
  const childEnv: Record<string, string> = {
    ...(base as Record<string, string>),
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_WORKSPACE: path.resolve('.'),
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'octo-org/todo-app',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_ACTOR: 'octocat',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    PATH: `${PG_BIN}${path.delimiter}${process.env.PATH ?? ''}`,
    ...env
  }
  for (const [name, value] of Object.entries(inputs)) childEnv[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  const child = spawn(process.execPath, [options.entry ?? DIST], {
    env: childEnv,
    cwd: childEnv.GITHUB_WORKSPACE,
    stdio: ['ignore', 'pipe', 'pipe']
  }) as unknown as ChildProcessWithoutNullStreams
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk) => (stdout += chunk))
  child.stderr.on('data', (chunk) => (stderr += chunk))
  const done = new Promise<ActionRun>((resolve) => {
    child.on('close', (code) => {
      const result = {
        code,
        stdout,
        stderr,
        outputs: parseOutputFile(fs.readFileSync(outputFile, 'utf8')),
        summary: fs.readFileSync(summaryFile, 'utf8')
      }
      fs.rmSync(dir, { recursive: true, force: true })
      resolve(result)
    })
  })
  return { child, done }
}

export async function runAction(
  inputs: Record<string, string>,
  env: Record<string, string> = {},
  options: { entry?: string; timeoutMs?: number } = {}
): Promise<ActionRun> {
  const { child, done } = startAction(inputs, env, options)
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000)
  try {
    return await done
  } finally {
    clearTimeout(timer)
  }
}
