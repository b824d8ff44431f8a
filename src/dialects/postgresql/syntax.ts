/** PostgreSQL's syntax part (see the syntax section of ../dialect.ts). */
import type { SyntaxPart } from '../dialect.js'

export const syntax: SyntaxPart = {}
