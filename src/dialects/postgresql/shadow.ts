/** PostgreSQL's shadow part (see the shadow section of ../dialect.ts). */
import type { ShadowPart } from '../dialect.js'

export const shadow: ShadowPart = {}
