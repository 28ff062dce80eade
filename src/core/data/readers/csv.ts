import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {CsvError, type Options, parse} from 'csv-parse'
import {DataError} from '../../errors.js'
import type {TableRow} from '../types.js'
import {type ColumnRequest, resolveHeader} from './columns.js'

/** A record this long is almost always an unclosed quote swallowing the rest of the file. */
const MAX_RECORD_BYTES = 16 * 1024 * 1024

export interface CsvReadOptions {
  delimiter: ',' | '\t'
  /** The file or URL, for messages. */
  where: string
  columns: readonly ColumnRequest[]
}

/**
 * Reads RFC 4180 CSV (or TSV) with a header row: quoted fields may hold delimiters, doubled quotes and
 * newlines. Yields the requested columns of each record with the physical line it starts on. A record with
 * another field count than the header, or a quoting error, is a DataError naming file:line. Blank lines are
 * skipped.
 */
export async function* readCsv(input: AsyncIterable<Buffer | string>, options: CsvReadOptions): AsyncGenerator<TableRow[]> {
  const {where, columns, delimiter} = options
  const kind = delimiter === ',' ? 'CSV' : 'TSV'
  let indexes: number[] | undefined
  let width = 0
  let identity = false
  let line = 1 // physical line where the next record starts
  try {
    for await (const records of parseRecords(input, delimiter)) {
      const rows: TableRow[] = []
      for (const record of records) {
        const start = line
        line += 1 + newlinesInFields(record)
        const blank = record.length === 1 && record[0] === ''
        if (indexes === undefined) {
          if (blank) continue
          indexes = resolveHeader(record, columns, `${where}:${start}`)
          width = record.length
          identity = width === indexes.length && indexes.every((index, i) => index === i)
          continue
        }
        if (record.length !== width) {
          if (blank) continue
          const found = `${record.length} ${record.length === 1 ? 'field' : 'fields'} where the header has ${width}`
          const hint = record.length > width ? `; a field that contains a ${delimiter === ',' ? 'comma' : 'tab'} must be in double quotes` : ''
          throw new DataError(`${where}:${start}: malformed ${kind} row: ${found}${hint}`, {data: {file: where, line: start}})
        }
        if (identity) {
          rows.push({line: start, values: record}) // the columns asked for are the record as it is
          continue
        }
        const values = new Array<unknown>(indexes.length)
        for (let i = 0; i < indexes.length; i++) values[i] = indexes[i] === -1 ? undefined : record[indexes[i]]
        rows.push({line: start, values})
      }
      if (rows.length > 0) yield rows
    }
  } catch (error) {
    if (error instanceof CsvError) throw malformed(error, where, line, kind)
    throw error
  }
  if (indexes === undefined) {
    const wanted = columns.filter(c => !c.optional).map(c => c.name)
    throw new DataError(`${where}: the file is empty; expected a header row naming the columns (${wanted.join(', ')})`, {data: {file: where}})
  }
}

function newlinesInFields(record: string[]): number {
  let count = 0
  for (const field of record) {
    let at = field.indexOf('\n')
    while (at !== -1) {
      count++
      at = field.indexOf('\n', at + 1)
    }
  }
  return count
}

/** Records handed out per batch at most; the parser pauses until the batch is taken. */
const BATCH_RECORDS = 4096

/**
 * csv-parse as an async generator of record batches. Records arrive through 'data' events (the cheapest
 * path through a Node stream); the parser pauses while a full batch waits, and the parse error, if any,
 * comes after the records that preceded it.
 */
async function* parseRecords(input: AsyncIterable<Buffer | string>, delimiter: string): AsyncGenerator<string[][]> {
  const options: Options = {
    delimiter,
    relax_column_count: true, // checked above, with a better message and the record's first line
    skip_empty_lines: false, // keeps the line count exact; blank records are skipped above
    max_record_size: MAX_RECORD_BYTES,
  }
  const parser = parse(options)
  let batch: string[][] = []
  let wake: (() => void) | undefined
  const notify = () => {
    const resolve = wake
    wake = undefined
    resolve?.()
  }
  parser.on('data', (record: string[]) => {
    batch.push(record)
    if (batch.length >= BATCH_RECORDS) parser.pause()
    notify()
  })
  let settled = false
  let failure: unknown
  pipeline(Readable.from(input, {objectMode: true}), parser).then(
    () => {
      settled = true
      notify()
    },
    (error: unknown) => {
      failure = error
      settled = true
      notify()
    },
  )
  try {
    for (;;) {
      if (batch.length > 0) {
        const ready = batch
        batch = []
        yield ready
        parser.resume()
      } else if (settled) break
      else await new Promise<void>(resolve => (wake = resolve))
    }
  } finally {
    if (!settled) parser.destroy()
  }
  if (failure !== undefined) throw failure
}

function malformed(error: CsvError, where: string, recordStart: number, kind: string): DataError {
  const at = typeof error.lines === 'number' ? (error.lines as number) : recordStart
  let line = at
  let reason: string
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      line = recordStart
      reason = 'a quoted field in this record is never closed'
      break
    case 'CSV_MAX_RECORD_SIZE':
      line = recordStart
      reason = 'the record starting here is longer than 16 MiB; probably an unclosed quote'
      break
    case 'INVALID_OPENING_QUOTE':
      reason = 'a double quote inside an unquoted field; quote the whole field and double the quotes inside it'
      break
    case 'CSV_INVALID_CLOSING_QUOTE':
    case 'CSV_NON_TRIMABLE_CHAR_AFTER_CLOSING_QUOTE':
      reason = 'text after the closing quote of a field; double the quotes inside a quoted field'
      break
    default:
      reason = error.message.replace(/\s+(?:at|on) line \d+.*$/s, '')
  }
  return new DataError(`${where}:${line}: malformed ${kind} row: ${reason}`, {cause: error, data: {file: where, line, code: error.code}})
}
