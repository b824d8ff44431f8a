/** PostgreSQL's wire part (see the wire section of ../dialect.ts). */
import type { WirePart } from '../dialect.js'

export const wire: WirePart = {}
