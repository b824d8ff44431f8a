/** PostgreSQL's rules, in the order "what was checked" lists them (the review adds its own after them). */
import type { Rule } from '../../../../review/types.js'
import { CHANGE_RULES } from './changes.js'
import { foreignKeyWithoutIndex } from './foreign-key-index.js'
import { LOCK_RULES } from './locks.js'

export const RULES: readonly Rule[] = [...LOCK_RULES, foreignKeyWithoutIndex, ...CHANGE_RULES]
