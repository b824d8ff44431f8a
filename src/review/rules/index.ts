/** Every rule of the review, in the order "what was checked" lists them. */
import type { Rule } from '../types.js'
import { CHANGE_RULES } from './changes.js'
import { foreignKeyWithoutIndex } from './foreign-key-index.js'
import { LOCK_RULES } from './locks.js'
import { unknownWaiverRule } from './waivers.js'

let ids: ReadonlySet<string> | null = null

export const RULES: Rule[] = [
  ...LOCK_RULES,
  foreignKeyWithoutIndex,
  ...CHANGE_RULES,
  unknownWaiverRule(() => (ids ??= new Set(RULES.map((rule) => rule.id))))
]
