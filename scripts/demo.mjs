// `npm run demo`: runs the command line exactly as a user would (the bundled dist/cli/index.js, the package's
// `bin`), against an embedded PostgreSQL behind the local RDS Data API emulator, with the seed's ToDo
// migrations: review, plan (verified on a throwaway PostgreSQL, printing the pull request comment it would post),
// apply, then plan --exit-code (up to date).
// Needs nothing but `npm ci`. The action (dist/index.js) runs the same commands; its tests run it as a runner does.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { tsImport } from 'tsx/esm/api'

const load = (file) => tsImport(file, import.meta.url)
const { startEmbeddedPostgres, sql } = await load('../testkit/postgres.ts')
const { startDataApiEmulator } = await load('../testkit/data-api-emulator.ts')
const { PG_BIN } = await load('../testkit/action-runner.ts')
const { DUMMY_AWS_ENV } = await load('../testkit/aws-env.ts')

const CLI = path.resolve('dist/cli/index.js')
const MIGRATIONS = 'examples/todo/migrations/resources'
const bold = (text) => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text)

function cli(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env, stdio: 'inherit' })
    child.on('error', reject)
    child.on('exit', (code) => resolve(code ?? 1))
  })
}

console.log('Starting an embedded PostgreSQL and a local RDS Data API emulator…')
const server = await startEmbeddedPostgres()
let emulator
try {
  await sql(server.url, 'CREATE DATABASE todo')
  emulator = await startDataApiEmulator({ postgresUrl: server.url })
  const target = [
    '--migrations-dir',
    MIGRATIONS,
    '--resource-arn',
    emulator.resourceArn,
    '--secret-arn',
    emulator.secretArn,
    '--database',
    'todo'
  ]
  const env = {
    // Nothing of the machine's own AWS setup (a profile, a session token): the dummy credentials below only.
    ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('AWS_'))),
    // PostgreSQL's server binaries from the npm registry: plan verifies on a throwaway server started from them.
    PATH: `${PG_BIN}${path.delimiter}${process.env.PATH ?? ''}`,
    AWS_ENDPOINT_URL_RDS_DATA: emulator.endpoint,
    ...DUMMY_AWS_ENV
  }
  const steps = [
    [['review', '--migrations-dir', MIGRATIONS, '1', '2'], 'the review of v1 and v2, from the repository alone', [0]],
    [
      ['plan', '--markdown', ...target],
      'what would run, verified on a throwaway PostgreSQL (changes nothing); then the comment a pull request gets',
      [0]
    ],
    [['apply', ...target], 'apply the pending versions', [0]],
    [['plan', '--exit-code', '--no-verify', ...target], 'is the database up to date? (exit 0: yes, 3: versions pending)', [0]]
  ]
  for (const [args, title, expected] of steps) {
    console.log(`\n${bold(`━━ aurora-migrate ${args[0]}: ${title}`)}`)
    const code = await cli(args, env)
    console.log(bold(`(exit ${code})`))
    if (!expected.includes(code)) {
      console.error(`\naurora-migrate ${args[0]} exited ${code}`)
      process.exitCode = 1
      break
    }
  }
  const [{ versions }] = await sql(
    `${server.url.replace(/\/[^/]*$/, '/todo')}`,
    "select string_agg(version::text, ', ' order by version) as versions from schema_migrations"
  )
  console.log(`\nThe database now records versions ${versions}; the Data API emulator served ${emulator.calls.length} calls.`)
} finally {
  await emulator?.stop()
  await server.stop()
}
