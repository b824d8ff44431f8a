import { createTestDatabase, sql } from '../../testkit/postgres.js'

test('the suite has a real PostgreSQL and isolated databases', async () => {
  const db = await createTestDatabase()
  try {
    const rows = await sql<{ v: string }>(db.url, 'select current_database() as v')
    expect(rows[0].v).toBe(db.name)
  } finally {
    await db.drop()
  }
})
