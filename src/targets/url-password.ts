/**
 * The password of a database URL given as an input, checked the same way for every scheme: it must mean one
 * thing to every client. Messages name the input and never show the password.
 */
import { InputError } from '../errors.js'
import { misreadPassword, writtenPassword } from './mask.js'

/**
 * Refuses a raw @ in the password (`readers`: who reads it which way, for the message) and a character that a
 * driver would read as part of the host or the database name.
 */
export function checkUrlPassword(url: string, inputName: string, readers: string): void {
  // A raw @ in the password makes the URL ambiguous: one reader ends the password at the first @, another at
  // the last. It is refused, so that a URL means one thing everywhere.
  if (writtenPassword(url)?.includes('@')) {
    throw new InputError(
      inputName,
      `the password holds a raw @: percent-encode it as %40 (and / as %2F, ? as %3F, # as %23). With two @ the URL is ambiguous: ${readers}`
    )
  }
  if (misreadPassword(url)) {
    throw new InputError(
      inputName,
      'the password holds a character that must be percent-encoded in a URL (@ as %40, / as %2F, ? as %3F, # as %23): ' +
        'as written, the driver would read part of the password as the host or the database name'
    )
  }
}
