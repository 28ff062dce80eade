import {pipeline, Readable} from 'node:stream'
import {createGunzip} from 'node:zlib'
import {DataError} from '../../errors.js'
import type {FormatOption, TableFormat, TableRow, TextEncoding} from '../types.js'
import {type ColumnRequest, FieldPicker} from './columns.js'
import {readCsv} from './csv.js'
import {decodeChunks} from './decode.js'
import {formatFromContentType, formatFromName, isGzip, sniffFormat} from './format.js'
import {readJsonArray, readJsonLines} from './json.js'

/** Raw bytes of one table: a local file, a downloaded object or stdin. */
export interface ByteInput {
  /** For messages: a path, a redacted URL, an s3:// URI or "stdin". */
  where: string
  /** File name, URL path or S3 key: its extension tells the format. */
  name?: string
  /** HTTP Content-Type, the next hint when the name has no known extension. */
  contentType?: string
  chunks: AsyncIterable<Buffer>
}

export interface TableReadOptions {
  format: FormatOption
  encoding: TextEncoding
  columns: readonly ColumnRequest[]
  /** Told which format was chosen (for --verbose). */
  onFormat?: (format: TableFormat, how: string) => void
}

const SNIFF_BYTES = 4096

/**
 * Reads one table in any supported format and yields the requested columns of each record. Gzip is
 * recognised by its magic bytes. With format "auto", the format comes from the extension, then the
 * Content-Type, then the first bytes.
 */
export async function* readTable(input: ByteInput, options: TableReadOptions): AsyncGenerator<TableRow[]> {
  let {head, chunks} = await peek(input.chunks)
  if (isGzip(head)) ({head, chunks} = await peek(gunzip(chunks, input.where)))
  const [format, how] = chooseFormat(options.format, input, head)
  options.onFormat?.(format, how)
  const text = decodeChunks(chunks, options.encoding, input.where)
  if (format === 'csv' || format === 'tsv') {
    yield* readCsv(text, {delimiter: format === 'csv' ? ',' : '\t', where: input.where, columns: options.columns})
    return
  }
  const picker = new FieldPicker(options.columns)
  const items = format === 'json' ? readJsonArray(text, input.where) : readJsonLines(text, input.where)
  for await (const batch of items) {
    yield batch.map(item => ({line: item.line, values: picker.pick(item.value, `${input.where}:${item.line}`)}))
  }
}

function chooseFormat(option: FormatOption, input: ByteInput, head: Buffer): [TableFormat, string] {
  if (option !== 'auto') return [option, 'ingest.format']
  const byName = input.name ? formatFromName(input.name) : undefined
  if (byName) return [byName, 'extension']
  const byType = formatFromContentType(input.contentType)
  if (byType) return [byType, 'Content-Type']
  return [sniffFormat(head), 'content']
}

/** Reads ahead up to SNIFF_BYTES and hands back the head plus a stream that replays it. */
async function peek(chunks: AsyncIterable<Buffer>): Promise<{head: Buffer; chunks: AsyncIterable<Buffer>}> {
  const iterator = chunks[Symbol.asyncIterator]()
  const seen: Buffer[] = []
  let size = 0
  let done = false
  while (size < SNIFF_BYTES) {
    const next = await iterator.next()
    if (next.done) {
      done = true
      break
    }
    seen.push(next.value)
    size += next.value.length
  }
  const head = Buffer.concat(seen)
  async function* replay(): AsyncGenerator<Buffer> {
    try {
      if (head.length > 0) yield head
      while (!done) {
        const next = await iterator.next()
        if (next.done) return
        yield next.value
      }
    } finally {
      await iterator.return?.()
    }
  }
  return {head, chunks: replay()}
}

async function* gunzip(chunks: AsyncIterable<Buffer>, where: string): AsyncGenerator<Buffer> {
  const output = pipeline(Readable.from(chunks, {objectMode: false}), createGunzip(), () => {})
  try {
    for await (const chunk of output) yield chunk as Buffer
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (typeof code === 'string' && code.startsWith('Z_')) {
      throw new DataError(`${where}: not a valid gzip stream (${(error as Error).message})`, {cause: error, data: {file: where}})
    }
    throw error
  } finally {
    output.destroy()
  }
}
