/**
 * The action reads the run's context from src/github-context.ts, so that @actions/github (Octokit) is loaded only
 * to post something. Its Context must read what @actions/github's reads, field for field, from the same environment.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as github from '@actions/github'
import { Context } from '../../src/github-context.js'

const GITHUB_VARIABLES = /^GITHUB_/
const saved = { ...process.env }
afterEach(() => {
  for (const key of Object.keys(process.env)) if (GITHUB_VARIABLES.test(key)) delete process.env[key]
  Object.assign(process.env, saved)
})

/** @actions/github's own Context, built now from process.env (the package exports only the instance). */
function theirs(): typeof github.context {
  const Their = github.context.constructor as new () => typeof github.context
  return new Their()
}

function fields(context: typeof github.context): Record<string, unknown> {
  let repo: unknown
  let issue: unknown
  try {
    repo = context.repo
    issue = context.issue
  } catch (error) {
    repo = issue = (error as Error).message
  }
  const { payload, eventName, sha, ref, workflow, action, actor, job, runAttempt, runNumber, runId, apiUrl, serverUrl, graphqlUrl } =
    context
  return {
    payload,
    eventName,
    sha,
    ref,
    workflow,
    action,
    actor,
    job,
    runAttempt,
    runNumber,
    runId,
    apiUrl,
    serverUrl,
    graphqlUrl,
    repo,
    issue
  }
}

function setEnvironment(env: Record<string, string>): void {
  for (const key of Object.keys(process.env)) if (GITHUB_VARIABLES.test(key)) delete process.env[key]
  Object.assign(process.env, env)
}

const eventFile = (payload: unknown): string => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-event-')), 'event.json')
  fs.writeFileSync(file, JSON.stringify(payload))
  return file
}

test.each([
  [
    'a pull request run',
    () => ({
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: eventFile({
        pull_request: { number: 7, base: { sha: 'abc' } },
        repository: { name: 'app', owner: { login: 'octo-org' } }
      }),
      GITHUB_REPOSITORY: 'octo-org/todo-app',
      GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
      GITHUB_REF: 'refs/pull/7/merge',
      GITHUB_WORKFLOW: 'migrations',
      GITHUB_ACTION: 'run',
      GITHUB_ACTOR: 'octocat',
      GITHUB_JOB: 'plan',
      GITHUB_RUN_ATTEMPT: '2',
      GITHUB_RUN_NUMBER: '31',
      GITHUB_RUN_ID: '4242',
      GITHUB_SERVER_URL: 'https://ghe.example.com',
      GITHUB_API_URL: 'https://ghe.example.com/api/v3',
      GITHUB_GRAPHQL_URL: 'https://ghe.example.com/api/graphql'
    })
  ],
  [
    'the repository from the payload alone',
    () => ({
      GITHUB_EVENT_NAME: 'push',
      GITHUB_EVENT_PATH: eventFile({ repository: { name: 'app', owner: { login: 'octo-org' } } })
    })
  ],
  ['a local run with no GitHub variables', () => ({})]
])('the context of %s is @actions/github’s', (_name, env) => {
  setEnvironment(env())
  expect(fields(new Context())).toEqual(fields(theirs()))
})

test('the context is read as @actions/github reads it: the repository when asked for, from the environment then', () => {
  setEnvironment({})
  const context = new Context()
  expect(() => context.repo).toThrow("context.repo requires a GITHUB_REPOSITORY environment variable like 'owner/repo'")
  process.env.GITHUB_REPOSITORY = 'octo-org/todo-app'
  expect(context.repo).toEqual({ owner: 'octo-org', repo: 'todo-app' })
})
