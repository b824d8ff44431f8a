// `npm run demo`: runs the bundled action (dist/index.js) exactly as a runner would, against an
// embedded PostgreSQL behind the local RDS Data API emulator, with the seed's ToDo migrations:
// plan, apply, then apply again (nothing pending). Needs nothing but `npm ci`.
import { tsImport } from 'tsx/esm/api'

const load = (file) => tsImport(file, import.meta.url)
const { startEmbeddedPostgres, sql } = await load('../__tests__/support/postgres.ts')
const { startDataApiEmulator } = await load('../__tests__/support/data-api-emulator.ts')
const { runAction } = await load('../__tests__/support/action-runner.ts')

const MIGRATIONS = 'examples/todo/migrations/resources'
const bold = (text) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text)

console.log('Starting an embedded PostgreSQL and a local RDS Data API emulator…')
const server = await startEmbeddedPostgres()
let emulator
try {
  await sql(server.url, 'CREATE DATABASE todo')
  emulator = await startDataApiEmulator({ postgresUrl: server.url })
  const inputs = { 'migrations-dir': MIGRATIONS, 'resource-arn': emulator.resourceArn, 'secret-arn': emulator.secretArn, database: 'todo' }
  const env = {
    AWS_ENDPOINT_URL_RDS_DATA: emulator.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'demo',
    AWS_SECRET_ACCESS_KEY: 'demo'
  }
  const steps = [
    ['plan', 'what would run (changes nothing)'],
    ['apply', 'apply the pending versions'],
    ['apply', 'apply again: nothing pending']
  ]
  for (const [command, title] of steps) {
    console.log(`\n${bold(`━━ ${command}: ${title}`)}`)
    const run = await runAction({ ...inputs, command }, env)
    const log = run.stdout.split('\n').filter((line) => line && !line.startsWith('::'))
    for (const line of log) console.log(`  ${line}`)
    for (const line of run.stdout.split('\n').filter((l) => l.startsWith('::error'))) console.log(`  ${line}`)
    console.log(`\n${bold('Job summary:')}\n${run.summary}`)
    console.log(
      `${bold('Outputs:')} current-version=${run.outputs['current-version']} pending=${run.outputs.pending} applied=${run.outputs.applied} drift=${run.outputs.drift}`
    )
    if (run.code !== 0) {
      console.error(`\n${command} failed (exit ${run.code})`)
      process.exitCode = 1
      break
    }
  }
  console.log(`\nData API calls the emulator served: ${emulator.calls.length}`)
} finally {
  await emulator?.stop()
  await server.stop()
}
