export default async function globalTeardown() {
  await globalThis.__AURORA_MIGRATE_PG__?.stop()
}
