/**
 * The check of a `mysql://` URL given as an input (database-url, shadow-database-url), with the same rules as
 * config.ts's check of a postgres:// URL: one meaning for the password, a scheme the transport speaks, a host.
 * Messages name the input and never show the password.
 */
import { InputError } from '../../errors.js'
import { checkUrlPassword } from '../url-password.js'

const EXAMPLE = 'mysql://user:password@host:3306/database'

/** Returns `url` when it is a usable mysql:// URL; otherwise throws an InputError naming `inputName`. */
export function validateMysqlUrl(url: string, inputName: string): string {
  checkUrlPassword(url, inputName, 'some clients end the password at the first @, mysql2 at the last')
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    throw new InputError(inputName, `is not a valid URL: use ${EXAMPLE}`)
  }
  if (parsed.protocol !== 'mysql:') {
    throw new InputError(inputName, `scheme '${parsed.protocol.replace(/:$/, '')}' is not supported: use ${EXAMPLE}`)
  }
  if (!parsed.hostname) throw new InputError(inputName, `has no host: use ${EXAMPLE}`)
  return url
}
