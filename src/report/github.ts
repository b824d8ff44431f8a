/**
 * Talking to GitHub: the sticky pull-request comment, the pull requests a commit belongs to, and
 * deployment statuses. Reporting must never fail a run that did its work, so nothing here throws:
 * a failure comes back as a warning that says what to change.
 */
import type { getOctokit } from '@actions/github'

export type Octokit = ReturnType<typeof getOctokit>

export interface RepoRef {
  owner: string
  repo: string
}

/** GitHub's limit on a deployment status description, in characters. */
export const MAX_DEPLOYMENT_DESCRIPTION = 140

const NOT_ACCESSIBLE = 'Resource not accessible by integration'

/** Hidden marker that identifies a sticky comment: `<!-- aurora-migrate:<kind>:<key> -->`. `key` is sanitised (no `--`, no `>`, no newlines). */
export function stickyMarker(kind: string, key: string): string {
  return `<!-- aurora-migrate:${markerPart(kind)}:${markerPart(key)} -->`
}

/** Nothing that could end the HTML comment early or split it over lines. */
function markerPart(text: string): string {
  return text
    .replace(/[\r\n>]+/g, ' ')
    .replace(/-{2,}/g, '-')
    .replace(/\s+/g, ' ')
    .trim()
}

export type CommentOutcome =
  { action: 'created' | 'updated' | 'unchanged'; id: number; url: string } | { action: 'failed'; status: number | null; warning: string }

interface ListedComment {
  id: number
  body?: string | null
  html_url: string
  created_at: string
  user?: { login?: string; type?: string } | null
}

/**
 * Whose comments may be ours. A user's token (a PAT) can ask who it is; GITHUB_TOKEN and app tokens
 * cannot, and post as a bot. Anyone can write the marker into a comment: matching only our own
 * author keeps the plan from being written into someone else's comment.
 */
async function authorFilter(octokit: Octokit): Promise<(comment: ListedComment) => boolean> {
  try {
    const { data } = await octokit.rest.users.getAuthenticated()
    return (comment) => comment.user?.login === data.login
  } catch {
    return (comment) => comment.user?.type === 'Bot'
  }
}

/**
 * Finds the comment carrying `marker` (listing ALL comments with full pagination, per_page 100) and
 * creates it, edits it, or leaves it when the body is already identical (no PATCH then). Only a
 * comment whose body starts with the marker counts, so a person quoting it mid-comment is left
 * alone; when several carry it (left over from two runs racing) the oldest is the one kept up to
 * date. Never throws.
 */
export async function upsertStickyComment(
  octokit: Octokit,
  repo: RepoRef,
  issueNumber: number,
  marker: string,
  body: string
): Promise<CommentOutcome> {
  // The marker must lead the body, or the next run would not recognise this comment.
  const text = body.startsWith(marker) ? body : `${marker}\n${body}`
  const where = `${repo.owner}/${repo.repo}#${issueNumber}`
  let step = 'list the comments on'
  try {
    const comments = (await octokit.paginate(octokit.rest.issues.listComments, {
      owner: repo.owner,
      repo: repo.repo,
      issue_number: issueNumber,
      per_page: 100
    })) as ListedComment[]
    const ours = await authorFilter(octokit)
    const existing = oldest(comments.filter((comment) => (comment.body ?? '').trimStart().startsWith(marker) && ours(comment)))
    if (!existing) {
      step = 'create a comment on'
      const { data } = await octokit.rest.issues.createComment({
        owner: repo.owner,
        repo: repo.repo,
        issue_number: issueNumber,
        body: text
      })
      return { action: 'created', id: data.id, url: data.html_url }
    }
    if (existing.body === text) return { action: 'unchanged', id: existing.id, url: existing.html_url }
    step = 'update the comment on'
    const { data } = await octokit.rest.issues.updateComment({ owner: repo.owner, repo: repo.repo, comment_id: existing.id, body: text })
    return { action: 'updated', id: data.id, url: data.html_url }
  } catch (error) {
    const status = statusOf(error)
    return { action: 'failed', status, warning: commentWarning(step, where, status, error) }
  }
}

function oldest(comments: ListedComment[]): ListedComment | undefined {
  let found: ListedComment | undefined
  for (const comment of comments) {
    if (!found || comment.created_at < found.created_at || (comment.created_at === found.created_at && comment.id < found.id))
      found = comment
  }
  return found
}

function commentWarning(step: string, where: string, status: number | null, error: unknown): string {
  const answer = describeFailure(status, error)
  const prefix = `Could not ${step} ${where}: ${answer}.`
  if (status === 403 && githubMessage(error)?.includes(NOT_ACCESSIBLE)) {
    return (
      `${prefix} The token cannot write comments. Give the job\n` +
      `permissions:\n  pull-requests: write\n` +
      `On pull requests from forks the token is read-only whatever the workflow asks for: see the fork-safe workflow in the README.`
    )
  }
  if (status === 401) return `${prefix} Check the github-token input.`
  if (status === 404) return `${prefix} The pull request does not exist in this repository or the token cannot see it.`
  if (status === 422) return `${prefix} The comment was not changed.`
  return prefix
}

/**
 * The pull requests a commit belongs to (GET /repos/{owner}/{repo}/commits/{sha}/pulls), as
 * numbers; merged or open ones, not closed-unmerged ones. [] on 404/422 (GitHub does not know the
 * commit). Never throws: any other failure returns [] with a warning.
 */
export async function pullRequestsForCommit(
  octokit: Octokit,
  repo: RepoRef,
  sha: string
): Promise<{ numbers: number[]; warning?: string }> {
  try {
    const pulls = await octokit.paginate(octokit.rest.repos.listPullRequestsAssociatedWithCommit, {
      owner: repo.owner,
      repo: repo.repo,
      commit_sha: sha,
      per_page: 100
    })
    const numbers = pulls.filter((pull) => pull.state === 'open' || pull.merged_at !== null).map((pull) => pull.number)
    return { numbers: [...new Set(numbers)] }
  } catch (error) {
    const status = statusOf(error)
    if (status === 404 || status === 422) return { numbers: [] }
    const prefix = `Could not look up the pull requests of commit ${sha} in ${repo.owner}/${repo.repo}: ${describeFailure(status, error)}.`
    if (status === 403) {
      return {
        numbers: [],
        warning: `${prefix} The token cannot read pull requests. Give the job\npermissions:\n  contents: read\n  pull-requests: read`
      }
    }
    return { numbers: [], warning: prefix }
  }
}

/**
 * POSTs a deployment status; the description is cut to GitHub's 140 characters with '…'. Returns a
 * warning instead of throwing on failure.
 */
export async function postDeploymentStatus(
  octokit: Octokit,
  repo: RepoRef,
  deploymentId: number,
  status: { state: 'success' | 'failure' | 'error' | 'in_progress'; description: string; logUrl: string | null; environment?: string }
): Promise<{ ok: boolean; warning?: string }> {
  try {
    await octokit.rest.repos.createDeploymentStatus({
      owner: repo.owner,
      repo: repo.repo,
      deployment_id: deploymentId,
      state: status.state,
      description: truncate(status.description, MAX_DEPLOYMENT_DESCRIPTION),
      ...(status.logUrl ? { log_url: status.logUrl } : {}),
      ...(status.environment ? { environment: status.environment } : {})
    })
    return { ok: true }
  } catch (error) {
    const code = statusOf(error)
    const prefix = `Could not post the '${status.state}' status of deployment ${deploymentId} in ${repo.owner}/${repo.repo}: ${describeFailure(code, error)}.`
    if (code === 403)
      return {
        ok: false,
        warning: `${prefix} The token cannot write deployment statuses. Give the job\npermissions:\n  deployments: write`
      }
    if (code === 404) return { ok: false, warning: `${prefix} Check the deployment id: it must be a deployment of this repository.` }
    return { ok: false, warning: prefix }
  }
}

/** Cuts `text` to `max` characters (code points, as GitHub counts), ending in '…' when it was cut. */
export function truncate(text: string, max: number): string {
  const characters = Array.from(text)
  if (characters.length <= max) return text
  return `${characters.slice(0, max - 1).join('')}…`
}

/** The HTTP status of an Octokit RequestError; null when no answer came (network, DNS, TLS). */
function statusOf(error: unknown): number | null {
  const status = (error as { status?: unknown } | null)?.status
  // Octokit reports a request that got no answer as status 500 with no response.
  if (typeof status !== 'number' || status === 0 || !(error as { response?: unknown }).response) return null
  return status
}

/** GitHub's own `message` (plus the messages of its `errors`), when the answer had one. */
function githubMessage(error: unknown): string | null {
  const data = (error as { response?: { data?: unknown } } | null)?.response?.data
  if (!data || typeof data !== 'object') return null
  const { message, errors } = data as { message?: unknown; errors?: unknown }
  if (typeof message !== 'string') return null
  const details = Array.isArray(errors)
    ? errors
        .map((e) => (typeof e === 'string' ? e : typeof e?.message === 'string' ? e.message : null))
        .filter((m): m is string => Boolean(m))
    : []
  return details.length ? `${message}: ${details.join('; ')}` : message
}

/**
 * What GitHub answered, from the status and GitHub's message only: the error object also holds the
 * request, and nothing of it (headers included) belongs in a warning.
 */
function describeFailure(status: number | null, error: unknown): string {
  if (status === null) {
    return `no answer from the GitHub API (${error instanceof Error ? error.message : String(error)})`
  }
  const message = githubMessage(error)
  return message ? `GitHub answered ${status} "${message}"` : `GitHub answered ${status}`
}
