/**
 * The documented interface matches the code: every input the action reads is declared in action.yml
 * and listed in the README, and every example workflow uses only declared inputs.
 */
import fs from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { inputsTable, OPTIONS } from '../src/options.js'

const action = parse(fs.readFileSync('action.yml', 'utf8')) as {
  inputs: Record<string, { description: string; default?: string }>
  outputs: Record<string, { description: string }>
  runs: { using: string; main: string }
}
const readme = fs.readFileSync('README.md', 'utf8')
const source = fs
  .readdirSync('src', { recursive: true })
  .filter((f) => String(f).endsWith('.ts'))
  .map((f) => fs.readFileSync(path.join('src', String(f)), 'utf8'))
  .join('\n')

test('action.yml runs the bundle on node24', () => {
  expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
})

test('one Node version wherever one is declared', () => {
  const major = (text: string, pattern: RegExp): string =>
    pattern.exec(text)?.[1] ?? `no match for ${pattern} in ${JSON.stringify(text.slice(0, 80))}`
  const pkg = JSON.parse(fs.readFileSync('package.json', 'utf8')) as { engines: { node: string }; devDependencies: Record<string, string> }
  const declared = {
    '.node-version': major(fs.readFileSync('.node-version', 'utf8'), /^(\d+)(?:\.\d+){0,2}\s*$/),
    'action.yml runs.using': major(action.runs.using, /^node(\d+)$/),
    'package.json engines.node': major(pkg.engines.node, /^>=(\d+)(?:\.\d+){0,2}$/),
    '@types/node': major(pkg.devDependencies['@types/node'], /^\^(\d+)\./),
    'runner/template.yaml Runtime': major(fs.readFileSync('runner/template.yaml', 'utf8'), /^\s+Runtime: nodejs(\d+)\.x$/m),
    'runner/serverless.yml runtime': major(fs.readFileSync('runner/serverless.yml', 'utf8'), /^\s+runtime: nodejs(\d+)\.x$/m)
  }
  const version = declared['.node-version']
  expect(version).toMatch(/^\d+$/)
  expect(declared).toEqual(Object.fromEntries(Object.keys(declared).map((where) => [where, version])))
})

test('every input the code reads is declared, documented and listed in the README', () => {
  const read = new Set(
    [...source.matchAll(/(?:input|integerInput\(sources,|booleanInput\(sources,|durationInput\(sources,)\s*\(?\s*'([a-z-]+)'/g)].map(
      (m) => m[1]
    )
  )
  expect(read.size).toBeGreaterThan(15)
  for (const name of read) {
    expect(action.inputs[name]?.description).toBeTruthy()
    expect(readme).toContain(`| \`${name}\` |`)
  }
  for (const name of Object.keys(action.inputs)) expect(read).toContain(name)
})

test("one table of options: action.yml's inputs and the README's inputs table are written from src/options.ts", () => {
  const declared = Object.entries(action.inputs).map(([name, input]) => ({ name, description: input.description, default: input.default }))
  expect(declared).toEqual(OPTIONS.map((option) => ({ name: option.name, description: option.description, default: option.default })))
  const table = /\| Input \| Default \| Description \|\n(?:\|.*\|\n)+/.exec(readme)?.[0].trimEnd()
  expect(table).toBe(inputsTable())
})

test('the README documents the command line: its commands, its flags, exit codes and a GitLab CI example that exists', () => {
  const section = /## Command line\n[\s\S]*?(?=\n## )/.exec(readme)?.[0] ?? ''
  for (const command of ['plan', 'status', 'apply', 'validate', 'baseline', 'repair', 'review', 'new'])
    expect(section).toContain(`aurora-migrate ${command}`)
  for (const flag of ['--json', '--exit-code', '--dry-run', '--url-env', '--no-color']) expect(section).toContain(flag)
  expect(section).toMatch(/\| `0` \|[^\n]*\n\| `1` \|[^\n]*\n\| `2` \|[^\n]*\n\| `3` \|/)
  const gitlab = parse(fs.readFileSync('examples/gitlab-ci/.gitlab-ci.yml', 'utf8')) as Record<string, unknown> & {
    variables: Record<string, string>
  }
  // The jobs' script lines with the file's variables put in.
  const scripts = Object.values(gitlab)
    .flatMap((job) => (job as { script?: string[] }).script ?? [])
    .map((line) => line.replace(/\$([A-Z_]+)/g, (whole, name: string) => gitlab.variables[name] ?? whole))
  const version = (JSON.parse(fs.readFileSync('package.json', 'utf8')) as { version: string }).version
  for (const command of ['review', 'plan', 'apply'])
    expect(scripts.some((line) => line.startsWith(`npx --yes aurora-migrate@${version} ${command} `))).toBe(true)
  expect(section).toContain('examples/gitlab-ci/.gitlab-ci.yml')
})

test('every output is declared, set by the code and listed in the README', () => {
  const set = new Set([...source.matchAll(/core\.setOutput\('([a-z-]+)'/g)].map((m) => m[1]))
  expect(new Set(Object.keys(action.outputs))).toEqual(set)
  for (const name of set) expect(readme).toContain(`| \`${name}\` |`)
})

test('example workflows parse and use only declared inputs', () => {
  const files = fs.readdirSync('example-workflows').filter((f) => f.endsWith('.yml'))
  expect(files.length).toBeGreaterThanOrEqual(5)
  let uses = 0
  for (const file of files) {
    const workflow = parse(fs.readFileSync(path.join('example-workflows', file), 'utf8')) as {
      jobs: Record<string, { steps: Array<{ uses?: string; with?: Record<string, unknown> }> }>
    }
    for (const job of Object.values(workflow.jobs)) {
      for (const step of job.steps) {
        if (!step.uses?.startsWith('octo-org/aurora-migrate@')) continue
        uses++
        for (const key of Object.keys(step.with ?? {})) expect([file, key, key in action.inputs]).toEqual([file, key, true])
      }
    }
  }
  expect(uses).toBeGreaterThanOrEqual(4)
})
