/**
 * Kept for the Data API transport's long-statement check until the dialect injects it: the statement
 * now lives with PostgreSQL's engine part (src/dialects/postgresql/running.ts).
 */
export { RUNNING_STATEMENT_SQL } from '../dialects/postgresql/running.js'
