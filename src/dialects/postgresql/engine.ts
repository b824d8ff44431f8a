/** PostgreSQL's engine part (see the engine section of ../dialect.ts). */
import type { EnginePart } from '../dialect.js'

export const engine: EnginePart = {}
