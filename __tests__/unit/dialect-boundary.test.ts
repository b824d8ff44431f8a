/**
 * The dialect seam holds: PostgreSQL's SQL, catalog names and SQLSTATE codes live in
 * src/dialects/postgresql/, and no core branches on a dialect's name. The check reads every string and
 * template literal of the source (comments are free to explain), so a query or an error code written
 * anywhere else fails here with its file and line.
 */
import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import ts from 'typescript'

const root = path.resolve(import.meta.dirname, '../..')

/** Where PostgreSQL may be spoken, and why. */
const POSTGRESQL_HOME = 'src/dialects/postgresql/'
/** The dialects' own folders: each speaks its database (MySQL shares words like information_schema and NOWAIT). */
const DIALECTS_HOME = 'src/dialects/'
const ALLOWED: Record<string, string> = {
  // The inputs' descriptions (README tables, --help) name the settings an input sets on PostgreSQL.
  'src/options.ts': 'input descriptions'
}

/** Pieces of PostgreSQL that have no business in a dialect-free core. */
const POSTGRESQL_SQL: Array<[string, RegExp]> = [
  ['a system catalog or function (pg_…)', /\bpg_[a-z_]+/i],
  ['a cast (::type)', /::\s*(regclass|regtype|regproc|oid|text|int|integer|bigint|jsonb?|name|timestamptz|boolean|bool)\b/i],
  ['regclass', /\bto_regclass\b|\bregclass\b/i],
  ['SKIP LOCKED', /\bSKIP\s+LOCKED\b/i],
  ['SET LOCAL', /\bSET\s+LOCAL\b/i],
  ['a DO block', /\bDO\s+\$/],
  ['dollar quoting', /\$[A-Za-z_]*\$/],
  ['a PostgreSQL setting function', /\b(current_setting|set_config|current_schema|txid_current|clock_timestamp)\s*\(/i],
  ['information_schema', /\binformation_schema\b/i],
  ['a PostgreSQL setting', /\b(lock_timeout|statement_timeout|idle_in_transaction_session_timeout|search_path)\b/],
  ['a PostgreSQL type or function', /\b(jsonb|json_agg|json_build_object|quote_ident|make_interval|regnamespace|plpgsql)\b/i],
  ['a PostgreSQL statement', /^\s*(DISCARD\s+ALL|NOTIFY|LISTEN|VACUUM|REINDEX|CLUSTER)\b/],
  ['NOWAIT', /\bNOWAIT\b/]
]
const SQLSTATE = /^[0-9A-Z]{5}$/
const DIALECT_NAMES = /^(postgresql|mysql)$/

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`
    if (entry.isDirectory()) return sourceFiles(relative)
    return entry.name.endsWith('.ts') ? [relative] : []
  })
}

interface Literal {
  file: string
  line: number
  text: string
}

function literals(file: string): Literal[] {
  const text = readFileSync(path.join(root, file), 'utf8')
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true)
  const found: Literal[] = []
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteralLike(node) || ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) {
      // Import paths and type-level names are not SQL.
      if (!ts.isImportDeclaration(node.parent) && !ts.isExportDeclaration(node.parent) && !ts.isLiteralTypeNode(node.parent)) {
        found.push({ file, line: source.getLineAndCharacterOfPosition(node.getStart()).line + 1, text: node.text })
      }
    }
    ts.forEachChild(node, visit)
  }
  visit(source)
  return found
}

const files = sourceFiles('src')

test('the check reads the source (it would see a violation)', () => {
  expect(files.length).toBeGreaterThan(50)
  const inHome = files.filter((file) => file.startsWith(POSTGRESQL_HOME)).flatMap(literals)
  // The PostgreSQL dialect does hold what the check looks for: the patterns match real code.
  for (const [, pattern] of POSTGRESQL_SQL.slice(0, 5)) expect(inHome.some((literal) => pattern.test(literal.text))).toBe(true)
  expect(inHome.some((literal) => SQLSTATE.test(literal.text) && /\d/.test(literal.text))).toBe(true)
})

test('no PostgreSQL SQL or SQLSTATE code outside the dialects (src/dialects/)', () => {
  const violations: string[] = []
  for (const file of files) {
    if (file.startsWith(DIALECTS_HOME) || file in ALLOWED) continue
    for (const literal of literals(file)) {
      for (const [what, pattern] of POSTGRESQL_SQL) {
        if (pattern.test(literal.text))
          violations.push(`${literal.file}:${literal.line}: ${what}: ${JSON.stringify(literal.text.slice(0, 80))}`)
      }
      if (SQLSTATE.test(literal.text) && /\d/.test(literal.text)) {
        violations.push(`${literal.file}:${literal.line}: a SQLSTATE code: ${JSON.stringify(literal.text)}`)
      }
    }
  }
  expect(violations).toEqual([])
})

test('no core imports src/dialects/: each declares the part it needs, and the front ends hand it in', () => {
  const above = ['src/dialects/', 'src/commands/', 'src/cli/', 'src/main.ts', 'src/cli.ts', 'src/index.ts']
  const violations = files
    .filter((file) => !above.some((place) => file.startsWith(place)))
    .flatMap((file) =>
      readFileSync(path.join(root, file), 'utf8')
        .split('\n')
        .map((line, index) => ({ line, index }))
        .filter(({ line }) => /^(import|export) .* from '(\.\.?\/)+(dialects\/|.*\/dialects\/)/.test(line))
        .map(({ index }) => `${file}:${index + 1}`)
    )
  expect(violations).toEqual([])
})

test('no core branches on a dialect name: only the dialects and the place that picks one name them', () => {
  const naming = ['src/dialects/', 'src/commands/dialect.ts']
  const violations = files
    .filter((file) => !naming.some((place) => file.startsWith(place)))
    .flatMap(literals)
    .filter((literal) => DIALECT_NAMES.test(literal.text))
    .map((literal) => `${literal.file}:${literal.line}: ${JSON.stringify(literal.text)}`)
  expect(violations).toEqual([])
})
