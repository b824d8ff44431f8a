/**
 * Masks the password of a PostgreSQL connection string so it can be logged.
 *
 * Works on text rather than on a parsed URL: a database URL whose password contains an unescaped
 * `@`, `/`, `?` or `#` does not parse as a URL (or parses with the password in the wrong part), and
 * such a URL must still never be printed with its password. When in doubt more is masked, not less.
 */

const MASK = '***'

/** Masks `password=…` in a query string or a key/value connection string. */
function maskPasswordSettings(text: string): string {
  return text
    .replace(/([?&;]password=)[^&]*/gi, `$1${MASK}`)
    .replace(/(^|\s)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)/gi, `$1$2${MASK}`)
}

export function maskUrl(url: string): string {
  try {
    if (typeof url !== 'string') return MASK
    const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)/.exec(url)
    if (!scheme) return maskPasswordSettings(url)
    const rest = url.slice(scheme[1].length)
    // The userinfo ends at the last `@`: a malformed password may itself contain `@`.
    const at = rest.lastIndexOf('@')
    if (at < 0) return scheme[1] + maskPasswordSettings(rest)
    const userinfo = rest.slice(0, at)
    const afterUserinfo = maskPasswordSettings(rest.slice(at + 1))
    const colon = userinfo.indexOf(':')
    if (colon < 0) return `${scheme[1]}${userinfo}@${afterUserinfo}`
    return `${scheme[1]}${userinfo.slice(0, colon)}:${MASK}@${afterUserinfo}`
  } catch {
    return MASK
  }
}
