/** Which dialect a run speaks. PostgreSQL is the only one so far; this is where the choice is made. */
import type { Config } from '../config.js'
import { dialectFor, type Dialect } from '../dialects/index.js'

export function dialectOf(config: Pick<Config, 'target'>): Dialect {
  void config
  return dialectFor('postgresql')
}
