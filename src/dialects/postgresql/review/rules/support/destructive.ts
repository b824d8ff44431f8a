/**
 * What the rules `drop-column`, `drop-table`, `drop-schema`, `rename-column`, `rename-table`, `rename-schema`
 * share.
 */
import type { ReviewContext } from '../../../../../review/types.js'

export const STILL_RUNNING = 'the application version still running fails on every query that names it until the new version replaces it'

/** False for a schema created earlier in the pending versions (createdEarlier holds its bare name). */
export function schemaExistedBefore(schema: string, context: ReviewContext): boolean {
  return !context.createdEarlier.has(schema)
}
