import {ConfigError} from '../../errors.js'
import {redactUrls} from '../../redact.js'

/** One entry of ingest.source. */
export type SourceSpec =
  | {kind: 'builtin'; name: string; text: string}
  | {kind: 'http'; url: URL; text: string}
  | {kind: 's3'; bucket: string; key: string; text: string}
  | {kind: 'local'; pattern: string; text: string}

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i

/**
 * Splits ingest.source into its entries. Entries are separated by commas; a comma that belongs to a URL
 * must be written %2C. (A local path that contains a comma is recognised by the caller, which checks
 * whether the whole string names a file before splitting.)
 */
export function splitSourceList(source: string): string[] {
  const entries = source.split(',').map(s => s.trim())
  if (entries.some(e => e === '')) {
    throw new ConfigError(`ingest.source: empty entry in ${JSON.stringify(redactUrls(source))}; separate sources with single commas`)
  }
  return entries
}

export function parseSource(text: string): SourceSpec {
  if (/^builtin:/i.test(text)) return {kind: 'builtin', name: text.slice('builtin:'.length).toLowerCase(), text}
  const scheme = SCHEME.exec(text)?.[1].toLowerCase()
  if (scheme === undefined) return {kind: 'local', pattern: text, text}
  if (scheme === 'http' || scheme === 'https') {
    let url: URL
    try {
      url = new URL(text)
    } catch {
      throw new ConfigError(`ingest.source: ${JSON.stringify(redactUrls(text))} is not a valid URL`)
    }
    return {kind: 'http', url, text}
  }
  if (scheme === 's3') {
    const match = /^s3:\/\/([^/]+)\/(.+)$/i.exec(text)
    if (!match) throw new ConfigError(`ingest.source: ${JSON.stringify(redactUrls(text))} is not an S3 object URI; expected s3://bucket/key`)
    return {kind: 's3', bucket: match[1], key: match[2], text}
  }
  if (scheme === 'file') {
    try {
      return {kind: 'local', pattern: decodeURIComponent(new URL(text).pathname), text}
    } catch {
      throw new ConfigError(`ingest.source: ${JSON.stringify(redactUrls(text))} is not a valid file URL`)
    }
  }
  throw new ConfigError(
    `ingest.source: unsupported scheme "${scheme}://" in ${JSON.stringify(redactUrls(text))}; use a local path or glob, http(s)://, s3://bucket/key or builtin:uci`,
  )
}
