import { describeTargetContract } from '../../testkit/contract/target-contract.js'
import { everyPair } from '../../testkit/contract/registry.js'

for (const [dialect, transport] of everyPair()) describeTargetContract(dialect, transport)
