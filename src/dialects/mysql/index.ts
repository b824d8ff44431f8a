/** MySQL (Aurora MySQL 3, MySQL 8.0.36 and later; MariaDB for local verification and tests): its parts, put together. */
import type { Dialect } from '../dialect.js'
import { drift } from './drift.js'
import { engine } from './engine.js'
import { review } from './review.js'
import { shadow } from './shadow.js'
import { syntax } from './syntax.js'
import { wire } from './wire.js'

/** "8.0.mysql_aurora.3.07.1" → "Aurora MySQL 3.07.1"; "10.11.19-MariaDB-0+deb12u1" → "MariaDB 10.11.19"; "8.0.36" → "MySQL 8.0.36". */
function serverLabel(version: string): string {
  const text = version.trim()
  const aurora = /mysql_aurora\.([\d.]+)/i.exec(text)
  if (aurora) return `Aurora MySQL ${aurora[1]}`
  const number = /^[\d.]+\d/.exec(text)?.[0] ?? ''
  if (/mariadb/i.test(text)) return `MariaDB ${number}`.trim()
  return `MySQL ${number}`.trim()
}

export const mysql: Dialect = {
  name: 'mysql',
  displayName: 'MySQL',
  // VERSION(): "8.0.36", "8.0.mysql_aurora.3.07.1" on Aurora, "10.11.19-MariaDB-0+deb12u1": anything but PostgreSQL's text.
  recognizesVersion: (version) => /^\s*\d+\.\d+\.[\w.-]+/.test(version) && !/postgres/i.test(version),
  serverLabel,
  syntax,
  engine,
  wire,
  review,
  shadow,
  drift
}
