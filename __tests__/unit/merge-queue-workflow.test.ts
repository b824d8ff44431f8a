/** example-workflows/merge-queue.yml does what docs/version-conflicts.md says it does. */
import fs from 'node:fs'
import { parse } from 'yaml'

interface Step {
  uses?: string
  with?: Record<string, unknown>
}

const workflow = parse(fs.readFileSync('example-workflows/merge-queue.yml', 'utf8')) as {
  on: Record<string, unknown>
  jobs: Record<string, { if?: string; steps: Step[] }>
}

test('runs on merge_group and pull_request, without a paths filter a required check could not pass', () => {
  expect(Object.keys(workflow.on).sort()).toEqual(['merge_group', 'pull_request'])
  expect(workflow.on.pull_request ?? null).toBeNull()
})

test('validate runs on the queue with the history it needs, and only where it has credentials', () => {
  const job = workflow.jobs.validate
  expect(job.if).toContain("github.event_name == 'merge_group'")
  const checkout = job.steps.find((step) => step.uses?.startsWith('actions/checkout@'))
  expect(checkout?.with?.['fetch-depth']).toBe(0)
  const action = job.steps.find((step) => step.uses?.startsWith('octo-org/aurora-migrate@'))
  expect(action?.with?.command).toBe('validate')
  expect(job.steps.indexOf(checkout!)).toBeLessThan(job.steps.indexOf(action!))
})

test('the page it points to explains the merge queue', () => {
  expect(fs.readFileSync('docs/version-conflicts.md', 'utf8')).toContain('example-workflows/merge-queue.yml')
})
