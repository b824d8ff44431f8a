/**
 * run(): config → migrations → target → command → outputs and summary. The one place that calls
 * setFailed; errors become annotations at the file and line they concern.
 */
import * as core from '@actions/core'
import { randomUUID } from 'node:crypto'
import { readConfig, type Config } from './config.js'
import { applyMigrations, type ApplyResult } from './engine/apply.js'
import { metaTableExists, readAppliedRows, resolveMetaTables } from './engine/meta.js'
import { InputError, MigrationFileError, StatementFailedError, errorMessage } from './errors.js'
import { discoverMigrations } from './migrations/discover.js'
import type { Version } from './migrations/types.js'
import { planMigrations, type Plan } from './plan.js'
import { renderApply, renderPlan } from './report/markdown.js'
import { createTarget, maxStatementLength } from './targets/create.js'
import type { Target } from './targets/target.js'

export async function run(): Promise<void> {
  try {
    const config = readConfig({ getInput: (name) => core.getInput(name), env: process.env, setSecret: core.setSecret })
    const { versions, warnings } = await discoverMigrations(config.migrationsDir, config.workspace)
    for (const warning of warnings) core.warning(warning)
    core.info(`Found ${versions.length} version(s) in ${config.migrationsDir}${versions.length ? `: v${versions[0].number}…v${versions[versions.length - 1].number}` : ''}`)

    const target = createTarget(config.target, (message) => core.info(message), { resumeTimeoutSeconds: config.resumeTimeoutSeconds })
    core.info(`Target: ${target.description}`)
    try {
      if (config.command === 'plan') await runPlan(config, target, versions)
      else await runApply(config, target, versions)
    } finally {
      await target.close().catch(() => undefined)
    }
  } catch (error) {
    fail(error)
  }
}

async function runPlan(config: Config, target: Target, versions: Version[]): Promise<void> {
  const tables = await resolveMetaTables(target, config.metaTable)
  // plan changes nothing: a database without the meta table simply has nothing applied.
  const rows = (await metaTableExists(target, tables)) ? await readAppliedRows(target, tables) : []
  const plan = planMigrations(versions, rows, { targetVersion: config.targetVersion, maxStatementLength: maxStatementLength(config.target) })
  const markdown = renderPlan(plan, { target: target.description })
  for (const refusal of plan.refusals) core.warning(`apply would refuse: ${refusal}`)
  logPlan(plan)
  await publish(markdown, {
    currentVersion: plan.currentVersion,
    pending: [...plan.pending.map((p) => p.version), ...plan.deferred],
    applied: [],
    drift: plan.drift.length > 0,
    plan
  })
}

async function runApply(config: Config, target: Target, versions: Version[]): Promise<void> {
  const tables = await resolveMetaTables(target, config.metaTable)
  const owner = `${config.run.runUrl ?? 'local run'} (${config.run.actor ?? 'unknown actor'}) #${randomUUID().slice(0, 8)}`
  const result = await applyMigrations(target, versions, {
    tables,
    createSchema: config.metaTable.schema !== null,
    targetVersion: config.targetVersion,
    maxStatementLength: maxStatementLength(config.target),
    run: config.run,
    lease: { owner, ttlSeconds: config.leaseTtlSeconds, waitTimeoutSeconds: config.waitTimeoutSeconds },
    log: (message) => core.info(message)
  })
  const markdown = renderApply(result, { target: target.description })
  const applied = new Set([...result.plan.appliedVersions, ...result.applied.map((a) => a.version), ...result.appliedElsewhere])
  await publish(markdown, {
    currentVersion: result.toVersion,
    pending: versions.map((v) => v.number).filter((v) => !applied.has(v)),
    applied: result.applied.map((a) => a.version),
    drift: result.plan.drift.length > 0,
    plan: result.plan
  })
  if (result.error) throw result.error
  summarizeApply(result)
}

function logPlan(plan: Plan): void {
  if (!plan.pending.length) {
    core.info(`Up to date at v${plan.currentVersion}: nothing pending`)
    return
  }
  core.info(`Current version v${plan.currentVersion}; pending:`)
  for (const version of plan.pending) core.info(`  v${version.version}: ${version.files.map((f) => `${f.name} (${f.statements})`).join(', ')}`)
}

function summarizeApply(result: ApplyResult): void {
  if (result.applied.length) core.info(`Applied ${result.applied.map((a) => `v${a.version}`).join(', ')}: now at v${result.toVersion}`)
  else core.info(`Nothing to apply: at v${result.toVersion}`)
}

interface Outputs {
  currentVersion: number
  pending: number[]
  applied: number[]
  drift: boolean
  plan: Plan
}

async function publish(markdown: string, outputs: Outputs): Promise<void> {
  core.setOutput('current-version', String(outputs.currentVersion))
  core.setOutput('pending', JSON.stringify(outputs.pending))
  core.setOutput('applied', JSON.stringify(outputs.applied))
  core.setOutput('drift', String(outputs.drift))
  core.setOutput('plan', JSON.stringify(outputs.plan))
  core.setOutput('summary', markdown)
  if (process.env.GITHUB_STEP_SUMMARY) {
    await core.summary.addRaw(markdown).write()
  } else {
    core.info(markdown)
  }
}

function fail(error: unknown): void {
  const message = errorMessage(error)
  if (error instanceof StatementFailedError) {
    core.error(message, {
      title: `Migration v${error.version} failed`,
      file: error.location.file,
      startLine: error.location.line,
      startColumn: error.location.column
    })
  } else if (error instanceof MigrationFileError) {
    core.error(message, { title: 'Migration files', file: error.location.file, startLine: error.location.line, startColumn: error.location.column })
  } else if (error instanceof InputError) {
    core.error(message, { title: `Input ${error.input}` })
  } else {
    core.error(message)
  }
  core.setFailed(message)
}
