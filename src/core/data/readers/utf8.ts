import {isUtf8} from 'node:buffer'
import {DataError} from '../../errors.js'
import {countNewlines} from './lines.js'

const EMPTY = Buffer.alloc(0)

/**
 * Passes UTF-8 bytes through unchanged (no decoding, no copy) after checking that they are valid UTF-8.
 * Each yielded buffer ends on a character boundary, so `toString('utf8')` on it is exact. A leading BOM is
 * removed. Invalid bytes raise a DataError naming `where` and the line instead of becoming U+FFFD.
 */
export async function* validUtf8(chunks: AsyncIterable<Buffer>, where: string): AsyncGenerator<Buffer> {
  // Bytes held back: the start of a possible BOM, or a multi-byte sequence the next chunk completes.
  let pending: Buffer = EMPTY
  let atStart = true
  let linesBefore = 0
  for await (const raw of chunks) {
    let chunk: Buffer = pending.length > 0 ? Buffer.concat([pending, raw]) : raw
    pending = EMPTY
    if (atStart) {
      if (chunk.length < 3 && isBomPrefix(chunk)) {
        pending = chunk
        continue
      }
      if (isBomPrefix(chunk.subarray(0, 3))) chunk = chunk.subarray(3)
      atStart = false
    }
    const tail = incompleteTail(chunk)
    const body = tail === 0 ? chunk : chunk.subarray(0, chunk.length - tail)
    if (tail > 0) pending = Buffer.from(chunk.subarray(chunk.length - tail))
    if (!isUtf8(body)) throw invalidUtf8(body, where, linesBefore)
    linesBefore += countNewlines(body)
    if (body.length > 0) yield body
  }
  if (pending.length > 0) throw invalidUtf8(pending, where, linesBefore, true)
}

function isBomPrefix(b: Uint8Array): boolean {
  return (b.length < 1 || b[0] === 0xef) && (b.length < 2 || b[1] === 0xbb) && (b.length < 3 || b[2] === 0xbf)
}

/** How many bytes at the end of `buf` begin a multi-byte sequence that the next chunk completes (0..3). */
export function incompleteTail(buf: Uint8Array): number {
  const n = buf.length
  for (let back = 1; back <= 3 && back <= n; back++) {
    const b = buf[n - back]
    if ((b & 0xc0) === 0x80) continue // a continuation byte: the lead byte is further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1
    return need > back ? back : 0
  }
  return 0
}

/** Offset of the first byte that does not start a well-formed UTF-8 sequence (Unicode Table 3-7), or -1. */
export function firstInvalidUtf8(b: Uint8Array): number {
  const n = b.length
  let i = 0
  while (i < n) {
    const c = b[i]
    if (c < 0x80) {
      i++
      continue
    }
    let need: number
    let lo = 0x80
    let hi = 0xbf
    if (c >= 0xc2 && c <= 0xdf) need = 1
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2
      if (c === 0xe0) lo = 0xa0 // no overlong forms
      else if (c === 0xed) hi = 0x9f // no UTF-16 surrogates
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3
      if (c === 0xf0) lo = 0x90
      else if (c === 0xf4) hi = 0x8f // nothing above U+10FFFF
    } else return i
    if (i + need >= n) return i
    if (b[i + 1] < lo || b[i + 1] > hi) return i
    for (let k = 2; k <= need; k++) if ((b[i + k] & 0xc0) !== 0x80) return i
    i += need + 1
  }
  return -1
}

function invalidUtf8(body: Buffer, where: string, linesBefore: number, atEnd = false): DataError {
  const found = firstInvalidUtf8(body)
  const offset = found < 0 ? 0 : found
  const line = linesBefore + countNewlines(body.subarray(0, offset)) + 1
  const hex = (b: number) => `0x${b.toString(16).toUpperCase().padStart(2, '0')}`
  const what = atEnd
    ? `the data ends inside a UTF-8 sequence (bytes ${[...body.subarray(offset)].map(hex).join(' ')})`
    : `invalid UTF-8 byte ${hex(body[offset])}`
  return new DataError(
    `${where}:${line}: ${what}; if the file is not UTF-8, set ingest.encoding to its encoding (windows-1252 or latin1)`,
    {data: {file: where, line}, suggestions: ['--set ingest.encoding=windows-1252']},
  )
}
