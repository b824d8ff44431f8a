/**
 * Checksums that survive a Windows checkout: a UTF-8 BOM is removed and CRLF/CR become LF before
 * hashing, so the same file checked out with autocrlf is not reported as drift.
 */
import { createHash } from 'node:crypto'

export const CHECKSUM_ALGORITHM = 'sha256'

/** The text as the checksum sees it: no BOM, LF line endings. */
export function normalizeText(text: string): string {
  const withoutBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
  return withoutBom.replace(/\r\n?/g, '\n')
}

export function fileChecksum(text: string): string {
  return `${CHECKSUM_ALGORITHM}:${createHash('sha256').update(normalizeText(text), 'utf8').digest('hex')}`
}

/** A version's checksum: over its files' names and checksums, in run order. */
export function versionChecksum(files: ReadonlyArray<{ name: string; checksum: string }>): string {
  const hash = createHash('sha256')
  for (const file of files) hash.update(`${file.name}\0${file.checksum}\n`, 'utf8')
  return `${CHECKSUM_ALGORITHM}:${hash.digest('hex')}`
}
