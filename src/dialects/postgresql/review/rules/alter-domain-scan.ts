/**
 * ALTER DOMAIN … ADD CONSTRAINT (without NOT VALID), VALIDATE CONSTRAINT and SET NOT NULL check every column of the
 * domain in every table that has one: PostgreSQL reads each such table in full under SHARE (writes wait). Unlike a
 * table's constraint, validating a domain's later takes the same SHARE lock: NOT VALID only moves the scan. The
 * tables come from the trace (each locked SHARE and read in full); without it the rule says "every table".
 */
import type { ReviewContext, ReviewStatement, Rule, RuleResult } from '../../../../review/types.js'
import { lockBlocks } from './support/lock-context.js'
import { body, kindOf, names } from './support/nodes.js'
import { describeRelation, existedBefore, traceOf } from './support/relations.js'

/** What each checking subtype of AlterDomainStmt does, as the message says it. */
const CHECKS: Record<string, string> = { C: 'adds a constraint', V: 'validates a constraint', O: 'sets NOT NULL' }

/** The domain was created by a pending statement before this one (no table of the running application uses it). */
function createdInPending(statement: ReviewStatement, context: ReviewContext, domain: string): boolean {
  const statements = context.versionStatements ?? []
  return statements.some(
    (other) => other.index < statement.index && names(body(other.node, 'CreateDomainStmt')?.domainname).pop() === domain
  )
}

export const alterDomainScan: Rule = {
  id: 'alter-domain-scan',
  severity: 'warning',
  summary: 'ALTER DOMAIN … ADD CONSTRAINT, VALIDATE CONSTRAINT or SET NOT NULL reads every table that uses the domain under SHARE',
  check(statement, context): RuleResult[] {
    const alter = kindOf(statement.node) === 'AlterDomainStmt' ? body(statement.node, 'AlterDomainStmt') : null
    const what = CHECKS[String(alter?.subtype)]
    if (!alter || !what || body(alter.def, 'Constraint')?.skip_validation === true) return []
    const parts = names(alter.typeName)
    const domain = parts[parts.length - 1] ?? ''
    if (createdInPending(statement, context, domain)) return []
    const trace = traceOf(statement, context)
    const tables =
      trace?.scanned === undefined
        ? null
        : [...new Set(trace.locks.filter((lock) => lock.mode === 'ShareLock').map((lock) => lock.relation))]
            .filter((relation) => trace.scanned?.includes(relation) && existedBefore(relation, context))
            .sort()
    if (tables !== null && tables.length === 0) return []
    const shownDomain = `\`${parts.join('.')}\``
    return [
      {
        severity: 'warning',
        message:
          `${what[0].toUpperCase()}${what.slice(1)} on domain ${shownDomain}: PostgreSQL checks every column of that domain, reading ` +
          (tables === null ? 'every table that has one' : tables.map((relation) => describeRelation(relation, context)).join(', ')) +
          ` in full under SHARE: ${lockBlocks('ShareLock')} until the version commits.`,
        fix:
          'Check the columns table by table instead: on each table, a CHECK constraint NOT VALID, validated in a later version ' +
          '(SHARE UPDATE EXCLUSIVE only). NOT VALID on the domain only moves the scan: ALTER DOMAIN … VALIDATE CONSTRAINT takes ' +
          'SHARE on every table as well.',
        fixSql:
          `ALTER TABLE <table> ADD CONSTRAINT <table>_<column>_check CHECK (<the domain's condition on the column>) NOT VALID;\n` +
          `-- a later version\nALTER TABLE <table> VALIDATE CONSTRAINT <table>_<column>_check;`,
        relation: tables?.[0] ?? null,
        lock: 'ShareLock'
      }
    ]
  }
}
