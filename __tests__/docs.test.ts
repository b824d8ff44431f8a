/**
 * The documented interface matches the code: every input the action reads is declared in action.yml
 * and listed in the README, and every example workflow uses only declared inputs.
 */
import fs from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'

const action = parse(fs.readFileSync('action.yml', 'utf8')) as { inputs: Record<string, { description: string; default?: string }>; outputs: Record<string, { description: string }>; runs: { using: string; main: string } }
const readme = fs.readFileSync('README.md', 'utf8')
const source = fs.readdirSync('src', { recursive: true }).filter((f) => String(f).endsWith('.ts')).map((f) => fs.readFileSync(path.join('src', String(f)), 'utf8')).join('\n')

test('action.yml runs the bundle on node24', () => {
  expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
})

test('every input the code reads is declared, documented and listed in the README', () => {
  const read = new Set([...source.matchAll(/(?:input|integerInput\(sources,|booleanInput\(sources,|durationInput\(sources,)\s*\(?\s*'([a-z-]+)'/g)].map((m) => m[1]))
  expect(read.size).toBeGreaterThan(15)
  for (const name of read) {
    expect(action.inputs[name]?.description).toBeTruthy()
    expect(readme).toContain(`| \`${name}\` |`)
  }
  for (const name of Object.keys(action.inputs)) expect(read).toContain(name)
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
    const workflow = parse(fs.readFileSync(path.join('example-workflows', file), 'utf8')) as { jobs: Record<string, { steps: Array<{ uses?: string; with?: Record<string, unknown> }> }> }
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
