/**
 * The review's entry points: the pending statements parsed by the dialect's parser, the relations they touch
 * (for the one catalog read), and the rules run over them with their context and waivers. What differs by
 * dialect (the parser, the names in a parsed statement, the rules) comes from its ReviewDialect (dialect.ts).
 */
import type { Statement, Version } from '../migrations/types.js'
import { CreatedRelations } from './created-earlier.js'
import type { ReviewDialect } from './dialect.js'
import { syntaxErrorFinding } from './syntax.js'
import { isSeverity, type Finding, type ReviewContext, type ReviewStatement, type Rule } from './types.js'
import { unknownWaiverRule } from './waivers.js'

const rulesByDialect = new WeakMap<ReviewDialect, Rule[]>()

/** Every rule of the review for the dialect: its own, then the review's (a waiver naming no rule), in the order "what was checked" lists them. */
export function reviewRules(dialect: ReviewDialect): Rule[] {
  let rules = rulesByDialect.get(dialect)
  if (!rules) {
    let ids: ReadonlySet<string> | null = null
    const all: Rule[] = [...dialect.rules, unknownWaiverRule(() => (ids ??= new Set(all.map((rule) => rule.id))))]
    rulesByDialect.set(dialect, (rules = all))
  }
  return rules
}

/** `-- aurora-migrate:ignore <rule-id> <reason>`: a waiver needs both the rule id and a reason. */
const WAIVER = /^--\s*aurora-migrate:ignore\s+([a-z0-9][a-z0-9-]*)\s+(\S.*)$/

/**
 * The pending versions' statements, parsed once: those the parser takes, and an error finding for each it refuses
 * (syntax.ts). `index` counts every statement of the version (all files, in order) as verification does, also
 * those the parser refuses, which are left out of `statements`.
 */
export async function parsePending(
  dialect: ReviewDialect,
  versions: Version[],
  pending: number[]
): Promise<{ statements: ReviewStatement[]; syntaxErrors: Finding[] }> {
  const parser = await dialect.loadParser()
  const pendingSet = new Set(pending)
  const statements: ReviewStatement[] = []
  const syntaxErrors: Finding[] = []
  for (const version of versions.filter((v) => pendingSet.has(v.number))) {
    let index = 0
    for (const file of version.files) {
      const lines = file.text.split(/\r\n|\r|\n/)
      for (const statement of file.statements) {
        const { node, error } = parser.parse(statement.sql)
        if (error) syntaxErrors.push(syntaxErrorFinding(version.number, statement, error, dialect.displayName))
        if (node) {
          statements.push({
            version: version.number,
            index,
            file: statement.file,
            line: statement.line,
            column: statement.column,
            sql: statement.sql,
            noTransaction: file.noTransaction,
            node,
            waivers: waiversBefore(lines, statement)
          })
        }
        index++
      }
    }
  }
  return { statements, syntaxErrors }
}

/** The statements of parsePending alone. */
export async function reviewStatements(dialect: ReviewDialect, versions: Version[], pending: number[]): Promise<ReviewStatement[]> {
  return (await parsePending(dialect, versions, pending)).statements
}

/**
 * Waivers written on the comment lines right before a statement (no blank line between), when the statement
 * is the first thing on its line.
 */
function waiversBefore(lines: string[], statement: Statement): Map<string, string> {
  const waivers = new Map<string, string>()
  if (lines[statement.line - 1]?.slice(0, statement.column - 1).trim() !== '') return waivers
  for (let i = statement.line - 2; i >= 0; i--) {
    const line = lines[i].trim()
    if (!line.startsWith('--')) break
    const match = WAIVER.exec(line)
    if (match && !waivers.has(match[1])) waivers.set(match[1], match[2].trim())
  }
  return waivers
}

/** Every `schema.name` the statements touch that existed before them (not created earlier in the pending versions). */
export function touchedRelations(dialect: ReviewDialect, statements: ReviewStatement[], defaultSchema: string): string[] {
  const created = new Set<string>()
  const touched = new Set<string>()
  for (const statement of statements) {
    // A relation its own statement creates (CREATE TABLE t) did not exist before it.
    const createdHere = dialect.createdRelations(statement.node, defaultSchema)
    for (const name of dialect.namedRelations(statement.node, defaultSchema)) {
      if (!created.has(name) && !createdHere.includes(name)) touched.add(name)
    }
    for (const name of createdHere) created.add(name)
  }
  return [...touched].sort()
}

/**
 * Runs every rule over every statement. createdEarlier is the set of relations the pending statements
 * created before each one (in the pending versions, so also earlier in the same file). Waived findings are
 * kept, marked with who waived them; findings come sorted by version, statement order and position.
 */
export function runRules(
  dialect: ReviewDialect,
  statements: ReviewStatement[],
  context: Omit<ReviewContext, 'createdEarlier'>,
  options: { ignoreRules: string[] }
): Finding[] {
  const ignored = new Set(options.ignoreRules)
  const pendingIndexColumns = new Map<string, string[][]>()
  for (const statement of statements) {
    for (const { relation, columns } of dialect.indexColumns(statement.node, context.defaultSchema)) {
      const known = pendingIndexColumns.get(relation)
      if (known) known.push(columns)
      else pendingIndexColumns.set(relation, [columns])
    }
  }
  const byVersion = new Map<number, ReviewStatement[]>()
  for (const statement of statements) byVersion.set(statement.version, [...(byVersion.get(statement.version) ?? []), statement])
  const created = new CreatedRelations()
  statements.forEach((statement, position) => {
    for (const name of dialect.createdRelations(statement.node, context.defaultSchema)) created.add(name, position)
  })
  const rules = reviewRules(dialect)
  const findings: Array<Finding & { index: number }> = []
  for (const [position, statement] of statements.entries()) {
    const ofStatement: Array<Finding & { index: number; addendum?: string }> = []
    const statementContext: ReviewContext = {
      ...context,
      createdEarlier: created.before(position),
      pendingIndexColumns,
      versionStatements: byVersion.get(statement.version)
    }
    for (const rule of rules) {
      for (const result of rule.check(statement, statementContext)) {
        const finding: Finding & { index: number } = {
          ...result,
          rule: rule.id,
          // The type makes a result state a Severity; a result built around the type (a cast, JSON) still cannot
          // give a finding any other value.
          severity: isSeverity(result.severity) ? result.severity : rule.severity,
          version: statement.version,
          index: statement.index,
          file: statement.file,
          line: statement.line,
          column: statement.column
        }
        const reason = statement.waivers.get(rule.id)
        if (reason !== undefined) finding.waived = { reason, by: 'comment' }
        else if (ignored.has(rule.id)) finding.waived = { reason: 'listed in the ignore-rules input', by: 'input' }
        ofStatement.push(finding)
      }
    }
    findings.push(...joinAddenda(ofStatement))
  }
  findings.sort((a, b) => a.version - b.version || a.index - b.index || a.line - b.line || a.column - b.column)
  return findings.map(({ index: _index, ...finding }) => finding)
}

/**
 * One finding per statement and cause: a result with an addendum (a consequence of a cause another rule reports)
 * is added to the first unwaived finding of another rule about the same relation and lock, and left out.
 */
function joinAddenda<T extends Finding & { addendum?: string }>(findings: T[]): Array<Omit<T, 'addendum'>> {
  const joined: T[] = []
  for (const finding of findings) {
    const { addendum } = finding
    const into =
      addendum === undefined || finding.waived
        ? undefined
        : findings.find(
            (other) =>
              other !== finding &&
              other.addendum === undefined &&
              !other.waived &&
              other.relation === finding.relation &&
              other.lock === finding.lock
          )
    // An empty addendum: the other finding says all of it already.
    if (into && addendum) into.message = `${into.message} ${addendum}`
    else if (!into) joined.push(finding)
  }
  return joined.map(({ addendum: _addendum, ...finding }) => finding)
}

/** Rule ids in `ids` that no rule has (for the ignore-rules input's validation). */
export function unknownRuleIds(dialect: ReviewDialect, ids: string[]): string[] {
  const known = new Set(reviewRules(dialect).map((rule) => rule.id))
  return ids.filter((id) => !known.has(id))
}
