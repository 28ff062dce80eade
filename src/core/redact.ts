/**
 * Credentials in URLs: the one place that decides what counts as one, how a URL is printed without it, and
 * why params refuse it. Every URL sentiops prints (messages, --json, errors) goes through `redactUrl` or
 * `redactUrls`; params.yaml and --set never hold one (`urlCredentials` finds them, src/core/config refuses).
 */

/** `scheme://...` up to whitespace, a comma (ingest.source lists) or a quote. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s,'"<>]+/gi
const USERINFO = /^([a-z][a-z0-9+.-]*:\/\/)[^/?#@\s]*@/i
const MASK = '***'

/** Query names whose values are secrets: S3/GCS presigned URLs, Azure SAS, API keys, OAuth tokens. */
const SECRET_NAMES = new Set(['sig', 'signature', 'key', 'apikey', 'auth', 'authorization', 'pass', 'password', 'passwd', 'pwd', 'secret', 'token', 'credential', 'credentials'])
const SECRET_SUFFIXES = ['signature', 'token', 'secret', 'password', 'credential', 'apikey', 'accesskey', 'accesskeyid', 'accessid']

/** Whether a query parameter name carries a secret (`X-Amz-Signature`, `sig`, `access_token`, `apiKey`, ...). */
export function isSecretParam(name: string): boolean {
  const bare = name.toLowerCase().replace(/[-_.]/g, '')
  return SECRET_NAMES.has(name.toLowerCase()) || SECRET_NAMES.has(bare) || SECRET_SUFFIXES.some(s => bare.endsWith(s))
}

/** A URL safe to print: `user:password@` becomes `***@`, the values of secret query parameters `***`. */
export function redactUrl(url: URL | string): string {
  const text = String(url)
  let copy: URL
  try {
    copy = new URL(text)
  } catch {
    return text.replace(USERINFO, `$1${MASK}@`)
  }
  const secrets = [...new Set(copy.searchParams.keys())].filter(isSecretParam)
  // A URL with nothing to hide is printed as given, not as URL would normalise it.
  if (!copy.username && !copy.password && secrets.length === 0) return text
  if (copy.username || copy.password) {
    copy.username = MASK
    copy.password = ''
  }
  for (const name of secrets) copy.searchParams.set(name, MASK)
  return copy.toString()
}

/** Redacts every URL inside a free text (an ingest.source list, an error message). */
export function redactUrls(text: string): string {
  return text.replace(URL_IN_TEXT, match => {
    // Punctuation that ends a sentence ("GET https://h/x: HTTP 403") is not part of the URL.
    const tail = /[.:;)\]]+$/.exec(match)?.[0] ?? ''
    return redactUrl(match.slice(0, match.length - tail.length)) + tail
  })
}

export interface UrlCredential {
  /** The URL as it may be printed. */
  url: string
  /** What was found, for messages: "a user:password", "the query parameter X-Amz-Signature". */
  what: string[]
}

/** The URLs inside `text` that carry credentials: userinfo or a secret query parameter. */
export function urlCredentials(text: string): UrlCredential[] {
  const found: UrlCredential[] = []
  for (const match of text.match(URL_IN_TEXT) ?? []) {
    const what: string[] = []
    let url: URL | undefined
    try {
      url = new URL(match)
    } catch {
      if (USERINFO.test(match)) what.push('a user name or password (user:password@)')
    }
    if (url) {
      if (url.password) what.push('a password (user:password@)')
      else if (url.username) what.push('a user name or token (user@)')
      const names = [...new Set(url.searchParams.keys())].filter(isSecretParam)
      if (names.length > 0) what.push(`the query parameter${names.length > 1 ? 's' : ''} ${names.join(', ')}`)
    }
    if (what.length > 0) found.push({url: redactUrl(match), what})
  }
  return found
}
