// `npm run bench`: prints throughput and latency numbers. Goals live here, not in timed unit tests.
import { tsImport } from 'tsx/esm/api'

const benches = [['../bench/split.bench.ts', 'benchSplit'], ['../bench/apply.bench.ts', 'benchApply']]
for (const [file, name] of benches) {
  const module = await tsImport(file, import.meta.url).catch((error) => {
    if (error.code === 'ERR_MODULE_NOT_FOUND') return null
    throw error
  })
  if (!module) continue
  console.log(`\n# ${name}`)
  await module[name]()
}
