/**
 * The check of a `mysql://` URL given as an input (database-url, shadow-database-url), with the same rules as
 * config.ts's check of a postgres:// URL: one meaning for the password, a scheme the transport speaks, a host.
 * Messages name the input and never show the password.
 */
import { InputError } from '../../errors.js'
import { misreadPassword, writtenPassword } from '../mask.js'

const EXAMPLE = 'mysql://user:password@host:3306/database'

/** Returns `url` when it is a usable mysql:// URL; otherwise throws an InputError naming `inputName`. */
export function validateMysqlUrl(url: string, inputName: string): string {
  // A raw @ in the password makes the URL ambiguous: one reader ends the password at the first @, another
  // (the WHATWG parser mysql2 uses) at the last. It is refused, so that a URL means one thing everywhere.
  if (writtenPassword(url)?.includes('@')) {
    throw new InputError(
      inputName,
      'the password holds a raw @: percent-encode it as %40 (and / as %2F, ? as %3F, # as %23). ' +
        'With two @ the URL is ambiguous: some clients end the password at the first @, mysql2 at the last'
    )
  }
  if (misreadPassword(url)) {
    throw new InputError(
      inputName,
      'the password holds a character that must be percent-encoded in a URL (@ as %40, / as %2F, ? as %3F, # as %23): ' +
        'as written, the driver would read part of the password as the host or the database name'
    )
  }
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
