/**
 * What the action reads of @actions/github, without loading its client at start-up: the run's context (the
 * event payload and the GITHUB_* variables, read as @actions/github's `context` reads them) and `getOctokit`,
 * which imports @actions/github (Octokit and its plugins) only when a comment or a deployment status is posted.
 * A run that posts nothing, as most applies of a fleet, never loads it.
 */
import fs from 'node:fs'
import os from 'node:os'
import type { getOctokit as GetOctokit } from '@actions/github'

type WebhookPayload = typeof import('@actions/github').context.payload

/** @actions/github's Context (lib/context.js, which the package does not export on its own), field for field. */
export class Context {
  payload: WebhookPayload = {}
  eventName: string
  sha: string
  ref: string
  workflow: string
  action: string
  actor: string
  job: string
  runAttempt: number
  runNumber: number
  runId: number
  apiUrl: string
  serverUrl: string
  graphqlUrl: string

  /** `env`: the environment read (tests give their own); process.env, read when a field is, by default. */
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {
    if (env.GITHUB_EVENT_PATH) {
      if (fs.existsSync(env.GITHUB_EVENT_PATH)) {
        this.payload = JSON.parse(fs.readFileSync(env.GITHUB_EVENT_PATH, { encoding: 'utf8' })) as WebhookPayload
      } else {
        process.stdout.write(`GITHUB_EVENT_PATH ${env.GITHUB_EVENT_PATH} does not exist${os.EOL}`)
      }
    }
    this.eventName = env.GITHUB_EVENT_NAME as string
    this.sha = env.GITHUB_SHA as string
    this.ref = env.GITHUB_REF as string
    this.workflow = env.GITHUB_WORKFLOW as string
    this.action = env.GITHUB_ACTION as string
    this.actor = env.GITHUB_ACTOR as string
    this.job = env.GITHUB_JOB as string
    this.runAttempt = parseInt(env.GITHUB_RUN_ATTEMPT as string, 10)
    this.runNumber = parseInt(env.GITHUB_RUN_NUMBER as string, 10)
    this.runId = parseInt(env.GITHUB_RUN_ID as string, 10)
    this.apiUrl = env.GITHUB_API_URL ?? 'https://api.github.com'
    this.serverUrl = env.GITHUB_SERVER_URL ?? 'https://github.com'
    this.graphqlUrl = env.GITHUB_GRAPHQL_URL ?? 'https://api.github.com/graphql'
  }

  get issue(): { owner: string; repo: string; number: number } {
    const payload = this.payload
    return { ...this.repo, number: (payload.issue || payload.pull_request || payload).number as number }
  }

  get repo(): { owner: string; repo: string } {
    if (this.env.GITHUB_REPOSITORY) {
      const [owner, repo] = this.env.GITHUB_REPOSITORY.split('/')
      return { owner, repo }
    }
    if (this.payload.repository) {
      return { owner: this.payload.repository.owner.login, repo: this.payload.repository.name }
    }
    throw new Error("context.repo requires a GITHUB_REPOSITORY environment variable like 'owner/repo'")
  }
}

/** The run's context, read once when this module loads, as @actions/github's is. */
export const context = new Context()

/** @actions/github's getOctokit, the package imported on the first call. */
export async function getOctokit(...args: Parameters<typeof GetOctokit>): Promise<ReturnType<typeof GetOctokit>> {
  const github = await import('@actions/github')
  return github.getOctokit(...args)
}
