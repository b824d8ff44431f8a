/**
 * The engine input and repair-step: read strictly, with errors that name the input. Which dialect `auto` means
 * is settled by commands/dialect.ts: a URL's scheme, or one question to the server (engine-detect.test.ts asks a
 * real one); here, the checks that need no server.
 */
import { dialectOf, resolveEngine } from '../../src/commands/dialect.js'
import { readConfig, type ConfigSources } from '../../src/config.js'
import { DIALECTS } from '../../src/dialects/index.js'
import { InputError } from '../../src/errors.js'

function sources(inputs: Record<string, string>): ConfigSources {
  return { getInput: (name) => inputs[name] ?? '', env: { GITHUB_WORKSPACE: '/w' }, setSecret: () => {} }
}

const URL = { 'database-url': 'postgres://u:p@h:5432/d' }

test('engine: auto by default, any case; anything but a word is refused naming the input', () => {
  expect(readConfig(sources(URL)).engine).toBe('auto')
  expect(readConfig(sources({ ...URL, engine: ' PostgreSQL ' })).engine).toBe('postgresql')
  for (const raw of ['my-sql', 'postgres;drop', '1']) {
    expect(() => readConfig(sources({ ...URL, engine: raw }))).toThrow(InputError)
    expect(() => readConfig(sources({ ...URL, engine: raw }))).toThrow(/engine/)
  }
})

test('an engine no dialect has is refused with the names there are; the URL decides auto, and contradicts a wrong engine', async () => {
  const unknown = readConfig(sources({ ...URL, engine: 'oracle' }))
  expect(() => dialectOf(unknown)).toThrow(/'oracle' is not an engine: use auto, postgresql/)
  await expect(resolveEngine(unknown, () => {})).rejects.toThrow(InputError)

  const auto = readConfig(sources(URL))
  await resolveEngine(auto, () => {}, { detect: () => Promise.reject(new Error('a URL needs no question')) })
  expect(auto.engine).toBe('postgresql')
  expect(dialectOf(auto).displayName).toBe('PostgreSQL')
})

test('auto without a connection (a fork): no question is asked, and the migrations are read as PostgreSQL', async () => {
  const fork = readConfig(sources({}))
  expect(fork.target).toBeNull()
  await resolveEngine(fork, () => {}, { detect: () => Promise.reject(new Error('no connection to ask')) })
  expect(fork.engine).toBe('auto')
  expect(dialectOf(fork).displayName).toBe('PostgreSQL')
})

test('auto over the Data API asks the server once; a version text no dialect recognises is refused, naming what it said', async () => {
  const dataApi = {
    'resource-arn': 'arn:aws:rds:eu-west-1:123456789012:cluster:prod',
    'secret-arn': 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod-x'
  }
  const asked: string[] = []
  const config = readConfig(sources(dataApi))
  await resolveEngine(config, (line) => asked.push(line), {
    detect: () => Promise.resolve('PostgreSQL 16.4 on x86_64-pc-linux-gnu, compiled by gcc')
  })
  expect(config.engine).toBe('postgresql')
  expect(asked).toEqual([expect.stringMatching(/^Engine: PostgreSQL \(the server says PostgreSQL 16\.4/)])

  const odd = readConfig(sources(dataApi))
  await expect(resolveEngine(odd, () => {}, { detect: () => Promise.resolve('Oracle Database 23ai') })).rejects.toThrow(
    /could not tell the engine from the server's version \("Oracle Database 23ai"\)/
  )
  expect(odd.engine).toBe('auto')
})

test('repair-step: <version>:<step>=done|not-done, with repair only', () => {
  const repair = (value: string) => readConfig(sources({ ...URL, command: 'repair', 'repair-step': value })).repairStep
  expect(repair('7:3=done')).toEqual({ version: 7, step: 3, done: true })
  expect(repair(' v12 : 1 = not-done ')).toEqual({ version: 12, step: 1, done: false })
  expect(readConfig(sources({ ...URL, command: 'repair' })).repairStep).toBeNull()
  for (const bad of ['7=done', '7:3', '7:0=done', '0:1=done', '7:3=maybe', '7:3:1=done'])
    expect(() => repair(bad)).toThrow(/Input 'repair-step': '.*' is not <version>:<step>=done\|not-done/)
  expect(() => readConfig(sources({ ...URL, command: 'apply', 'repair-step': '7:3=done' }))).toThrow(
    /Input 'repair-step': goes with command repair, not apply/
  )
})

test('shadow-database-url must be a server of the target engine', async () => {
  const mixed = readConfig(sources({ ...URL, 'shadow-database-url': 'mysql://root@h:3306/x' }))
  await expect(resolveEngine(mixed, () => {})).rejects.toThrow(
    /Input 'shadow-database-url': is a MySQL server, but the target is PostgreSQL: verification needs a server of the target's engine/
  )
  const same = readConfig(sources({ 'database-url': 'mysql://u:p@h:3306/d', 'shadow-database-url': 'mysql://root@h:3306/x' }))
  await resolveEngine(same, () => {})
  expect(same.engine).toBe('mysql')
  expect(dialectOf(same).displayName).toBe('MySQL')
})

test('each dialect recognises its own version text, and names the server for reports', () => {
  const texts: Array<[string, string, string]> = [
    ['PostgreSQL 16.4 on x86_64-pc-linux-gnu, compiled by gcc (GCC) 7.3.1, 64-bit', 'postgresql', 'PostgreSQL 16.4'],
    ['8.0.mysql_aurora.3.07.1', 'mysql', 'Aurora MySQL 3.07.1'],
    ['8.0.36', 'mysql', 'MySQL 8.0.36'],
    ['8.0.43-0ubuntu0.24.04.1', 'mysql', 'MySQL 8.0.43'],
    ['10.11.19-MariaDB-0+deb12u1', 'mysql', 'MariaDB 10.11.19']
  ]
  for (const [version, engine, label] of texts) {
    expect(DIALECTS.filter((dialect) => dialect.recognizesVersion(version)).map((dialect) => dialect.name)).toEqual([engine])
    expect(DIALECTS.find((dialect) => dialect.name === engine)!.serverLabel(version)).toBe(label)
  }
  expect(DIALECTS.filter((dialect) => dialect.recognizesVersion('Oracle Database 23ai'))).toEqual([])
})
