/**
 * The (dialect, transport) pairs the contract suites run: every dialect fixture over every transport. A next
 * dialect is one more entry in DIALECTS (its fixture: testkit/contract/fixture.ts).
 */
import type { DialectFixture } from './fixture.js'
import { mysql } from './mysql/index.js'
import { postgresql } from './postgresql/index.js'
import { TRANSPORTS, type TransportFixture } from './transports.js'

export const DIALECTS: readonly DialectFixture[] = [postgresql, mysql]

function runsOver(dialect: DialectFixture, transport: TransportFixture): boolean {
  return !dialect.transports || dialect.transports.includes(transport.name)
}

/** Each dialect that has engine cases, with the given transport (the engine suites). */
export function overTransport(transport: TransportFixture): Array<[DialectFixture, TransportFixture]> {
  return DIALECTS.filter((dialect) => dialect.engineCases && runsOver(dialect, transport)).map((dialect) => [dialect, transport])
}

/**
 * Each dialect × each transport it runs over. A suite wraps each pair in `dialect.describe`, which starts the
 * dialect's server where it is per file (MySQL's).
 */
export function everyPair(): Array<[DialectFixture, TransportFixture]> {
  return DIALECTS.flatMap((dialect) =>
    Object.values(TRANSPORTS)
      .filter((transport) => runsOver(dialect, transport))
      .map((transport): [DialectFixture, TransportFixture] => [dialect, transport])
  )
}

export { TRANSPORTS }
