/** PostgreSQL (Aurora PostgreSQL): its parts, put together. */
import type { Dialect } from '../dialect.js'
import { engine } from './engine.js'
import { review } from './review.js'
import { shadow } from './shadow.js'
import { syntax } from './syntax.js'
import { wire } from './wire.js'

export const postgresql: Dialect = { name: 'postgresql', displayName: 'PostgreSQL', syntax, engine, wire, review, shadow }
