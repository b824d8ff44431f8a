/** PostgreSQL (Aurora PostgreSQL): its parts, put together. */
import type { Dialect } from '../dialect.js'
import { drift } from './drift.js'
import { sqlScript } from './sql-script.js'
import { engine } from './engine.js'
import { review } from './review.js'
import { shadow } from './shadow.js'
import { syntax } from './syntax.js'
import { wire } from './wire.js'

export const postgresql: Dialect = {
  name: 'postgresql',
  displayName: 'PostgreSQL',
  // version(): "PostgreSQL 16.4 on x86_64-pc-linux-gnu, compiled by …"
  recognizesVersion: (version) => /^\s*PostgreSQL\b/i.test(version),
  serverLabel: (version) => /^\s*(PostgreSQL [\w.]+)/i.exec(version)?.[1] ?? 'PostgreSQL',
  syntax,
  engine,
  wire,
  review,
  shadow,
  drift,
  sqlScript
}
