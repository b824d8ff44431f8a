/**
 * The documented interface matches the code: every input the action reads is declared in action.yml
 * and listed in docs/inputs.md, the command line's reference names its commands and flags, every example
 * workflow uses only declared inputs, and every relative link in README.md and docs/*.md resolves.
 */
import fs from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { parseArgs } from '../../src/cli/args.js'
import { inputsTable, OPTIONS } from '../../src/options.js'
import { NOT_IN_SETTINGS_FILE } from '../../src/settings/settings-file.js'

const action = parse(fs.readFileSync('action.yml', 'utf8')) as {
  inputs: Record<string, { description: string; default?: string }>
  outputs: Record<string, { description: string }>
  runs: { using: string; main: string }
}
const readme = fs.readFileSync('README.md', 'utf8')
/** The inputs table of docs/inputs.md: its header row, its rule and every row after them. */
const INPUTS_TABLE = /\| Input \| Default \| Description \|\n(?:\|.*\|\n)+/
// Like a golden file: UPDATE_GOLDEN=1 writes inputsTable() over the table (review the diff); never under CI.
if (process.env.UPDATE_GOLDEN) {
  if (process.env.CI && process.env.CI !== 'false')
    throw new Error('UPDATE_GOLDEN is set under CI: rewrite docs/inputs.md on a developer machine.')
  const page = fs.readFileSync('docs/inputs.md', 'utf8')
  if (!INPUTS_TABLE.test(page)) throw new Error('docs/inputs.md has no inputs table to rewrite')
  fs.writeFileSync(
    'docs/inputs.md',
    page.replace(INPUTS_TABLE, () => `${inputsTable()}\n`)
  )
}
/** The reference pages: the inputs and outputs tables, and the command line. */
const inputsPage = fs.readFileSync('docs/inputs.md', 'utf8')
const commandLinePage = fs.readFileSync('docs/command-line.md', 'utf8')
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

test('every input the code reads is declared, documented and listed in docs/inputs.md', () => {
  const read = new Set([...source.matchAll(/(?:input|[a-z]+Input\(sources,)\s*\(?\s*'([a-z-]+)'/g)].map((m) => m[1]))
  expect(read.size).toBeGreaterThan(15)
  for (const name of read) {
    expect(action.inputs[name]?.description).toBeTruthy()
    expect(inputsPage).toContain(`| \`${name}\` |`)
  }
  for (const name of Object.keys(action.inputs)) expect(read).toContain(name)
})

test("one table of options: action.yml's inputs and docs/inputs.md's inputs table are written from src/options.ts", () => {
  const declared = Object.entries(action.inputs).map(([name, input]) => ({ name, description: input.description, default: input.default }))
  // A default in action.yml only where the settings file cannot set the input: elsewhere the file's value must show through.
  const actionDefault = (option: (typeof OPTIONS)[number]): string | undefined =>
    NOT_IN_SETTINGS_FILE.includes(option.name) ? option.default : undefined
  expect(declared).toEqual(
    OPTIONS.map((option) => ({ name: option.name, description: option.description, default: actionDefault(option) }))
  )
  const table = INPUTS_TABLE.exec(inputsPage)?.[0].trimEnd()
  // When this fails after a change to src/options.ts: UPDATE_GOLDEN=1 npm test -- __tests__/unit/docs.test.ts, and review the diff.
  expect(table).toBe(inputsTable())
})

test('docs/command-line.md documents the command line: its commands, its flags, exit codes and a GitLab CI example that exists', () => {
  const section = commandLinePage
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

test('every output is declared, set by the code and listed in docs/inputs.md', () => {
  const set = new Set([...source.matchAll(/core\.setOutput\('([a-z-]+)'/g)].map((m) => m[1]))
  expect(new Set(Object.keys(action.outputs))).toEqual(set)
  for (const name of set) expect(inputsPage).toContain(`| \`${name}\` |`)
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

/** README.md and every Markdown page under docs/, as repository paths. */
const markdownFiles = ['README.md', ...fs.readdirSync('docs', { recursive: true }).map((f) => path.join('docs', String(f)))].filter((f) =>
  f.endsWith('.md')
)

/** The text outside fenced code blocks (their lines blanked, so line numbers stay). */
function outsideCode(markdown: string): string[] {
  let fence: string | undefined
  return markdown.split('\n').map((line) => {
    const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1]
    if (fence === undefined && marker) fence = marker[0]
    else if (fence !== undefined && marker?.[0] === fence) fence = undefined
    else if (fence === undefined) return line
    return ''
  })
}

/** The anchors GitHub gives a page: one per heading (github-slugger's rule, -1, -2 for repeats), and HTML ids and names. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>()
  const seen = new Map<string, number>()
  for (const line of outsideCode(markdown)) {
    for (const m of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(m[1])
    const heading = /^ {0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1]
    if (heading === undefined) continue
    const text = heading.replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/<[^>]+>/g, '')
    const slug = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\p{M}\p{Pc} -]/gu, '')
      .replace(/ /g, '-')
    const count = seen.get(slug) ?? 0
    seen.set(slug, count + 1)
    anchors.add(count === 0 ? slug : `${slug}-${count}`)
  }
  return anchors
}

/** Every relative link and image of a Markdown file (outside code), with its line. */
function relativeLinks(markdown: string): Array<{ line: number; target: string }> {
  const links: Array<{ line: number; target: string }> = []
  outsideCode(markdown).forEach((text, index) => {
    const prose = text.replace(/(`+)[^`]*?\1/g, '')
    const targets = [
      ...[...prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]),
      ...[...prose.matchAll(/^\s*\[[^\]]+\]:\s*<?(\S+?)>?(?:\s|$)/g)].map((m) => m[1]),
      ...[...prose.matchAll(/<(?:a|img)\s[^>]*?(?:href|src)="([^"]+)"/g)].map((m) => m[1])
    ]
    for (const target of targets) if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) links.push({ line: index + 1, target })
  })
  return links
}

/** The links of `file` that point at no file, or at an anchor the Markdown page it names does not have. */
function brokenLinks(file: string, markdown: string, read: (file: string) => string | undefined): string[] {
  const broken: string[] = []
  for (const { line, target } of relativeLinks(markdown)) {
    const [pathPart, anchor] = target.split('#', 2) as [string, string | undefined]
    const resolved =
      pathPart === '' ? file : path.normalize(path.join(pathPart.startsWith('/') ? '' : path.dirname(file), decodeURI(pathPart)))
    const text = resolved === file ? markdown : read(resolved)
    if (text === undefined) broken.push(`${file}:${line}: ${target}: no such file`)
    else if (anchor !== undefined && resolved.endsWith('.md') && !anchorsOf(text).has(decodeURIComponent(anchor)))
      broken.push(`${file}:${line}: ${target}: ${resolved} has no heading with the anchor #${anchor}`)
  }
  return broken
}

/** A repository file's text ('' for a folder or a binary file), or undefined when there is none. */
function readRepositoryFile(file: string): string | undefined {
  if (!fs.existsSync(file)) return undefined
  return fs.statSync(file).isFile() && file.endsWith('.md') ? fs.readFileSync(file, 'utf8') : ''
}

test('the link check finds a missing file, a missing anchor and a link to a heading in code, and accepts good links', () => {
  const pages: Record<string, string> = {
    'docs/a.md': '# Page A\n\n## Forward only: no `down` migrations\n\n## Repeat\n\n## Repeat\n\n```sh\n# Not a heading\n```\n',
    LICENSE: 'MIT'
  }
  const page = [
    '# Guide',
    '[ok](a.md#forward-only-no-down-migrations) [ok](a.md#repeat-1) [ok](../LICENSE) [ok](#guide) [ok](https://example.com/x)',
    '![missing image](images/nope.png) `[not a link](nowhere.md)`',
    '[bad anchor](a.md#not-a-heading) [heading in code](a.md#not-a-heading-1) [bad local](#nope)',
    '```md',
    '[in a code block](nowhere.md)',
    '```'
  ].join('\n')
  expect(brokenLinks('docs/guide.md', page, (file) => pages[file])).toEqual([
    'docs/guide.md:3: images/nope.png: no such file',
    'docs/guide.md:4: a.md#not-a-heading: docs/a.md has no heading with the anchor #not-a-heading',
    'docs/guide.md:4: a.md#not-a-heading-1: docs/a.md has no heading with the anchor #not-a-heading-1',
    'docs/guide.md:4: #nope: docs/guide.md has no heading with the anchor #nope'
  ])
})

test('every relative link and image in README.md and docs/*.md points to an existing file and, in a Markdown page, an existing heading', () => {
  expect(markdownFiles).toEqual(expect.arrayContaining(['README.md', 'docs/README.md', 'docs/inputs.md', 'docs/command-line.md']))
  let links = 0
  const broken: string[] = []
  for (const file of markdownFiles) {
    const markdown = fs.readFileSync(file, 'utf8')
    links += relativeLinks(markdown).length
    broken.push(...brokenLinks(file, markdown, readRepositoryFile))
  }
  expect(links).toBeGreaterThan(50)
  expect(broken).toEqual([])
})

test('docs/README.md lists every page under docs/, and README.md links to it', () => {
  const contents = fs.readFileSync('docs/README.md', 'utf8')
  const listed = new Set(relativeLinks(contents).map(({ target }) => path.normalize(path.join('docs', target.split('#')[0]))))
  for (const file of markdownFiles.filter((f) => f.startsWith('docs/') && f !== 'docs/README.md'))
    expect([file, listed.has(file)]).toEqual([file, true])
  expect(relativeLinks(readme).map(({ target }) => target)).toContain('docs/README.md')
})

test("the inputs table is written once: any page that has one has src/options.ts's", () => {
  const pages = markdownFiles.filter((file) => fs.readFileSync(file, 'utf8').includes('| Input | Default | Description |'))
  expect(pages).toEqual(['docs/inputs.md'])
})

test("the README's first screen: what it is, the picture of the plan comment, the local try, then the quick starts", () => {
  const lines = readme.split('\n')
  const at = (pattern: RegExp): number => lines.findIndex((line) => pattern.test(line))
  const order = {
    picture: at(/^!\[The plan comment on a pull request\]\(docs\/images\/plan-comment\.png\)$/),
    tryIt: at(/^## Try it/),
    demo: at(/^npm ci && npm run demo\b/),
    tests: at(/^npm test\b/),
    action: at(/^## Quick start: the GitHub Action$/),
    permissions: at(/^permissions:$/),
    commandLine: at(/^## Quick start: the command line$/),
    forwardOnly: at(/^## Forward only$/)
  }
  for (const [name, index] of Object.entries(order)) expect([name, index >= 0]).toEqual([name, true])
  const indexes = Object.values(order)
  expect(indexes).toEqual([...indexes].sort((a, b) => a - b))
  // The picture and the two commands on the first screen.
  expect(order.tests).toBeLessThan(25)
  // A short section per feature; the details live under docs/.
  expect(lines.length).toBeLessThan(320)
})

/** The lines inside fenced code blocks of a Markdown page, with their line numbers and the fence's language. */
function codeLines(markdown: string): Array<{ line: number; text: string; language: string }> {
  const lines: Array<{ line: number; text: string; language: string }> = []
  let fence: { marker: string; language: string } | undefined
  markdown.split('\n').forEach((text, index) => {
    const opening = /^\s*(`{3,}|~{3,})\s*([\w-]*)/.exec(text)
    if (fence === undefined && opening) fence = { marker: opening[1][0], language: opening[2] }
    else if (fence !== undefined && opening?.[1][0] === fence.marker && opening[2] === '') fence = undefined
    else if (fence !== undefined) lines.push({ line: index + 1, text, language: fence.language })
  })
  return lines
}

test("every aurora-migrate command line shown in README.md and docs/*.md is accepted by the command line's parser", () => {
  const refused: string[] = []
  let shown = 0
  for (const file of markdownFiles) {
    for (const { line, text } of codeLines(fs.readFileSync(file, 'utf8'))) {
      const words = /\baurora-migrate(?:@\S+)?\s+([a-z].*)$/.exec(text.replace(/\s+#\s.*$/, ''))?.[1]
      if (words === undefined) continue
      shown++
      const argv = (words.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).filter((word) => word !== '…')
      try {
        parseArgs(argv)
      } catch (error) {
        refused.push(`${file}:${line}: ${text.trim()}: ${(error as Error).message}`)
      }
    }
  }
  expect(shown).toBeGreaterThanOrEqual(8)
  expect(refused).toEqual([])
})

test('every aurora-migrate step in the YAML of README.md and docs/*.md uses only declared inputs', () => {
  const steps: Array<{ where: string; with: Record<string, unknown> }> = []
  const visit = (node: unknown, where: string): void => {
    if (Array.isArray(node)) for (const item of node) visit(item, where)
    else if (node && typeof node === 'object') {
      const step = node as { uses?: unknown; with?: Record<string, unknown> }
      if (typeof step.uses === 'string' && step.uses.startsWith('octo-org/aurora-migrate@')) steps.push({ where, with: step.with ?? {} })
      for (const value of Object.values(node)) visit(value, where)
    }
  }
  for (const file of markdownFiles) {
    const blocks = new Map<number, string[]>()
    let start = -1
    let previous = -2
    for (const { line, text, language } of codeLines(fs.readFileSync(file, 'utf8'))) {
      if (language !== 'yaml' && language !== 'yml') continue
      if (line !== previous + 1) blocks.set((start = line), [])
      blocks.get(start)!.push(text)
      previous = line
    }
    for (const [line, lines] of blocks) visit(parse(lines.join('\n')), `${file}:${line}`)
  }
  expect(steps.length).toBeGreaterThanOrEqual(3)
  for (const step of steps)
    for (const key of Object.keys(step.with)) expect([step.where, key, key in action.inputs]).toEqual([step.where, key, true])
})
