/** The one place that knows every dialect. */
import type { Dialect, DialectName } from './dialect.js'
import { mysql } from './mysql/index.js'
import { postgresql } from './postgresql/index.js'

export type { Dialect, DialectName } from './dialect.js'

const dialects: Record<DialectName, Dialect> = { postgresql, mysql }

/** Every dialect, for what must be known before a run's dialect is (the rule ids the ignore-rules input may name). */
export const DIALECTS: readonly Dialect[] = Object.values(dialects)

export function dialectFor(name: DialectName): Dialect {
  return dialects[name]
}
