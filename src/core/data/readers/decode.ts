import iconv from 'iconv-lite'
import {DataError} from '../../errors.js'
import type {TextEncoding} from '../types.js'
import {countNewlines} from './lines.js'
import {validUtf8} from './utf8.js'

/** Bytes that windows-1252 leaves undefined (iconv-lite would turn them into U+FFFD). */
const UNDEFINED_IN_CP1252 = new Set([0x81, 0x8d, 0x8f, 0x90, 0x9d])

/**
 * Turns raw bytes into parser input. UTF-8 stays bytes (validated, BOM removed, split on character
 * boundaries); windows-1252 and latin1 are single-byte encodings, decoded chunk by chunk to strings.
 */
export function decodeChunks(chunks: AsyncIterable<Buffer>, encoding: TextEncoding, where: string): AsyncIterable<Buffer | string> {
  if (encoding === 'utf-8') return validUtf8(chunks, where)
  return decodeSingleByte(chunks, encoding, where)
}

async function* decodeSingleByte(chunks: AsyncIterable<Buffer>, encoding: 'windows-1252' | 'latin1', where: string): AsyncGenerator<string> {
  let linesBefore = 0
  for await (const chunk of chunks) {
    const text = iconv.decode(chunk, encoding)
    if (encoding === 'windows-1252' && text.includes('\uFFFD')) {
      // One byte per character: the string index is the byte offset.
      for (let i = 0; i < chunk.length; i++) {
        if (!UNDEFINED_IN_CP1252.has(chunk[i])) continue
        const line = linesBefore + countNewlines(chunk.subarray(0, i)) + 1
        throw new DataError(
          `${where}:${line}: byte 0x${chunk[i].toString(16).toUpperCase()} is not defined in windows-1252; if the file is latin1 (ISO-8859-1), set ingest.encoding=latin1`,
          {data: {file: where, line}},
        )
      }
    }
    linesBefore += countNewlines(chunk)
    if (text.length > 0) yield text
  }
}
