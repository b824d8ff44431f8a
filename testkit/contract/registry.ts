/**
 * The (dialect, transport) pairs the contract suites run: every dialect fixture over every transport. A next
 * dialect is one more entry in DIALECTS (its fixture: testkit/contract/fixture.ts).
 */
import type { DialectFixture } from './fixture.js'
import { postgresql } from './postgresql/index.js'
import { TRANSPORTS, type TransportFixture } from './transports.js'

export const DIALECTS: readonly DialectFixture[] = [postgresql]

/** Each dialect with the given transport (today: postgresql). */
export function overTransport(transport: TransportFixture): Array<[DialectFixture, TransportFixture]> {
  return DIALECTS.map((dialect) => [dialect, transport])
}

/** Each dialect × each transport. */
export function everyPair(): Array<[DialectFixture, TransportFixture]> {
  return DIALECTS.flatMap((dialect) =>
    Object.values(TRANSPORTS).map((transport): [DialectFixture, TransportFixture] => [dialect, transport])
  )
}

export { TRANSPORTS }
