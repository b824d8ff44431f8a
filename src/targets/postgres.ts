/**
 * The direct PostgreSQL transport, in postgres/: the target (target.ts), the driver's errors (errors.ts)
 * and its value shapes (types.ts).
 */
export { PostgresTarget, type Between, type PostgresTargetOptions } from './postgres/target.js'
export { sqlErrorInfo } from './postgres/errors.js'
export { timestampToIso, toSqlValue } from './values.js'
