// `npm run screenshot:comment [-- <golden.md> [<out.png>]]`: the picture of the plan comment in the README.
// Renders a golden file (default __tests__/golden/comment-plan-findings.md) the way GitHub shows a comment —
// markdown-it (CommonMark, GitHub's tables, inline HTML), a GitHub-like stylesheet inlined — and takes a
// screenshot with headless Chromium (default docs/images/plan-comment.png). Retake it whenever the comment
// changes: `UPDATE_GOLDEN=1 npm test -- __tests__/unit/review-report.test.ts`, then this script.
//
// Needs Debian's `chromium` and an emoji font: `apt-get install -y chromium fonts-noto-color-emoji`
// (or CHROMIUM=/path/to/chrome). The tests never need it.
//
// Flags: --width N (default 900), --max-height N (default 1400: the page is cut to its content, at most this),
// --html FILE (also keep the HTML page).
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import MarkdownIt from 'markdown-it'

const DEFAULT_GOLDEN = '__tests__/golden/comment-plan-findings.md'
const DEFAULT_OUT = 'docs/images/plan-comment.png'

/** GitHub's comment look, close enough for a picture: its fonts, colours, tables, code and <details>. */
const STYLE = `
  * { box-sizing: border-box; }
  html { background: #ffffff; }
  body { margin: 0; padding: 16px; font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial,
    "Liberation Sans", "DejaVu Sans", sans-serif, "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji";
    font-size: 14px; line-height: 1.5; color: #1f2328; }
  .timeline { display: flex; gap: 12px; align-items: flex-start; }
  .avatar { width: 40px; height: 40px; border-radius: 50%; background: #2f81f7; color: #fff; flex: none;
    display: flex; align-items: center; justify-content: center; font-weight: 600; font-size: 15px; }
  .comment { flex: 1; min-width: 0; border: 1px solid #d1d9e0; border-radius: 6px; }
  .comment-header { background: #f6f8fa; border-bottom: 1px solid #d1d9e0; border-radius: 6px 6px 0 0;
    padding: 8px 16px; color: #59636e; }
  .comment-header b { color: #1f2328; }
  .label { border: 1px solid #d1d9e0; border-radius: 2em; padding: 0 7px; font-size: 12px; margin-left: 4px; }
  .markdown-body { padding: 16px; overflow-wrap: break-word; }
  .markdown-body > :first-child { margin-top: 0 !important; }
  .markdown-body > :last-child { margin-bottom: 0 !important; }
  p, ul, ol, table, pre, details, blockquote { margin-top: 0; margin-bottom: 16px; }
  h3 { font-size: 1.25em; font-weight: 600; line-height: 1.25; margin: 24px 0 16px; }
  ul, ol { padding-left: 2em; }
  li + li { margin-top: 0.25em; }
  li > p { margin-top: 16px; }
  a { color: #0969da; text-decoration: none; }
  code { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", "DejaVu Sans Mono", monospace;
    font-size: 85%; padding: 0.2em 0.4em; margin: 0; background: rgba(129, 139, 152, 0.12); border-radius: 6px; white-space: break-spaces; }
  pre { padding: 16px; overflow: auto; font-size: 85%; line-height: 1.45; background: #f6f8fa; border-radius: 6px; }
  pre code { padding: 0; background: transparent; font-size: 100%; white-space: pre; }
  table { border-spacing: 0; border-collapse: collapse; display: block; width: max-content; max-width: 100%; overflow: auto; }
  th { font-weight: 600; }
  th, td { padding: 6px 13px; border: 1px solid #d1d9e0; }
  tr { background: #ffffff; border-top: 1px solid #d1d9e0; }
  tr:nth-child(2n) { background: #f6f8fa; }
  blockquote { padding: 0 1em; color: #59636e; border-left: 0.25em solid #d1d9e0; }
  details summary { cursor: pointer; display: list-item; }
  sub { font-size: 75%; color: #59636e; }
`

/** The HTML page of one comment: GitHub's timeline item around the rendered markdown. */
export function commentPage(markdown) {
  const body = new MarkdownIt({ html: true }).render(markdown)
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>aurora-migrate plan comment</title><style>${STYLE}</style></head>
<body>
<div class="timeline">
  <div class="avatar">▲</div>
  <div class="comment">
    <div class="comment-header"><b>github-actions</b> <span class="label">bot</span> commented</div>
    <div class="markdown-body">
${body}
    </div>
  </div>
</div>
<script>document.documentElement.dataset.height = String(Math.ceil(document.querySelector('.timeline').getBoundingClientRect().bottom + 16))</script>
</body></html>
`
}

function chromiumBinary() {
  if (process.env.CHROMIUM) return process.env.CHROMIUM
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    if (spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).status === 0) return name
  }
  throw new Error('No Chromium found: apt-get install -y chromium fonts-noto-color-emoji, or set CHROMIUM to its path.')
}

/** Headless Chromium with nothing that reaches the network or keeps state; the flags a screenshot needs last. */
function chromium(binary, flags, page) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-chromium-'))
  try {
    const args = [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--user-data-dir=${profile}`,
      ...flags,
      pathToFileURL(page).href
    ]
    const run = spawnSync(binary, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 })
    if (run.status !== 0) throw new Error(`${binary} exited with ${run.status ?? run.signal}: ${run.stderr.slice(-2_000)}`)
    return run.stdout
  } finally {
    fs.rmSync(profile, { recursive: true, force: true })
  }
}

function flag(args, name, fallback) {
  const index = args.indexOf(name)
  if (index < 0) return fallback
  const [, value] = args.splice(index, 2)
  if (value === undefined) throw new Error(`${name} needs a value`)
  return value
}

async function main() {
  const args = process.argv.slice(2)
  const width = Number(flag(args, '--width', '900'))
  const maxHeight = Number(flag(args, '--max-height', '1400'))
  const keepHtml = flag(args, '--html', null)
  if (!Number.isInteger(width) || width < 300 || !Number.isInteger(maxHeight) || maxHeight < 200) {
    throw new Error('--width must be a whole number of at least 300, --max-height of at least 200')
  }
  const [golden = DEFAULT_GOLDEN, out = DEFAULT_OUT] = args
  const markdown = fs.readFileSync(golden, 'utf8')
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'aurora-migrate-screenshot-'))
  try {
    const page = path.join(work, 'comment.html')
    fs.writeFileSync(page, commentPage(markdown))
    if (keepHtml) fs.copyFileSync(page, keepHtml)
    const binary = chromiumBinary()
    // First the page's height at this width, then a window just that tall (at most --max-height).
    const dom = chromium(binary, [`--window-size=${width},${maxHeight}`, '--dump-dom'], page)
    const measured = Number(/data-height="(\d+)"/.exec(dom)?.[1] ?? maxHeight)
    const height = Math.min(maxHeight, Math.max(200, measured))
    fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true })
    const target = path.resolve(out)
    chromium(binary, [`--screenshot=${target}`, `--window-size=${width},${height}`, '--hide-scrollbars'], page)
    if (!fs.existsSync(target) || fs.statSync(target).size === 0) throw new Error(`Chromium wrote no screenshot to ${out}`)
    console.log(`${out}: ${width}×${height} from ${golden}${measured > maxHeight ? ` (cut from ${measured} px)` : ''}`)
  } finally {
    fs.rmSync(work, { recursive: true, force: true })
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((error) => {
    console.error(error instanceof Error ? error.message : error)
    process.exit(1)
  })
}
