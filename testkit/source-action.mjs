// The action from its TypeScript sources (src/index.ts), for a test of a change the bundle in dist/ does not have yet.
import { register } from 'tsx/esm/api'

register()
const entry = new URL('../src/index.ts', import.meta.url)
await import(entry.href)
