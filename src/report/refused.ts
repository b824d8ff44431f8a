/**
 * The plan comment when the migration files themselves are refused (a symlink, a file too large, a name
 * that is not a version …): nothing could be planned, and the sticky comment must not go on showing the
 * verdict of an earlier push. The message comes from discovery and names files of the pull request, so it
 * is shown as code, never as Markdown, with control characters escaped.
 */
import { printable } from '../printable.js'
import { footer } from './markdown.js'
import { clip, code, fenced } from './markdown.js'

export interface RefusedPlanInput {
  environment: string
  /** Discovery's message, masked and as apply would say it. */
  message: string
  /** The file (relative to the workspace) the refusal points at. */
  file: string
  runUrl: string | null
  sha: string | null
}

export function renderRefusedPlanComment(input: RefusedPlanInput): string {
  return [
    `### aurora-migrate plan · ${input.environment}`,
    '',
    `❌ **apply would refuse these migrations**: nothing was planned, verified or reviewed. At ${code(clip(printable(input.file), 300))}:`,
    '',
    // One line each, control characters escaped: a name of the pull request cannot break out of the block.
    fenced(clip(printable(input.message), 4_000)),
    '',
    'Fix the files and push again; apply refuses the same files with the same message.',
    '',
    footer(input.runUrl, input.sha)
  ].join('\n')
}
