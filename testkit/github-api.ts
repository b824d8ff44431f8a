/**
 * A local fake of the few GitHub REST endpoints the action uses, for the real `@actions/github`
 * Octokit to talk to through GITHUB_API_URL.
 *
 * It answers like api.github.com where the action depends on it: issue comments paginated with
 * `per_page` (default 30, max 100) and `page` and a `Link` header (`prev`, `next`, `last`, `first`,
 * pointing at `/repositories/{id}/…` as GitHub does); 422 for comment bodies over 65,536
 * characters and deployment-status descriptions over 140; 404 for issues, pull requests and
 * deployments it does not know; repository issues listed (open by default, filtered by labels, pull requests
 * among them), created and updated (title, body, state); 401 without an Authorization header; and, with `state.forbidden`,
 * 403 "Resource not accessible by integration" on every write (a GITHUB_TOKEN without the
 * permission, or any pull request from a fork). Every request is recorded in `requests`.
 */
import http from 'node:http'
import type { AddressInfo } from 'node:net'

export const MAX_COMMENT_LENGTH = 65_536
export const MAX_DEPLOYMENT_DESCRIPTION_LENGTH = 140

export interface RepoName {
  owner: string
  repo: string
}

export interface FakeUser {
  login: string
  type: 'User' | 'Bot'
}

export interface FakeComment {
  id: number
  node_id: string
  body: string
  user: FakeUser
  html_url: string
  issue_url: string
  url: string
  created_at: string
  updated_at: string
}

export interface FakePullRequest {
  number: number
  state: 'open' | 'closed'
  merged_at: string | null
  html_url: string
  head: { sha: string; ref: string }
  base: { sha: string; ref: string }
}

export interface FakeDeploymentStatus {
  id: number
  deploymentId: number
  state: string
  description: string
  log_url: string
  environment_url: string
  environment: string
  auto_inactive: boolean
}

export interface FakeIssue {
  number: number
  title: string
  body: string | null
  state: 'open' | 'closed'
  state_reason: string | null
  labels: Array<{ name: string }>
}

interface StoredComment {
  issueNumber: number
  comment: FakeComment
}

interface RepoState {
  id: number
  owner: string
  repo: string
  /** Issue and pull-request numbers share one sequence on GitHub; both take comments. */
  issues: Set<number>
  /** The issues made through the API (POST /issues), by number. */
  issueRecords: Map<number, FakeIssue>
  pulls: Map<number, FakePullRequest>
  /** commit sha → pull-request numbers, in the order they were registered. */
  commitPulls: Map<string, number[]>
  comments: StoredComment[]
  /** deployment id → environment. */
  deployments: Map<number, string>
  deploymentStatuses: FakeDeploymentStatus[]
}

export interface FakeGitHubState {
  /** When true every write (POST, PATCH, PUT, DELETE) answers 403 "Resource not accessible by integration". */
  forbidden: boolean
  /** When true reads answer that 403 too (a token with no `contents`/`pull-requests` read access). */
  forbiddenReads: boolean
  /** Who a comment created through the API is written by. */
  actor: FakeUser
  repos: Map<string, RepoState>
}

export interface RecordedRequest {
  method: string
  /** The URL path without the query string, as received. */
  path: string
  query: Record<string, string>
  /** The parsed JSON body (the raw text when it was not JSON; undefined without a body). */
  body: unknown
  /** The Authorization header as sent, or null. */
  authorization: string | null
  /** The status answered. */
  status: number
  /** The response body as sent (text). */
  response: string
}

export interface FakeGitHubOptions {
  /** The login comments created through the API carry (default `github-actions[bot]`, a Bot). */
  actor?: FakeUser
  /** Only these tokens are accepted (others answer 401 "Bad credentials"); any token when omitted. */
  tokens?: string[]
}

export interface FakeGitHub {
  /** The base URL to put in GITHUB_API_URL (no trailing slash). */
  url: string
  state: FakeGitHubState
  requests: RecordedRequest[]
  /** Registers a pull request (and its head sha as a commit that belongs to it). */
  addPullRequest(repo: RepoName, pull: Partial<FakePullRequest> & { number: number }, options?: { commits?: string[] }): FakePullRequest
  /** Registers a commit; `pulls` are the pull requests it belongs to (default none: GET …/pulls answers []). */
  addCommit(repo: RepoName, sha: string, pulls?: number[]): void
  /** Registers a plain issue. */
  addIssue(repo: RepoName, issueNumber: number): void
  /** Adds `count` comments by other people (registering the issue when needed); returns them. */
  seedComments(
    repo: RepoName,
    issueNumber: number,
    count: number,
    options?: { user?: FakeUser; body?: (index: number) => string }
  ): FakeComment[]
  /** Adds one comment written by `user` (default: the API actor), as if posted earlier. */
  addComment(repo: RepoName, issueNumber: number, body: string, user?: FakeUser): FakeComment
  /** The comments on an issue or pull request, oldest first. */
  commentsOn(repo: RepoName, issueNumber: number): FakeComment[]
  addDeployment(repo: RepoName, deploymentId: number, environment?: string): void
  /** The issues made through the API (POST /issues), as they are now. */
  issuesOf(repo: RepoName): FakeIssue[]
  deploymentStatuses(repo: RepoName, deploymentId?: number): FakeDeploymentStatus[]
  stop(): Promise<void>
}

const DOCS = 'https://docs.github.com/rest'
const DOC_URLS = {
  listComments: `${DOCS}/issues/comments#list-issue-comments`,
  createComment: `${DOCS}/issues/comments#create-an-issue-comment`,
  getComment: `${DOCS}/issues/comments#get-an-issue-comment`,
  updateComment: `${DOCS}/issues/comments#update-an-issue-comment`,
  commitPulls: `${DOCS}/commits/commits#list-pull-requests-associated-with-a-commit`,
  getPull: `${DOCS}/pulls/pulls#get-a-pull-request`,
  deploymentStatus: `${DOCS}/deployments/statuses#create-a-deployment-status`,
  listIssues: `${DOCS}/issues/issues#list-repository-issues`,
  createIssue: `${DOCS}/issues/issues#create-an-issue`,
  updateIssue: `${DOCS}/issues/issues#update-an-issue`
} as const

const DEPLOYMENT_STATES = new Set(['error', 'failure', 'inactive', 'in_progress', 'queued', 'pending', 'success'])

class HttpAnswer {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {}
  ) {}
}

function error(status: number, message: string, documentationUrl: string, extra: Record<string, unknown> = {}): HttpAnswer {
  return new HttpAnswer(status, { message, ...extra, documentation_url: documentationUrl, status: String(status) })
}

function validationFailed(resource: string, field: string, message: string, documentationUrl: string): HttpAnswer {
  return error(422, 'Validation Failed', documentationUrl, { errors: [{ resource, code: 'custom', field, message }] })
}

/** GitHub counts characters, not UTF-16 code units. */
function characters(text: string): number {
  return Array.from(text).length
}

export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  const state: FakeGitHubState = {
    forbidden: false,
    forbiddenReads: false,
    actor: options.actor ?? { login: 'github-actions[bot]', type: 'Bot' },
    repos: new Map()
  }
  const requests: RecordedRequest[] = []
  let nextRepoId = 700_000_001
  let nextCommentId = 1_900_000_001
  let nextStatusId = 4_100_000_001
  // A clock that moves one second per write, so "oldest" is never ambiguous.
  let clock = Date.parse('2025-01-01T00:00:00Z')
  const now = (): string => {
    clock += 1000
    return new Date(clock).toISOString().replace(/\.\d{3}Z$/, 'Z')
  }
  let baseUrl = ''

  function repoState({ owner, repo }: RepoName): RepoState {
    const key = `${owner}/${repo}`.toLowerCase()
    let found = state.repos.get(key)
    if (!found) {
      found = {
        id: nextRepoId++,
        owner,
        repo,
        issues: new Set(),
        issueRecords: new Map(),
        pulls: new Map(),
        commitPulls: new Map(),
        comments: [],
        deployments: new Map(),
        deploymentStatuses: []
      }
      state.repos.set(key, found)
    }
    return found
  }

  function createComment(repo: RepoState, issueNumber: number, body: string, user: FakeUser): FakeComment {
    const id = nextCommentId++
    const at = now()
    const comment: FakeComment = {
      id,
      node_id: `IC_kwDO${id.toString(36)}`,
      body,
      user: { ...user },
      html_url: `https://github.com/${repo.owner}/${repo.repo}/pull/${issueNumber}#issuecomment-${id}`,
      issue_url: `${baseUrl}/repos/${repo.owner}/${repo.repo}/issues/${issueNumber}`,
      url: `${baseUrl}/repos/${repo.owner}/${repo.repo}/issues/comments/${id}`,
      created_at: at,
      updated_at: at
    }
    repo.comments.push({ issueNumber, comment })
    return comment
  }

  /** A copy, so that what a test holds does not change behind its back. */
  const snapshot = (comment: FakeComment): FakeComment => ({ ...comment, user: { ...comment.user } })
  const commentsOf = (repo: RepoState, issueNumber: number): FakeComment[] =>
    repo.comments.filter((stored) => stored.issueNumber === issueNumber).map((stored) => snapshot(stored.comment))

  /** One page of `items`, with the Link header GitHub sends (none when everything fits on one page). */
  function paginate<T>(items: T[], query: Record<string, string>, linkPath: string): HttpAnswer {
    const requested = Number.parseInt(query.per_page ?? '', 10)
    const perPage = Number.isFinite(requested) && requested > 0 ? Math.min(requested, 100) : 30
    const requestedPage = Number.parseInt(query.page ?? '', 10)
    const page = Number.isFinite(requestedPage) && requestedPage > 0 ? requestedPage : 1
    const lastPage = Math.max(1, Math.ceil(items.length / perPage))
    const slice = items.slice((page - 1) * perPage, page * perPage)
    const headers: Record<string, string> = {}
    if (lastPage > 1) {
      const link = (p: number): string => {
        const params = new URLSearchParams({ ...query, per_page: String(perPage), page: String(p) })
        return `<${baseUrl}${linkPath}?${params.toString()}>`
      }
      const parts: string[] = []
      if (page > 1) parts.push(`${link(Math.min(page - 1, lastPage))}; rel="prev"`)
      if (page < lastPage) parts.push(`${link(page + 1)}; rel="next"`, `${link(lastPage)}; rel="last"`)
      if (page > 1) parts.push(`${link(1)}; rel="first"`)
      headers.link = parts.join(', ')
    }
    return new HttpAnswer(200, slice, headers)
  }

  /** Resolves `/repos/{owner}/{repo}/rest` and `/repositories/{id}/rest` to a repository and the rest of the path. */
  function resolveRepo(path: string): { repo: RepoState; rest: string; linkPrefix: string } | null {
    let match = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path)
    if (match) {
      const repo = repoState({ owner: decodeURIComponent(match[1]), repo: decodeURIComponent(match[2]) })
      return { repo, rest: match[3] ?? '', linkPrefix: `/repositories/${repo.id}` }
    }
    match = /^\/repositories\/(\d+)(\/.*)?$/.exec(path)
    if (match) {
      const id = Number(match[1])
      const repo = [...state.repos.values()].find((r) => r.id === id)
      if (!repo) return null
      return { repo, rest: match[2] ?? '', linkPrefix: `/repositories/${repo.id}` }
    }
    return null
  }

  function route(method: string, path: string, query: Record<string, string>, body: unknown): HttpAnswer {
    // GET /user: a user's token (a PAT) may ask who it is; an installation token (GITHUB_TOKEN) may not.
    if (path === '/user' && method === 'GET') {
      if (state.actor.type === 'Bot')
        return error(403, 'Resource not accessible by integration', 'https://docs.github.com/rest/users/users#get-the-authenticated-user')
      return new HttpAnswer(200, { ...state.actor })
    }
    const resolved = resolveRepo(path)
    if (!resolved) return error(404, 'Not Found', DOCS)
    const { repo, rest, linkPrefix } = resolved
    const isWrite = method !== 'GET' && method !== 'HEAD'
    const forbidden = (documentationUrl: string): HttpAnswer | null =>
      (isWrite ? state.forbidden : state.forbiddenReads) ? error(403, 'Resource not accessible by integration', documentationUrl) : null

    let match = /^\/issues\/(\d+)\/comments$/.exec(rest)
    if (match) {
      const issueNumber = Number(match[1])
      if (method === 'GET') {
        const denied = forbidden(DOC_URLS.listComments)
        if (denied) return denied
        if (!repo.issues.has(issueNumber)) return error(404, 'Not Found', DOC_URLS.listComments)
        return paginate(commentsOf(repo, issueNumber), query, `${linkPrefix}/issues/${issueNumber}/comments`)
      }
      if (method === 'POST') {
        const denied = forbidden(DOC_URLS.createComment)
        if (denied) return denied
        if (!repo.issues.has(issueNumber)) return error(404, 'Not Found', DOC_URLS.createComment)
        const text = commentBody(body, DOC_URLS.createComment)
        if (text instanceof HttpAnswer) return text
        return new HttpAnswer(201, snapshot(createComment(repo, issueNumber, text, state.actor)))
      }
      return error(404, 'Not Found', DOCS)
    }

    match = /^\/issues\/comments\/(\d+)$/.exec(rest)
    if (match) {
      const id = Number(match[1])
      const comment = repo.comments.find((stored) => stored.comment.id === id)?.comment
      if (method === 'GET') {
        const denied = forbidden(DOC_URLS.getComment)
        if (denied) return denied
        return comment ? new HttpAnswer(200, snapshot(comment)) : error(404, 'Not Found', DOC_URLS.getComment)
      }
      if (method === 'PATCH') {
        const denied = forbidden(DOC_URLS.updateComment)
        if (denied) return denied
        if (!comment) return error(404, 'Not Found', DOC_URLS.updateComment)
        const text = commentBody(body, DOC_URLS.updateComment)
        if (text instanceof HttpAnswer) return text
        comment.body = text
        comment.updated_at = now()
        return new HttpAnswer(200, snapshot(comment))
      }
      return error(404, 'Not Found', DOCS)
    }

    if (rest === '/issues') {
      if (method === 'GET') {
        const denied = forbidden(DOC_URLS.listIssues)
        if (denied) return denied
        // As GitHub: open by default; labels, separated by commas, must all be on the issue; pull requests are issues too.
        const wanted = query.state ?? 'open'
        const labels = (query.labels ?? '').split(',').filter(Boolean)
        const pulls = [...repo.pulls.values()].map((pull) => ({
          number: pull.number,
          title: `Pull request #${pull.number}`,
          body: null,
          state: pull.state,
          state_reason: null,
          labels: [] as Array<{ name: string }>,
          pull_request: { url: `${baseUrl}/repos/${repo.owner}/${repo.repo}/pulls/${pull.number}` }
        }))
        const listed = [...repo.issueRecords.values(), ...pulls]
          .filter((issue) => wanted === 'all' || issue.state === wanted)
          .filter((issue) => labels.every((label) => issue.labels.some((l) => l.name === label)))
          .sort((a, b) => b.number - a.number)
        return paginate(listed, query, `${linkPrefix}/issues`)
      }
      if (method === 'POST') {
        const denied = forbidden(DOC_URLS.createIssue)
        if (denied) return denied
        const input = (body ?? {}) as { title?: unknown; body?: unknown; labels?: unknown }
        if (typeof input.title !== 'string' || !input.title)
          return validationFailed('Issue', 'title', 'title is missing', DOC_URLS.createIssue)
        const text = input.body === undefined ? null : commentBody(input, DOC_URLS.createIssue)
        if (text instanceof HttpAnswer) return text
        const number = Math.max(0, ...repo.issues) + 1
        const names = Array.isArray(input.labels) ? input.labels.filter((l): l is string => typeof l === 'string') : []
        const issue: FakeIssue = {
          number,
          title: input.title,
          body: text,
          state: 'open',
          state_reason: null,
          labels: names.map((name) => ({ name }))
        }
        repo.issues.add(number)
        repo.issueRecords.set(number, issue)
        return new HttpAnswer(201, { ...issue, labels: [...issue.labels] })
      }
      return error(404, 'Not Found', DOCS)
    }

    match = /^\/issues\/(\d+)$/.exec(rest)
    if (match && method === 'PATCH') {
      const denied = forbidden(DOC_URLS.updateIssue)
      if (denied) return denied
      const issue = repo.issueRecords.get(Number(match[1]))
      if (!issue) return error(404, 'Not Found', DOC_URLS.updateIssue)
      const input = (body ?? {}) as { title?: unknown; body?: unknown; state?: unknown; state_reason?: unknown }
      if (input.body !== undefined) {
        const text = commentBody(input, DOC_URLS.updateIssue)
        if (text instanceof HttpAnswer) return text
        issue.body = text
      }
      if (typeof input.title === 'string') issue.title = input.title
      if (input.state === 'open' || input.state === 'closed') issue.state = input.state
      else if (input.state !== undefined)
        return validationFailed('Issue', 'state', 'state is not included in the list', DOC_URLS.updateIssue)
      if (typeof input.state_reason === 'string') issue.state_reason = input.state_reason
      return new HttpAnswer(200, { ...issue, labels: [...issue.labels] })
    }

    match = /^\/commits\/([^/]+)\/pulls$/.exec(rest)
    if (match && method === 'GET') {
      const denied = forbidden(DOC_URLS.commitPulls)
      if (denied) return denied
      const sha = decodeURIComponent(match[1])
      const numbers = repo.commitPulls.get(sha)
      if (!numbers) return error(422, `No commit found for SHA: ${sha}`, DOC_URLS.commitPulls)
      const pulls = numbers.map((n) => repo.pulls.get(n)).filter((p): p is FakePullRequest => p !== undefined)
      return paginate(pulls, query, `${linkPrefix}/commits/${encodeURIComponent(sha)}/pulls`)
    }

    match = /^\/pulls\/(\d+)$/.exec(rest)
    if (match && method === 'GET') {
      const denied = forbidden(DOC_URLS.getPull)
      if (denied) return denied
      const pull = repo.pulls.get(Number(match[1]))
      return pull ? new HttpAnswer(200, pull) : error(404, 'Not Found', DOC_URLS.getPull)
    }

    match = /^\/deployments\/(\d+)\/statuses$/.exec(rest)
    if (match && method === 'POST') {
      const denied = forbidden(DOC_URLS.deploymentStatus)
      if (denied) return denied
      const deploymentId = Number(match[1])
      const defaultEnvironment = repo.deployments.get(deploymentId)
      if (defaultEnvironment === undefined) return error(404, 'Not Found', DOC_URLS.deploymentStatus)
      return createDeploymentStatus(repo, deploymentId, defaultEnvironment, body)
    }

    return error(404, 'Not Found', DOCS)
  }

  function commentBody(body: unknown, documentationUrl: string): string | HttpAnswer {
    const text = (body as { body?: unknown } | null)?.body
    if (typeof text !== 'string') return error(422, 'Invalid request.\n\n"body" wasn\'t supplied.', documentationUrl)
    if (characters(text) > MAX_COMMENT_LENGTH) {
      return validationFailed('IssueComment', 'body', `body is too long (maximum is ${MAX_COMMENT_LENGTH} characters)`, documentationUrl)
    }
    return text
  }

  function createDeploymentStatus(repo: RepoState, deploymentId: number, defaultEnvironment: string, body: unknown): HttpAnswer {
    const input = (body ?? {}) as Record<string, unknown>
    const documentationUrl = DOC_URLS.deploymentStatus
    if (typeof input.state !== 'string' || !DEPLOYMENT_STATES.has(input.state)) {
      return validationFailed('DeploymentStatus', 'state', `state is not included in the list`, documentationUrl)
    }
    const description = typeof input.description === 'string' ? input.description : ''
    if (characters(description) > MAX_DEPLOYMENT_DESCRIPTION_LENGTH) {
      return validationFailed(
        'DeploymentStatus',
        'description',
        `description is too long (maximum is ${MAX_DEPLOYMENT_DESCRIPTION_LENGTH} characters)`,
        documentationUrl
      )
    }
    const logUrl = typeof input.log_url === 'string' ? input.log_url : typeof input.target_url === 'string' ? input.target_url : ''
    const status: FakeDeploymentStatus = {
      id: nextStatusId++,
      deploymentId,
      state: input.state,
      description,
      log_url: logUrl,
      environment_url: typeof input.environment_url === 'string' ? input.environment_url : '',
      environment: typeof input.environment === 'string' ? input.environment : defaultEnvironment,
      // GitHub's default: a new successful status marks earlier ones inactive.
      auto_inactive: typeof input.auto_inactive === 'boolean' ? input.auto_inactive : true
    }
    repo.deploymentStatuses.push(status)
    const at = now()
    const { deploymentId: _id, ...fields } = status
    return new HttpAnswer(201, {
      ...fields,
      target_url: logUrl,
      url: `${baseUrl}/repos/${repo.owner}/${repo.repo}/deployments/${deploymentId}/statuses/${status.id}`,
      deployment_url: `${baseUrl}/repos/${repo.owner}/${repo.repo}/deployments/${deploymentId}`,
      repository_url: `${baseUrl}/repos/${repo.owner}/${repo.repo}`,
      creator: { ...state.actor },
      created_at: at,
      updated_at: at
    })
  }

  function authenticate(authorization: string | null): HttpAnswer | null {
    if (!authorization) return error(401, 'Requires authentication', DOCS)
    const match = /^(?:token|bearer)\s+(\S+)$/i.exec(authorization.trim())
    if (!match || (options.tokens && !options.tokens.includes(match[1]))) return error(401, 'Bad credentials', DOCS)
    return null
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1')
      const query = Object.fromEntries(url.searchParams.entries())
      const method = (req.method ?? 'GET').toUpperCase()
      const raw = Buffer.concat(chunks).toString('utf8')
      let body: unknown = undefined
      let answer: HttpAnswer | null = null
      if (raw.length) {
        try {
          body = JSON.parse(raw)
        } catch {
          body = raw
          answer = error(400, 'Problems parsing JSON', DOCS)
        }
      }
      const authorization = req.headers.authorization ?? null
      answer = authenticate(authorization) ?? answer ?? route(method, url.pathname, query, body)
      const text = answer.status === 204 ? '' : JSON.stringify(answer.body)
      requests.push({ method, path: url.pathname, query, body, authorization, status: answer.status, response: text })
      res.writeHead(answer.status, {
        'content-type': 'application/json; charset=utf-8',
        'x-github-media-type': 'github.v3; format=json',
        'x-ratelimit-limit': '5000',
        'x-ratelimit-remaining': '4999',
        ...answer.headers
      })
      res.end(text)
    })
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  baseUrl = `http://127.0.0.1:${port}`

  const fake: FakeGitHub = {
    url: baseUrl,
    state,
    requests,
    addPullRequest(name, pull, { commits = [] } = {}) {
      const repo = repoState(name)
      const headSha = pull.head?.sha ?? `${pull.number.toString(16).padStart(8, '0')}${'a'.repeat(32)}`
      const full: FakePullRequest = {
        number: pull.number,
        state: pull.state ?? 'open',
        merged_at: pull.merged_at ?? null,
        html_url: pull.html_url ?? `https://github.com/${repo.owner}/${repo.repo}/pull/${pull.number}`,
        head: { sha: headSha, ref: pull.head?.ref ?? `feature-${pull.number}` },
        base: { sha: pull.base?.sha ?? 'b'.repeat(40), ref: pull.base?.ref ?? 'main' }
      }
      repo.pulls.set(full.number, full)
      repo.issues.add(full.number)
      for (const sha of new Set([headSha, ...commits])) {
        const numbers = repo.commitPulls.get(sha) ?? []
        if (!numbers.includes(full.number)) numbers.push(full.number)
        repo.commitPulls.set(sha, numbers)
      }
      return full
    },
    addCommit(name, sha, pulls = []) {
      const repo = repoState(name)
      const numbers = repo.commitPulls.get(sha) ?? []
      for (const n of pulls) if (!numbers.includes(n)) numbers.push(n)
      repo.commitPulls.set(sha, numbers)
    },
    addIssue(name, issueNumber) {
      repoState(name).issues.add(issueNumber)
    },
    seedComments(name, issueNumber, count, { user, body } = {}) {
      const repo = repoState(name)
      repo.issues.add(issueNumber)
      const seeded: FakeComment[] = []
      for (let i = 0; i < count; i++) {
        const author = user ?? { login: `reviewer-${(i % 7) + 1}`, type: 'User' as const }
        seeded.push(snapshot(createComment(repo, issueNumber, body ? body(i) : `Looks fine to me (${i + 1}).`, author)))
      }
      return seeded
    },
    addComment(name, issueNumber, body, user) {
      const repo = repoState(name)
      repo.issues.add(issueNumber)
      return snapshot(createComment(repo, issueNumber, body, user ?? state.actor))
    },
    commentsOn(name, issueNumber) {
      return commentsOf(repoState(name), issueNumber)
    },
    addDeployment(name, deploymentId, environment = 'production') {
      repoState(name).deployments.set(deploymentId, environment)
    },
    issuesOf(name) {
      return [...repoState(name).issueRecords.values()].map((issue) => ({ ...issue, labels: [...issue.labels] }))
    },
    deploymentStatuses(name, deploymentId) {
      return repoState(name).deploymentStatuses.filter((s) => deploymentId === undefined || s.deploymentId === deploymentId)
    },
    async stop() {
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
  return fake
}
