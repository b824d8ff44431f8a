/**
 * The rules that speak for the online DDL prediction (prediction.ts, ../algorithm.ts): one per hazard — a copy, a
 * type change, a VARCHAR across its length byte, a character set conversion, a foreign key that copies, FULLTEXT
 * and SPATIAL indexes, a column placed FIRST/AFTER where that rebuilds, a rebuild in place — each with the
 * algorithm, the table's size from the target's catalog, why, and its fix; and two about statements the server
 * will refuse (an ALGORITHM=/LOCK= it cannot honour, the instant row-version limit). Where verification proved the
 * statement's algorithm on the throwaway server, the finding says so after its effect, and says a disagreement
 * with the prediction as one (proof.ts). Their pages are in docs/rules.md.
 */
import { traceKey, type Rule, type RuleResult } from '../../../../review/types.js'
import { ROW_VERSIONS_REFUSED } from '../algorithm.js'
import { predictionOf, type Hazard, type StatementPrediction } from './prediction.js'
import { proofSentence } from './proof.js'
import { describeTable, sizeSeverity, sqlTable } from './support.js'

const ONLINE_TOOLS =
  'an online schema-change tool (gh-ost, pt-online-schema-change, Spirit), which copies in the background without blocking writes'

/** What the statement does to the table, at its predicted algorithm, then what the throwaway server proved of it. */
function effect(p: StatementPrediction, table: string, proof: string | null): string {
  const { algorithm, concurrentDml } = p.prediction
  const proved = proof ? `. ${proof.replace(/\.$/, '')}` : ''
  if (algorithm === 'copy')
    return `\`ALGORITHM=COPY\`: copies ${table} into a new table row by row and blocks writes to it for the whole copy${proved}`
  const rebuilds = p.prediction.rebuilds
  if (!concurrentDml)
    return `\`ALGORITHM=${algorithm.toUpperCase()}\`${rebuilds ? ', rebuilding the table' : ''}: blocks writes to ${table} while it runs${proved}`
  return `\`ALGORITHM=INPLACE\`: rebuilds ${table} in place; reads and writes go on, but the rebuild takes about as long as a copy, and replicas apply it only once it has finished${proved}`
}

function assumed(p: StatementPrediction): string {
  return p.serverKnown ? '' : ` (Judged for MySQL ${p.server.version}, Aurora MySQL 3's oldest: no target was read.)`
}

function hazardRule(
  id: Hazard,
  summary: string,
  fix: (p: StatementPrediction) => string,
  fixSql?: (p: StatementPrediction) => string
): Rule {
  return {
    id,
    severity: 'warning',
    summary,
    check(statement, context): RuleResult[] {
      const p = predictionOf(statement, context)
      const mine = p?.clauses.filter((clause) => clause.hazard === id) ?? []
      if (!p || !mine.length || p.prediction.refused) return []
      const why = [...new Set(mine.map((clause) => clause.why))].join(' ')
      // A clause the reader does not know is assumed to copy: said, but never more than a notice, as a guess.
      const guessed = mine.every((clause) => clause.clause.op === 'unknown')
      return [
        {
          severity: guessed ? 'notice' : sizeSeverity(p.key, context),
          message: `${effect(p, describeTable(p.key, context), proofSentence(p, statement, context))}. ${why}${assumed(p)}`,
          fix: fix(p),
          ...(fixSql ? { fixSql: fixSql(p) } : {}),
          relation: p.key,
          lock: p.prediction.concurrentDml ? 'NONE' : p.prediction.lock.toUpperCase()
        }
      ]
    }
  }
}

export const alterCopy = hazardRule(
  'mysql-alter-copy',
  'ALTER TABLE that copies the table (ALGORITHM=COPY): writes blocked for the whole copy',
  () =>
    `Split the change so that each part runs INSTANT or INPLACE (the finding says which clause copies), or, on a big table, run it with ${ONLINE_TOOLS}.`
)

export const columnTypeChange = hazardRule(
  'mysql-column-type-change',
  "changing a column's data type: the table is copied and writes blocked",
  () =>
    `Expand and contract: add a column of the new type (instant), backfill it in batches, move the application to it, and drop the old column in a later version; or, on a big table, run the change with ${ONLINE_TOOLS}.`
)

export const varcharBoundary = hazardRule(
  'mysql-varchar-boundary',
  'VARCHAR widened across 255 bytes (or shortened): the table is copied, not extended in place',
  () =>
    'A VARCHAR of up to 255 bytes keeps its length in one byte, a longer one in two: widening within the same class runs in place ' +
    '(VARCHAR(63) holds 252 bytes in utf8mb4), across it the table is copied. Widen within the class, or plan the copy: on a big table ' +
    `use ${ONLINE_TOOLS}.`
)

export const charsetConversion = hazardRule(
  'mysql-charset-conversion',
  'character set or collation conversion: the table is copied and writes blocked',
  () =>
    `Convert on a new table or column and move the application over, or, on a big table, with ${ONLINE_TOOLS}. A table's DEFAULT CHARACTER SET alone (new columns only) changes no row.`
)

export const foreignKeyCopy = hazardRule(
  'mysql-foreign-key-copy',
  'FOREIGN KEY added with foreign_key_checks on: the child table is copied',
  () =>
    'With foreign_key_checks on, MySQL copies the child table to add the key. Check for orphans first (the query below), then add it ' +
    'with the checks off for that statement: it then runs in place and does not read the rows.',
  (p) =>
    `SELECT COUNT(*) FROM ${sqlTable(p.key)} AS c LEFT JOIN parent AS p ON p.id = c.parent_id WHERE c.parent_id IS NOT NULL AND p.id IS NULL;\n` +
    `SET foreign_key_checks = 0;\nALTER TABLE ${sqlTable(p.key)} ADD CONSTRAINT … FOREIGN KEY (…) REFERENCES …;\nSET foreign_key_checks = 1;`
)

export const fulltextSpatialIndex = hazardRule(
  'mysql-fulltext-spatial-index',
  'FULLTEXT or SPATIAL index on an existing table: no writes while it builds (the first FULLTEXT index rebuilds the table)',
  () =>
    'Build it at a quiet hour, or on a new table before it fills. For FULLTEXT, create the table with its own ' +
    '`FTS_DOC_ID BIGINT UNSIGNED NOT NULL AUTO_INCREMENT` column and a unique index `FTS_DOC_ID_INDEX` on it: the first FULLTEXT index then does not rebuild it.'
)

export const columnPosition = hazardRule(
  'mysql-column-position',
  'ADD COLUMN … FIRST/AFTER where the server cannot place it instantly: the table is rebuilt',
  () => 'Add the column last (leave out FIRST/AFTER): instant since MySQL 8.0.12. Column order matters to no query that names its columns.'
)

export const tableRebuild = hazardRule(
  'mysql-table-rebuild',
  'ALTER TABLE that rebuilds the table in place (NOT NULL, PRIMARY KEY, FORCE, ROW_FORMAT …): as long as a copy',
  () =>
    'On a big table, run it with an online schema-change tool or at a quiet hour; over the Data API the version procedure goes on past ' +
    'the 45 s call limit while the run waits for it (statement-timeout bounds the wait). A NOT NULL column is better added with its default in one ADD COLUMN, which is instant.'
)

function refusal(id: string, summary: string, match: (errno: number) => boolean, fix: string): Rule {
  return {
    id,
    severity: 'error',
    summary,
    check(statement, context): RuleResult[] {
      const p = predictionOf(statement, context)
      const refused = p?.prediction.refused
      if (!p || !refused || !match(refused.errno)) return []
      return [
        {
          severity: 'error',
          message: `MySQL refuses this statement (error ${refused.errno}) on ${describeTable(p.key, context)}: ${refused.why}${assumed(p)}`,
          fix,
          relation: p.key,
          lock: null
        }
      ]
    }
  }
}

export const instantRowVersions = refusal(
  'mysql-instant-row-versions',
  "instant ADD/DROP COLUMN past the table's row-version limit (64): refused (4092)",
  (errno) => errno === ROW_VERSIONS_REFUSED,
  'Rebuild the table once first (`ALTER TABLE … FORCE`, a rebuild in place that resets the count), or let this change run in place (leave out ALGORITHM=INSTANT).'
)

export const algorithmRefused = refusal(
  'mysql-algorithm-refused',
  'an ALGORITHM= or LOCK= the server cannot honour for this statement: refused at once',
  (errno) => errno !== ROW_VERSIONS_REFUSED,
  'Leave out the ALGORITHM=/LOCK= clause to let the server choose (the finding says what it would do), or change the statement so that it can be honoured.'
)

/**
 * `mysql-algorithm-disagreement`: the throwaway server took a statement the prediction finds harmless (INSTANT, or
 * INPLACE without a rebuild) only with a heavier algorithm: no other rule speaks for it, so this one does.
 */
export const algorithmDisagreement: Rule = {
  id: 'mysql-algorithm-disagreement',
  severity: 'warning',
  summary: 'the throwaway server needed a heavier algorithm than predicted for a statement no other rule reports',
  check(statement, context): RuleResult[] {
    const p = predictionOf(statement, context)
    if (!p || p.prediction.refused || p.clauses.some((clause) => clause.hazard !== null)) return []
    const sentence = proofSentence(p, statement, context)
    const proof = context.trace?.get(traceKey(statement.version, statement.index))?.algorithm
    if (!sentence || !proof || 'unproved' in proof || !sentence.includes('This disagrees')) return []
    const heavier = ALGORITHM_ORDER.indexOf(proof.accepted) > ALGORITHM_ORDER.indexOf(p.prediction.algorithm) || proof.rebuilt === true
    if (!heavier) return []
    return [
      {
        severity: proof.accepted === 'copy' ? sizeSeverity(p.key, context) : 'warning',
        message: `Predicted \`ALGORITHM=${p.prediction.algorithm.toUpperCase()}\` on ${describeTable(p.key, context)}, which no rule reports. ${sentence}`,
        fix: "Trust the server: plan the statement as the algorithm it took (a copy blocks writes for its whole length), or run the plan's verification on a server like the target (shadow-database-url) to settle it.",
        relation: p.key,
        lock: null
      }
    ]
  }
}

const ALGORITHM_ORDER = ['instant', 'inplace', 'copy']
