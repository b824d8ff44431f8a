// `npm run bench`: prints throughput and latency numbers. Goals live here, not in timed unit tests.
import { tsImport } from 'tsx/esm/api'

const benches = [
  ['../bench/split.bench.ts', 'benchSplit'],
  ['../bench/apply.bench.ts', 'benchApply'],
  ['../bench/review.bench.ts', 'benchReview'],
  ['../bench/trace.bench.ts', 'benchTrace']
]
for (const [file, name] of benches) {
  console.log(`\n# ${name}`)
  const module = await tsImport(file, import.meta.url)
  await module[name]()
}
