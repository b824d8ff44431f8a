// `npm run bench`: prints throughput and latency numbers. Goals live here, not in timed unit tests.
import { tsImport } from 'tsx/esm/api'

const benches = [
  ['../bench/split.bench.ts', 'benchSplit'],
  ['../bench/startup.bench.ts', 'benchStartup'],
  ['../bench/apply.bench.ts', 'benchApply'],
  // Given what the bench before it returned: PostgreSQL's calls per version, printed beside MySQL's.
  ['../bench/apply-mysql.bench.ts', 'benchApplyMysql'],
  ['../bench/review.bench.ts', 'benchReview'],
  ['../bench/trace.bench.ts', 'benchTrace'],
  ['../bench/fleet.bench.ts', 'benchFleet']
]
let previous
for (const [file, name] of benches) {
  console.log(`\n# ${name}`)
  const module = await tsImport(file, import.meta.url)
  previous = await module[name](previous)
}
