/**
 * What the contract suites need of a dialect (its fixture): how to get a fresh database, how to look into it
 * apart from the transport under test, and the dialect's own SQL for the suites' cases (with what the database
 * answers to it). The fixtures are listed in testkit/contract/registry.ts.
 */
import type { Target } from '../../src/targets/target.js'
import type { engineCases } from './postgresql/engine-cases.js'
import type { targetContract } from './postgresql/target-contract.js'

/** A database made for one test. */
export interface TestDatabase {
  /** A direct connection URL (the dialect's own scheme). */
  url: string
  name: string
  drop(): Promise<void>
}

export interface DialectFixture {
  /** As dialectFor knows it. */
  name: string
  /** The URL of the shared test server: the RDS Data API emulator serves every database on it. */
  serverUrl(): string
  /** A fresh, empty database on the shared server. */
  createDatabase(prefix: string): Promise<TestDatabase>
  /** The target for a direct connection URL (the "url" transport). */
  urlTarget(url: string): Target
  /** Runs one statement on a direct connection, apart from the transport under test: what really happened. */
  sql<T extends Record<string, unknown> = Record<string, unknown>>(url: string, text: string, params?: unknown[]): Promise<T[]>
  /** Whether a table (or index) of that name exists in the database. */
  relationExists(url: string, name: string): Promise<boolean>
  /** The SQL of the target contract's cases and the answers expected (the shape PostgreSQL's fixture gave it). */
  targetContract: typeof targetContract
  /** Each engine case's migration files, the queries that look at what a run left, and the answers expected. */
  engineCases: typeof engineCases
}
