/**
 * `mysql-dml-before-ddl`: data written in a version before a DDL statement of the same version. MySQL commits it
 * before the DDL runs: if the DDL then fails, the data stays written, as the journal records. Its page is in
 * docs/rules.md.
 */
import type { Rule } from '../../../../review/types.js'
import { commitsImplicitly } from '../../implicit-commit.js'
import { nodeOf } from './support.js'

const WRITES = new Set(['insert', 'replace', 'update', 'delete'])

export const dmlBeforeDdl: Rule = {
  id: 'mysql-dml-before-ddl',
  severity: 'notice',
  summary: 'data written before a DDL statement of the same version: committed before it, and kept if it fails',
  check(statement, context) {
    const node = nodeOf(statement)
    if (!node || !WRITES.has(node.kind) || !context.versionStatements) return []
    const ddl = context.versionStatements.find((other) => other.index > statement.index && commitsImplicitly(other.sql))
    if (!ddl) return []
    return [
      {
        severity: 'notice',
        message:
          `Commits before the DDL at ${ddl.file}:${ddl.line} runs (MySQL commits implicitly before every DDL statement): if that ` +
          `statement fails, this one's rows stay written, and v${statement.version} resumes after it.`,
        fix:
          'Put data changes that depend on the schema change after it, or in a version of their own; if rows written here must ' +
          'not outlive a failed DDL, write them in a later version.',
        relation: null,
        lock: null
      }
    ]
  }
}
