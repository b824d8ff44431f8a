/**
 * The RDS Data API transport, in data-api/: the transport (target.ts), its error text (errors.ts), its
 * values (values.ts) and the waiting for statements that outlive a call (long-statement.ts).
 */
export { createDataApiTarget, type DataApiTargetOptions } from './data-api/target.js'
export { MAX_SQL_LENGTH, parseDataApiError, sqlPreview } from './data-api/errors.js'
