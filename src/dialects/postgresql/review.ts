/** PostgreSQL's review part (see the review section of ../dialect.ts). */
import type { ReviewPart } from '../dialect.js'

export const review: ReviewPart = {}
