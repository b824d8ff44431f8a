/**
 * The one place that finds a connection string's password: for masking it in what is logged
 * (`maskUrl`), registering it with the runner's masking (`urlSecrets`) and scrubbing it from driver
 * messages (`scrubSecrets`).
 *
 * Works on text rather than on a parsed URL: a database URL whose password contains an unescaped
 * `@`, `/`, `?` or `#` does not parse as a URL (or parses with the password in the wrong part), and
 * such a URL must still never be printed with its password. When in doubt more is masked, not less.
 */

const MASK = '***'

/** Masks `password=…` in a query string or a key/value connection string. */
function maskPasswordSettings(text: string): string {
  return text.replace(/([?&;]password=)[^&]*/gi, `$1${MASK}`).replace(/(^|\s)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S*)/gi, `$1$2${MASK}`)
}

/** `password=…` values of a query string or a key/value connection string. */
function passwordSettings(text: string): string[] {
  const values = [...text.matchAll(/[?&;]password=([^&]*)/gi)].map((match) => match[1])
  for (const match of text.matchAll(/(?:^|\s)password\s*=\s*('(?:[^'\\]|\\.)*'|\S*)/gi)) {
    values.push(match[1].startsWith("'") ? match[1].slice(1, -1).replace(/\\(.)/g, '$1') : match[1])
  }
  return values.filter(Boolean)
}

interface UrlParts {
  /** `postgres://` */
  scheme: string
  /** Everything before the password's `:` (the user name), or all of the userinfo when it has no password. */
  user: string
  /** As written (percent-encoded or not); null when the userinfo has none. */
  password: string | null
  /** Whether there is a userinfo at all (an `@` ends it). */
  hasUserinfo: boolean
  /** Host, port, path and query. */
  rest: string
}

/**
 * Splits a URL around its password as a person meant it. The userinfo ends at the last `@` before the
 * query (`?`, `#`); when there is none there (a raw `?` or `#` in the password), at the last `@` of all.
 */
function splitUrl(url: string): UrlParts | null {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)/.exec(url)?.[1]
  if (!scheme) return null
  const afterScheme = url.slice(scheme.length)
  const query = afterScheme.search(/[?#]/)
  const beforeQuery = query < 0 ? afterScheme : afterScheme.slice(0, query)
  const at = beforeQuery.includes('@') ? beforeQuery.lastIndexOf('@') : afterScheme.lastIndexOf('@')
  if (at < 0) return { scheme, user: '', password: null, hasUserinfo: false, rest: afterScheme }
  const userinfo = afterScheme.slice(0, at)
  const colon = userinfo.indexOf(':')
  return {
    scheme,
    user: colon < 0 ? userinfo : userinfo.slice(0, colon),
    password: colon < 0 ? null : userinfo.slice(colon + 1),
    hasUserinfo: true,
    rest: afterScheme.slice(at + 1)
  }
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/**
 * The password of a connection string as it is written and percent-decoded (and any `password=`
 * setting): every form that could appear in a message. Empty when there is none.
 */
export function urlSecrets(url: string): string[] {
  if (typeof url !== 'string') return []
  const parts = splitUrl(url)
  const written = [...(parts?.password ? [parts.password] : []), ...passwordSettings(parts ? parts.rest : url)]
  return [...new Set(written.flatMap((value) => [value, decoded(value)]))].filter(Boolean)
}

/** The password of a URL as it is written (percent-encoded or not), split as splitUrl reads it; null when there is none. */
export function writtenPassword(url: string): string | null {
  return splitUrl(url)?.password ?? null
}

/**
 * Whether a URL parser (and so the PostgreSQL driver) reads another password than the one written: a raw
 * `@`, `/`, `?` or `#` in the password makes it take part of the password for the host or the database.
 */
export function misreadPassword(url: string): boolean {
  const parts = splitUrl(url)
  if (!parts?.password) return false
  const parses = (text: string): URL | null => {
    try {
      return new URL(text)
    } catch {
      return null
    }
  }
  const parsed = parses(url)
  // Not a URL as written: the password is to blame when the URL parses with the password encoded.
  if (!parsed) return parses(`${parts.scheme}${parts.user}:${encodeURIComponent(decoded(parts.password))}@${parts.rest}`) !== null
  return decoded(parsed.password) !== decoded(parts.password)
}

/** Replaces every form of the URL's password in a message (a driver may echo it) with `***`. */
export function scrubSecrets(url: string | null): (message: string) => string {
  // Very short values would mask unrelated text; the runner's masking covers them in the log.
  const secrets = url ? urlSecrets(url).filter((secret) => secret.length >= 3) : []
  return (message) => maskSecrets(message, secrets)
}

/** Every occurrence of each secret in `text` as `***`; the longest first, so that one holding another is masked whole. */
export function maskSecrets(text: string, secrets: Iterable<string>): string {
  return [...secrets]
    .filter(Boolean)
    .sort((a, b) => b.length - a.length)
    .reduce((masked, secret) => masked.split(secret).join(MASK), text)
}

export function maskUrl(url: string): string {
  try {
    if (typeof url !== 'string') return MASK
    const parts = splitUrl(url)
    if (!parts) return maskPasswordSettings(url)
    const rest = maskPasswordSettings(parts.rest)
    if (!parts.hasUserinfo) return parts.scheme + rest
    if (parts.password === null) return `${parts.scheme}${parts.user}@${rest}`
    return `${parts.scheme}${parts.user}:${MASK}@${rest}`
  } catch {
    return MASK
  }
}
