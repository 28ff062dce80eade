const SECRET_PARAM = /sig|signature|token|key|secret|credential|password|auth/i

/** A URL safe to print: no user:password, and the values of secret-looking query parameters masked. */
export function redactUrl(url: URL | string): string {
  const copy = new URL(String(url))
  if (copy.username || copy.password) {
    copy.username = '***'
    copy.password = ''
  }
  for (const name of [...copy.searchParams.keys()]) {
    if (SECRET_PARAM.test(name)) copy.searchParams.set(name, '***')
  }
  return copy.toString()
}
