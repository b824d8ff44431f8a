/**
 * The plan: a pure function of the versions on disk and the rows in the meta table. It decides what is
 * pending and what stops an apply (drift, missing versions, out-of-order versions); it does no I/O.
 */
import { InputError } from './errors.js'
import { MISPLACED_FIX, misplacedEffect } from './migrations/transaction-control.js'
import type { AppliedRow } from './meta-row.js'
import type { MisplacedTransactionControl, Version } from './migrations/types.js'
import { formatBytes, versionNumbers } from './text.js'

export type { AppliedRow } from './meta-row.js'

export interface PlannedFile {
  name: string
  path: string
  checksum: string
  statements: number
  /** The file starts with `-- migrate:no-transaction`: its statements run one by one, outside a transaction. */
  noTransaction: boolean
  /** The file's own BEGIN … COMMIT around all its statements is left out: the version already runs in one transaction. */
  transactionWrapper: boolean
}

export interface PendingVersion {
  version: number
  description: string
  dir: string
  checksum: string
  statements: number
  files: PlannedFile[]
  /**
   * How it runs where DDL commits on its own: statements that do (each one alone, journaled), and the runs of
   * the others between them (each one transaction). Both 0 where the dialect's DDL is transactional.
   */
  selfCommitting: number
  batches: number
}

export type FileChange = 'modified' | 'added' | 'removed'

export interface Drift {
  version: number
  dir: string
  files: Array<{ name: string; path: string; change: FileChange }>
}

export interface Plan {
  /** Highest version recorded in the meta table; 0 when none is. */
  currentVersion: number
  /** Versions recorded in the meta table, ascending. */
  appliedVersions: number[]
  /** Versions an apply would run, in order (already cut at targetVersion). */
  pending: PendingVersion[]
  /** Versions on disk after targetVersion: not run by this plan. */
  deferred: number[]
  drift: Drift[]
  /** Recorded in the database, absent from the repository. */
  missing: number[]
  /** Pending versions lower than the highest applied one. */
  outOfOrder: number[]
  targetVersion: number | null
  /** Pending statements longer than the transport accepts in one call. */
  oversized: Array<{ version: number; file: string; line: number; column: number; length: number; limit: number }>
  /** Pending versions whose SQL is more than the transport takes in one call. */
  tooLarge: Array<{ version: number; bytes: number; limit: number }>
  /**
   * Pending statements that PostgreSQL refuses inside a transaction block, in files without
   * `-- migrate:no-transaction`. Errors are refusals; warnings (ALTER TYPE … ADD VALUE) are not.
   */
  transactionConflicts: TransactionConflict[]
  /** Pending transaction-control statements that cannot run where they are written (COMMIT half-way through a file …); each is a refusal. */
  transactionControl: Array<MisplacedTransactionControl & { version: number }>
  /** Why an apply must not run; empty when it may. */
  refusals: string[]
}

export interface TransactionConflict {
  version: number
  file: string
  line: number
  column: number
  /** The kind of statement, in its leading words: `CREATE INDEX CONCURRENTLY`, `VACUUM` … */
  statement: string
  severity: 'error' | 'warning'
}

export interface PlanOptions {
  targetVersion?: number | null
  /** The longest statement the transport takes in one call (the Data API: 65,536 characters). */
  maxStatementLength?: number | null
  /** The most SQL (UTF-8 bytes) the transport takes for one version (the runner Lambda: 6 MB a call). */
  maxVersionBytes?: number | null
  /** Pending versions lower than the current one are applied (in ascending order with the rest) instead of refused; still listed in `outOfOrder`. */
  allowOutOfOrder?: boolean
  /** The dialect's test for a statement that commits on its own (MySQL's DDL; EngineDialect.commitsImplicitly). */
  commitsImplicitly?: (sql: string) => boolean
}

function sameFiles(version: Version, row: AppliedRow): Drift['files'] {
  const stored = new Map(row.files.map((file) => [file.name, file.checksum]))
  const changes: Drift['files'] = []
  for (const file of version.files) {
    const checksum = stored.get(file.name)
    if (checksum === undefined) changes.push({ name: file.name, path: file.path, change: 'added' })
    else if (checksum !== file.checksum) changes.push({ name: file.name, path: file.path, change: 'modified' })
    stored.delete(file.name)
  }
  for (const name of stored.keys()) changes.push({ name, path: `${version.dir}/${name}`, change: 'removed' })
  return changes
}

/** Statements that commit on their own, and the transaction runs of the others between them. */
function runsOf(version: Version, commitsImplicitly: ((sql: string) => boolean) | undefined): { selfCommitting: number; batches: number } {
  if (!commitsImplicitly) return { selfCommitting: 0, batches: 0 }
  let selfCommitting = 0
  let batches = 0
  let inBatch = false
  for (const file of version.files) {
    for (const statement of file.statements) {
      const alone = commitsImplicitly(statement.sql)
      if (alone) selfCommitting++
      else if (!inBatch) batches++
      inBatch = !alone
    }
  }
  return selfCommitting ? { selfCommitting, batches } : { selfCommitting: 0, batches: 0 }
}

export function planMigrations(versions: Version[], rows: AppliedRow[], options: PlanOptions = {}): Plan {
  const targetVersion = options.targetVersion ?? null
  const onDisk = new Map(versions.map((version) => [version.number, version]))
  const recorded = new Map(rows.map((row) => [row.version, row]))
  const appliedVersions = [...recorded.keys()].sort((a, b) => a - b)
  const currentVersion = appliedVersions.length ? appliedVersions[appliedVersions.length - 1] : 0

  if (targetVersion !== null && !onDisk.has(targetVersion) && !recorded.has(targetVersion)) {
    const known = versions.length ? `versions on disk: ${versionNumbers(versions.map((v) => v.number))}` : 'there are no versions on disk'
    throw new InputError('target-version', `v${targetVersion} is not a version in the migrations directory (${known})`)
  }

  const drift: Drift[] = []
  for (const version of versions) {
    const row = recorded.get(version.number)
    if (!row || row.checksum === version.checksum) continue
    const files = sameFiles(version, row)
    // The version checksum covers names and checksums in order; a changed file order alone is drift too.
    drift.push({
      version: version.number,
      dir: version.dir,
      files: files.length ? files : version.files.map((f) => ({ name: f.name, path: f.path, change: 'modified' as const }))
    })
  }
  const missing = appliedVersions.filter((number) => !onDisk.has(number))

  const unapplied = versions.filter((version) => !recorded.has(version.number))
  const inRange = unapplied.filter((version) => targetVersion === null || version.number <= targetVersion)
  const deferred = unapplied.filter((version) => !inRange.includes(version)).map((version) => version.number)
  const outOfOrder = inRange.filter((version) => version.number < currentVersion).map((version) => version.number)

  const oversized: Plan['oversized'] = []
  const limit = options.maxStatementLength ?? null
  if (limit !== null) {
    for (const version of inRange) {
      for (const file of version.files) {
        for (const statement of file.statements) {
          if (statement.sql.length > limit) {
            oversized.push({
              version: version.number,
              file: statement.file,
              line: statement.line,
              column: statement.column,
              length: statement.sql.length,
              limit
            })
          }
        }
      }
    }
  }

  const tooLarge: Plan['tooLarge'] = []
  const byteLimit = options.maxVersionBytes ?? null
  if (byteLimit !== null) {
    for (const version of inRange) {
      const bytes = version.files.reduce((sum, file) => sum + file.statements.reduce((s, st) => s + Buffer.byteLength(st.sql), 0), 0)
      if (bytes > byteLimit) tooLarge.push({ version: version.number, bytes, limit: byteLimit })
    }
  }

  const transactionConflicts: TransactionConflict[] = []
  for (const version of inRange) {
    for (const file of version.files) {
      if (file.noTransaction) continue
      for (const { file: path, line, column, statement, severity } of file.transactionBlockConflicts) {
        transactionConflicts.push({ version: version.number, file: path, line, column, statement, severity })
      }
    }
  }

  const transactionControl = inRange.flatMap((version) =>
    version.files.flatMap((file) => file.misplacedTransactionControl.map((misplaced) => ({ version: version.number, ...misplaced })))
  )

  const refusals: string[] = []
  if (drift.length) {
    refusals.push(
      `drift: ${drift.map((d) => `v${d.version} (${d.files.map((f) => `${f.path} ${f.change}`).join(', ')})`).join('; ')} changed after being applied. ` +
        'Applied migrations must not be edited: restore the files and put the change in a new version.'
    )
  }
  if (missing.length) {
    refusals.push(
      `missing: ${versionNumbers(missing)} ${missing.length === 1 ? 'is' : 'are'} recorded in the database but not in the migrations directory. ` +
        `Restore the ${missing.length === 1 ? 'folder' : 'folders'}, or check that migrations-dir and the database are the right pair.`
    )
  }
  if (outOfOrder.length && !options.allowOutOfOrder) {
    refusals.push(
      `out of order: ${versionNumbers(outOfOrder)} ${outOfOrder.length === 1 ? 'is' : 'are'} lower than the current version v${currentVersion}. ` +
        `Renumber the new ${outOfOrder.length === 1 ? 'version' : 'versions'} above the current version, or set allow-out-of-order: true to apply them anyway.`
    )
  }

  if (oversized.length) {
    refusals.push(
      `too long: ${oversized.map((o) => `${o.file}:${o.line}:${o.column} (${o.length} characters)`).join(', ')}; ` +
        `the transport accepts at most ${limit} characters per statement. Split the statement, or load large data another way.`
    )
  }

  for (const large of tooLarge) {
    refusals.push(
      `too large: v${large.version} is ${formatBytes(large.bytes)} of SQL; one invocation of the runner Lambda takes at most ${formatBytes(large.limit)}. ` +
        'Split it into several versions, or apply it through the Data API or database-url.'
    )
  }

  const refused = transactionConflicts.filter((conflict) => conflict.severity === 'error')
  if (refused.length) {
    refusals.push(
      `not in a transaction: ${refused.map((c) => `${c.file}:${c.line}:${c.column} (${c.statement})`).join(', ')} cannot run inside a transaction block. ` +
        'Add -- migrate:no-transaction as the first line of that file, or move the statement into a file of its own that starts with it.'
    )
  }

  refusals.push(...transactionControlRefusals(transactionControl))

  return {
    currentVersion,
    appliedVersions,
    pending: inRange.map((version) => ({
      version: version.number,
      description: version.description,
      dir: version.dir,
      checksum: version.checksum,
      statements: version.files.reduce((sum, file) => sum + file.statements.length, 0),
      ...runsOf(version, options.commitsImplicitly),
      files: version.files.map((file) => ({
        name: file.name,
        path: file.path,
        checksum: file.checksum,
        statements: file.statements.length,
        noTransaction: file.noTransaction,
        transactionWrapper: file.transactionWrapper !== null
      }))
    })),
    deferred,
    drift,
    missing,
    outOfOrder,
    targetVersion,
    oversized,
    tooLarge,
    transactionConflicts,
    transactionControl,
    refusals
  }
}

/** One refusal per context (in a version's transaction, in a no-transaction file, transaction modes), each with its fix. */
function transactionControlRefusals(misplaced: MisplacedTransactionControl[]): string[] {
  const contexts: Array<[MisplacedTransactionControl['context'], string]> = [
    ['transaction', "transaction control inside the version's transaction"],
    ['no-transaction', 'transaction control in a -- migrate:no-transaction file'],
    ['modes', 'transaction modes']
  ]
  return contexts.flatMap(([context, title]) => {
    const found = misplaced.filter((m) => m.context === context)
    if (!found.length) return []
    const where = found.map((m) => `${m.file}:${m.line}:${m.column} ${m.statement} ${misplacedEffect(m)}`)
    return [`${title}: ${where.join('; ')}. ${MISPLACED_FIX[context]}`]
  })
}
