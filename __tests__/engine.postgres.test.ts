import { PostgresTarget } from '../src/targets/postgres.js'
import { describeEngine } from './support/engine-cases.js'

describeEngine('a direct PostgreSQL URL', { connect: async (url) => new PostgresTarget(url) })
