import path from 'node:path'
import type {TableFormat} from '../types.js'

export const TABLE_FORMATS: readonly TableFormat[] = ['csv', 'tsv', 'json', 'jsonl']

const BY_EXTENSION: Record<string, TableFormat> = {
  '.csv': 'csv',
  '.tsv': 'tsv',
  '.tab': 'tsv',
  '.json': 'json',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
}

const BY_CONTENT_TYPE: Record<string, TableFormat> = {
  'text/csv': 'csv',
  'application/csv': 'csv',
  'text/tab-separated-values': 'tsv',
  'application/x-ndjson': 'jsonl',
  'application/ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/x-jsonlines': 'jsonl',
  'application/jsonlines': 'jsonl',
}

/** Format from a file name, URL path or S3 key (a trailing .gz is looked through). */
export function formatFromName(name: string): TableFormat | undefined {
  const base = name.toLowerCase().replace(/\.gz$/, '')
  return BY_EXTENSION[path.extname(base)]
}

/** Format from an HTTP Content-Type. application/json may hold an array or JSON Lines: the content decides. */
export function formatFromContentType(contentType: string | undefined): TableFormat | undefined {
  if (!contentType) return undefined
  return BY_CONTENT_TYPE[contentType.split(';')[0].trim().toLowerCase()]
}

/** Guesses the format from the first bytes: "[" → JSON array, "{" → JSON Lines, else CSV or TSV by the first line. */
export function sniffFormat(head: Buffer): TableFormat {
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++
  if (head[i] === 0x5b) return 'json'
  if (head[i] === 0x7b) return 'jsonl'
  const firstLine = head.subarray(i, Math.max(i, head.indexOf(0x0a, i) === -1 ? head.length : head.indexOf(0x0a, i))).toString('latin1')
  return firstLine.includes('\t') && !firstLine.includes(',') ? 'tsv' : 'csv'
}

export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b
}
