/** The Lambda entry point (`index.handler`). Nothing happens at import: the handler connects on first use. */
import { createHandler } from './handler.js'

export const handler = createHandler()
