// Starts the one PostgreSQL server the whole test run shares (each test makes its own database).
// Jest loads global setup with Node's own loader, so the TypeScript support module is loaded through tsx.
import { tsImport } from 'tsx/esm/api'

export default async function globalSetup() {
  const { ADMIN_URL_ENV, startEmbeddedPostgres } = await tsImport('./postgres.ts', import.meta.url)
  const server = await startEmbeddedPostgres()
  process.env[ADMIN_URL_ENV] = server.url
  globalThis.__AURORA_MIGRATE_PG__ = server
}
