/**
 * The SQL script of a plan (pure): the log of what the engine sent while it applied the plan on a throwaway
 * database (recording-target.ts), turned into a psql script that sends the same statements to the target.
 *
 * What is kept, what is left out, and why (docs/sql-output.md says the same for people):
 * - reads (the history, the lease holder, progress, catalog probes) are left out: a script does not branch on them;
 * - the lease: taken with the statement apply uses, without the history read apply joins to it, and followed by
 *   psql's `\gset`, which stops the script when the statement took nothing (another run holds the lease);
 *   each version's fence, the renewals before statements run outside a transaction and the release are kept as sent;
 * - guards: a packed block checks them itself; in a transaction sent statement by statement and after a renewal,
 *   psql checks them (guardCheck) and stops the script with the engine's reason when one does not hold;
 * - everything else is kept as sent, in order: the meta tables' creation, each version's transaction (packed into
 *   one `DO` block where the target packs it, else BEGIN … COMMIT), statements of `-- migrate:no-transaction`
 *   files on their own, the progress rows, the meta rows. Named parameters are inlined as literals.
 */
import type { Statement } from '../../migrations/types.js'
import type { ScriptInput as PortInput, SqlScriptDialect } from '../../sql-script/dialect.js'
import type { Sent } from '../../sql-script/recording-target.js'
import type { SqlParams, TxStatement } from '../../targets/target.js'
import { GUARD_SQLSTATE, inlineParameters } from './packed.js'

export interface ScriptInput extends PortInput {
  /** The statement with its `:name` parameters inlined as literals of the dialect. */
  inline: (sql: string, params: SqlParams | undefined) => string
}

/** The psql variables the lease statement's row is stored in (`\gset`): prefixed, so that no migration's text meets them. */
export const GSET_PREFIX = 'aurora_migrate_'

const LABELS: Record<string, string> = {
  fence: 'the fence: extends the migration lease held by this script (apply requires 1 row)',
  'not-applied': 'the version is not recorded yet (apply requires 0 rows)',
  settings: "the transaction's timeouts",
  record: 'the meta row (apply requires 1 row: the history is what it read)',
  progress: 'the progress rows'
}

type QueryKind = 'take' | 'renew' | 'release' | 'statement' | 'write' | 'read'

function commonPrefix(a: string, b: string): string {
  let i = 0
  while (i < a.length && i < b.length && a[i] === b[i]) i++
  return a.slice(0, i)
}

/** The statement's first word, past comments and white space (lower case). */
function firstWord(sql: string): string {
  const text = sql.replace(/^(\s+|--[^\n]*\n?|\/\*[\s\S]*?\*\/)+/, '')
  return (/^[A-Za-z]+/.exec(text)?.[0] ?? '').toLowerCase()
}

/** A statement with its terminator; on a line of its own when the last line has a comment that would swallow it. */
export function terminated(sql: string): string {
  const text = sql.replace(/\s+$/, '')
  if (text.endsWith(';')) return text
  const lastLine = text.slice(text.lastIndexOf('\n') + 1)
  return lastLine.includes('--') ? `${text}\n;` : `${text};`
}

/** Text as SQL comment lines: any line break in it (psql ends a `--` comment at CR too) starts a comment line of its own. */
function comment(text: string): string {
  return text
    .split(/\r\n|[\r\n]/)
    .map((line) => `-- ${line}`.trimEnd())
    .join('\n')
}

class Renderer {
  private readonly out: string[] = []
  /** The version's statements, and how many of them the script has placed so far. */
  private steps: Statement[] = []
  private placed = 0
  private readonly takePrefix: string | null
  private readonly renewSql: string
  private readonly releaseSql: string

  constructor(private readonly input: ScriptInput) {
    const { lease, tables } = input
    const bare = lease.take(tables, null)
    const withRead = lease.take(tables, 'SELECT 1')
    this.takePrefix = typeof bare === 'string' && typeof withRead === 'string' ? commonPrefix(bare, withRead) : null
    this.renewSql = lease.updateOurs(tables, 'renew')
    this.releaseSql = lease.updateOurs(tables, 'release')
  }

  render(): string {
    this.block(comment(this.input.header.join('\n')), '\\set ON_ERROR_STOP on')
    for (const sent of this.input.sent) {
      // What the throwaway database refused, the engine got past (a renewal of a row locked by its own transaction):
      // nothing of it took effect there, and in a script run one statement at a time it has no cause to be sent.
      if (sent.kind !== 'version' && sent.failed) continue
      if (sent.kind === 'version') this.startVersion(sent.index)
      else if (sent.kind === 'query') this.query(sent)
      else this.transaction(sent)
    }
    // Blocks apart by a blank line; the statements' own text, blank lines and all, as sent.
    return `${this.out.join('\n\n')}\n`
  }

  /** One part of the script: its lines, which follow each other without a blank line. */
  private block(...lines: string[]): void {
    this.out.push(lines.join('\n'))
  }

  private startVersion(index: number): void {
    const version = this.input.pending[index]
    if (!version) throw new Error(`The engine started a version the plan does not have (pending index ${index})`)
    this.steps = version.files.flatMap((file) => file.statements)
    this.placed = 0
    const lines = [
      `${'='.repeat(76)}`,
      `v${version.number}${version.description ? ` (${version.description})` : ''}: ${version.dir}`,
      ...version.files.map(
        (file) =>
          `  ${file.path}: ${file.statements.length} statement${file.statements.length === 1 ? '' : 's'}` +
          (file.noTransaction ? ' (-- migrate:no-transaction: each runs on its own, outside a transaction)' : '')
      ),
      `${'='.repeat(76)}`
    ]
    this.block(comment(lines.join('\n')))
  }

  /**
   * After the lease statement: the token it gave must be the one the recorded statements carry (the database's
   * token when the plan read it, plus one). Another run that took and released the lease since, or this script run
   * a second time, stops here with why, before any version — not at the first fence with only a step number.
   */
  private tokenCheck(): void {
    const token = this.input.sent
      .flatMap((sent) => (sent.kind === 'query' ? [sent.params] : sent.kind === 'transaction' ? sent.statements.map((s) => s.params) : []))
      .map((params) => params?.token)
      .find((value): value is number => typeof value === 'number' && Number.isInteger(value))
    if (token === undefined) return
    const reason =
      "the migration lease's token is not the one this script was made for: another run took the lease since the plan, or this script ran already. " +
      'Nothing was applied; the lease this script took expires by itself. Make the script again (plan --sql).'
    this.block(
      comment('The lease must be the one the plan saw, one token on: else the database changed since the plan.'),
      `SELECT :'${GSET_PREFIX}lease_token' = '${token}' AS ${GSET_PREFIX}same_lease \\gset`,
      `\\if :${GSET_PREFIX}same_lease\n\\else\nDO $guard$ BEGIN RAISE EXCEPTION USING ERRCODE = '${GUARD_SQLSTATE}', MESSAGE = '${reason.replace(/'/g, "''")}'; END $guard$;\n\\endif`
    )
  }

  /** Where a statement of the version is in its file, when `sql` is the next one (or a later one). */
  private locate(sql: string): string | null {
    for (let i = this.placed; i < this.steps.length; i++) {
      if (this.steps[i].sql !== sql) continue
      this.placed = i + 1
      const step = this.steps[i]
      return `${step.file}:${step.line}`
    }
    return null
  }

  private kind(sent: Extract<Sent, { kind: 'query' }>): QueryKind {
    if (sent.options?.longRunning) return 'statement'
    if (this.takePrefix && sent.sql.startsWith(this.takePrefix)) return 'take'
    if (sent.sql === this.renewSql) return 'renew'
    if (sent.sql === this.releaseSql) return 'release'
    return ['select', 'show', 'with', 'explain'].includes(firstWord(sent.sql)) ? 'read' : 'write'
  }

  private query(sent: Extract<Sent, { kind: 'query' }>): void {
    const { inline, lease, tables } = this.input
    switch (this.kind(sent)) {
      case 'read':
        return
      case 'take': {
        const bare = lease.take(tables, null) as string
        const params = { owner: sent.params?.owner ?? null, ttl: sent.params?.ttl ?? null }
        this.block(
          comment(
            'The migration lease, taken as apply takes it (apply also reads the history in the same statement).\n' +
              '\\gset stops the script here when it took nothing: another run holds the lease.'
          ),
          `${inline(bare, params).replace(/\s+$/, '')}\n\\gset ${GSET_PREFIX}`
        )
        this.tokenCheck()
        return
      }
      case 'renew':
        this.block(
          comment('The lease renewed before the next statement, which runs outside a transaction (apply requires 1 row).'),
          terminated(inline(sent.sql, sent.params)),
          guardCheck({ sql: sent.sql, expectRows: 1, label: 'fence' })!
        )
        return
      case 'release':
        this.block(comment('The migration lease released.'), terminated(inline(sent.sql, sent.params)))
        return
      case 'statement': {
        const where = this.locate(sent.sql)
        const session = sent.options?.session ?? []
        this.block(
          comment(`${where ?? 'a statement'}: on its own, outside a transaction (autocommit)`),
          ...session.map((statement) => terminated(statement)),
          terminated(sent.sql)
        )
        return
      }
      case 'write':
        this.block(terminated(inline(sent.sql, sent.params)))
    }
  }

  private transaction(sent: Extract<Sent, { kind: 'transaction' }>): void {
    const { inline } = this.input
    const places = sent.statements.map((statement) => (statement.label === undefined ? this.locate(statement.sql) : null))
    const describe = (statement: TxStatement, index: number): string =>
      statement.label !== undefined ? (LABELS[statement.label] ?? statement.label) : (places[index] ?? 'a statement')
    if (sent.packed) {
      const single = sent.packed.length === 1
      const parts = sent.packed.map((chunk) => {
        const inside = sent.statements
          .slice(chunk.first, chunk.first + chunk.count)
          .map((s, i) => `  ${chunk.first + i}: ${describe(s, chunk.first + i)}`)
        return `${comment(`Packed: ${single ? 'the transaction in one DO block, one autocommit call' : 'one DO block of the transaction'}; its steps:\n${inside.join('\n')}`)}\n${terminated(chunk.sql)}`
      })
      this.block(...(single ? parts : ['BEGIN;', ...parts, 'COMMIT;']))
      return
    }
    const lines = sent.statements.map((statement, index) => {
      const text = `${comment(describe(statement, index))}\n${terminated(inline(statement.sql, statement.params))}`
      const check = guardCheck(statement)
      return check ? `${text}\n${check}` : text
    })
    this.block('BEGIN;', ...lines, 'COMMIT;')
  }
}

/** Why a guard of the engine's failed, said as the packed form's failure is (fenced-transaction.ts engineFailure). */
const GUARD_FAILED: Record<string, string> = {
  fence:
    "the migration lease is no longer this script's: another run took it since the plan. Nothing of this transaction was applied; plan again",
  'not-applied':
    'the version is recorded already: another run applied it since the plan. Nothing of this transaction was applied; plan again',
  record: 'the history changed since the plan (another run recorded a version). Nothing of this transaction was applied; plan again'
}

/**
 * In a transaction sent statement by statement, the guard a packed block checks itself (`expectRows`), checked by
 * psql: its ROW_COUNT after the statement, read as a boolean (0 or 1 rows: the guards the engine sets), and a
 * statement that raises the engine's reason when it does not hold, which ends the script with the transaction
 * rolled back. Null for a statement without such a guard.
 */
export function guardCheck(statement: TxStatement): string | null {
  const reason = statement.label !== undefined ? GUARD_FAILED[statement.label] : undefined
  if (reason === undefined || (statement.expectRows !== 0 && statement.expectRows !== 1)) return null
  const raise = `DO $guard$ BEGIN RAISE EXCEPTION USING ERRCODE = '${GUARD_SQLSTATE}', MESSAGE = '${reason.replace(/'/g, "''")}'; END $guard$;`
  return statement.expectRows === 0 ? `\\if :ROW_COUNT\n${raise}\n\\endif` : `\\if :ROW_COUNT\n\\else\n${raise}\n\\endif`
}

/** The psql script of what the engine sent (see the module's comment for what is kept). */
export function renderScript(input: ScriptInput): string {
  return new Renderer(input).render()
}

/** PostgreSQL's script: for psql, with its literals inlined as the packed form inlines them. */
export const sqlScript: SqlScriptDialect = {
  render: (input) => renderScript({ ...input, inline: inlineParameters })
}
