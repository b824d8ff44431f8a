/** The one place that knows every dialect. */
import type { Dialect, DialectName } from './dialect.js'
import { postgresql } from './postgresql/index.js'

export type { Dialect, DialectName } from './dialect.js'

const dialects: Record<DialectName, Dialect> = { postgresql }

export function dialectFor(name: DialectName): Dialect {
  return dialects[name]
}
