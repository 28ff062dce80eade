import {stat} from 'node:fs/promises'
import path from 'node:path'
import {DataError} from '../errors.js'
import {toText} from './collect.js'
import type {ColumnRequest} from './readers/columns.js'
import {type ByteInput, readTable} from './readers/table.js'
import {fileChunks} from './sources/local.js'
import type {FormatOption} from './types.js'

export interface PredictionInputOptions {
  format?: FormatOption
  /** Column (CSV/TSV) or field (JSON) holding the text; default "text", or the only column there is. */
  textColumn?: string
}

export interface PredictionText {
  text: string
  /** 1-based line where the record starts. */
  line: number
  /** The record's `id` column, when it has one. */
  id?: string
}

/**
 * Streams the texts of a CSV/TSV (with a header row), JSON array or JSON Lines file, or of stdin ('-'),
 * for `sentiops predict --input`. JSON records may also be plain strings. Missing texts come out as "".
 */
export async function* readTextsForPrediction(input: string | NodeJS.ReadableStream, options: PredictionInputOptions = {}): AsyncGenerator<PredictionText> {
  const columns: ColumnRequest[] = [
    {name: options.textColumn ?? 'text', setting: '--text-column', orOnlyColumn: options.textColumn === undefined},
    {name: 'id', optional: true},
  ]
  const source = await openInput(input)
  for await (const rows of readTable(source, {format: options.format ?? 'auto', encoding: 'utf-8', columns})) {
    for (const {line, values} of rows) {
      const text = toText(values[0], source.where, line, columns[0].name)
      const id = values[1]
      yield id === undefined || id === null || id === '' ? {text, line} : {text, line, id: String(id)}
    }
  }
}

async function openInput(input: string | NodeJS.ReadableStream): Promise<ByteInput> {
  if (input === '-') return {where: 'stdin', chunks: streamChunks(process.stdin)}
  if (typeof input !== 'string') return {where: 'input', chunks: streamChunks(input)}
  const file = path.resolve(input)
  const info = await stat(file).catch(() => undefined)
  if (!info?.isFile()) throw new DataError(`${input}: ${info ? 'not a file' : 'no such file'}`, {data: {file: input}})
  return {where: input, name: input, chunks: fileChunks(file, {where: input, size: info.size})}
}

async function* streamChunks(stream: NodeJS.ReadableStream): AsyncGenerator<Buffer> {
  for await (const chunk of stream as AsyncIterable<Buffer | string>) yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk
}
