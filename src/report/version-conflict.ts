/**
 * The plan comment when the pull request adds a version whose number its base branch has gained too:
 * nothing was planned, and the comment says which folders clash, where the other came from, and the one
 * command that fixes it. Folder names and commit subjects are shown as code, clipped, control characters
 * escaped (the check already made them printable).
 */
import type { VersionConflictError } from '../migrations/version-conflicts.js'
import { cell, clip, code, fenced, footer } from './markdown.js'

export interface VersionConflictCommentInput {
  environment: string
  error: VersionConflictError
  runUrl: string | null
  sha: string | null
}

export function renderVersionConflictComment(input: VersionConflictCommentInput): string {
  const base = cell(clip(input.error.baseName, 100))
  const rows = input.error.conflicts.slice(0, 50).map((c) => {
    const from = c.commit
      ? `${code(c.commit.sha.slice(0, 12))}${c.pullRequest ? ` (#${c.pullRequest})` : ''} ${code(cell(clip(c.commit.subject, 120)))}`
      : 'not in the checkout'
    return `| v${c.number} | ${code(cell(clip(c.ours, 200)))} | ${code(cell(clip(c.theirs, 200)))} | ${from} |`
  })
  const more = input.error.conflicts.length - rows.length
  return [
    `### aurora-migrate plan · ${input.environment}`,
    '',
    `❌ **Two versions with one number**: this branch adds a version whose number ${base} has gained since the branch point. Nothing was planned, verified or reviewed.`,
    '',
    `| Version | This branch adds | ${base} has | Added to ${base} by |`,
    '| --- | --- | --- | --- |',
    ...rows,
    ...(more > 0 ? ['', `… and ${more} more.`] : []),
    '',
    `Whichever merges second would break ${base}, or run as that version on databases that already applied the other. Renumber this branch's new versions after ${base}'s last one (the folders are renamed; the files and their checksums stay the same), then commit and push:`,
    '',
    fenced(input.error.fix, 'sh'),
    '',
    footer(input.runUrl, input.sha)
  ].join('\n')
}
