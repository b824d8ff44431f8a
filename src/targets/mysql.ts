/**
 * The direct MySQL transport, in mysql/: the target (target.ts), the driver's errors (errors.ts), its value
 * shapes (types.ts) and the check of a mysql:// URL (url.ts).
 */
export { MysqlTarget, CONNECT_TIMEOUT_MS, type MysqlTargetOptions } from './mysql/target.js'
export { sqlErrorInfo } from './mysql/errors.js'
export { validateMysqlUrl } from './mysql/url.js'
