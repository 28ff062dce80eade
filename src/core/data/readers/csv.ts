import {StringDecoder} from 'node:string_decoder'
import {DataError} from '../../errors.js'
import type {TableRow} from '../types.js'
import {type ColumnRequest, resolveHeader} from './columns.js'
import {type CsvRecordBatch, CsvRecordParser, CsvSyntaxError} from './csv-records.js'

/** A record this long is almost always an unclosed quote swallowing the rest of the file. */
const MAX_RECORD_BYTES = 16 * 1024 * 1024

export interface CsvReadOptions {
  delimiter: ',' | '\t'
  /** The file or URL, for messages. */
  where: string
  columns: readonly ColumnRequest[]
}

/** Rows handed out per batch at most. */
const BATCH_RECORDS = 4096

/**
 * Reads RFC 4180 CSV (or TSV) with a header row: quoted fields may hold delimiters, doubled quotes and
 * newlines. Yields the requested columns of each record with the physical line it starts on. A record with
 * another field count than the header, or a quoting error, is a DataError naming file:line. Blank lines are
 * skipped. Buffers must be UTF-8 (a character cut between two buffers is fine).
 */
export async function* readCsv(input: AsyncIterable<Buffer | string>, options: CsvReadOptions): AsyncGenerator<TableRow[]> {
  const {where, delimiter} = options
  const kind = delimiter === ',' ? 'CSV' : 'TSV'
  const parser = new CsvRecordParser({delimiter, maxRecordBytes: MAX_RECORD_BYTES})
  const decoder = new StringDecoder('utf8')
  const table = new RecordsToRows(options, kind)
  try {
    for await (const chunk of input) {
      yield* table.rows(parser.feed(typeof chunk === 'string' ? chunk : decoder.write(chunk)))
    }
    const rest = decoder.end()
    if (rest.length > 0) yield* table.rows(parser.feed(rest))
    yield* table.rows(parser.end())
  } catch (error) {
    if (error instanceof CsvSyntaxError) throw malformed(error, where, kind)
    throw error
  }
  table.checkHeaderSeen()
}

/** The header row names the columns; each later record becomes a row of the requested columns. */
class RecordsToRows {
  private indexes: number[] | undefined
  private width = 0
  /** The columns asked for are the record as it is. */
  private identity = false

  constructor(
    private readonly options: CsvReadOptions,
    private readonly kind: string,
  ) {}

  *rows({records, lines}: CsvRecordBatch): Generator<TableRow[]> {
    const {where, delimiter} = this.options
    let rows: TableRow[] = []
    for (let r = 0; r < records.length; r++) {
      const record = records[r]
      const line = lines[r]
      const blank = record.length === 1 && record[0] === ''
      if (this.indexes === undefined) {
        if (blank) continue
        this.indexes = resolveHeader(record, this.options.columns, `${where}:${line}`)
        this.width = record.length
        this.identity = this.width === this.indexes.length && this.indexes.every((index, i) => index === i)
        continue
      }
      if (record.length !== this.width) {
        if (blank) continue
        const found = `${record.length} ${record.length === 1 ? 'field' : 'fields'} where the header has ${this.width}`
        const hint = record.length > this.width ? `; a field that contains a ${delimiter === ',' ? 'comma' : 'tab'} must be in double quotes` : ''
        throw new DataError(`${where}:${line}: malformed ${this.kind} row: ${found}${hint}`, {data: {file: where, line}})
      }
      rows.push({line, values: this.identity ? record : this.pick(record, this.indexes)})
      if (rows.length === BATCH_RECORDS) {
        yield rows
        rows = []
      }
    }
    if (rows.length > 0) yield rows
  }

  checkHeaderSeen(): void {
    if (this.indexes !== undefined) return
    const {where, columns} = this.options
    const wanted = columns.filter(c => !c.optional).map(c => c.name)
    throw new DataError(`${where}: the file is empty; expected a header row naming the columns (${wanted.join(', ')})`, {data: {file: where}})
  }

  private pick(record: string[], indexes: number[]): unknown[] {
    const values = new Array<unknown>(indexes.length)
    for (let i = 0; i < indexes.length; i++) values[i] = indexes[i] === -1 ? undefined : record[indexes[i]]
    return values
  }
}

function malformed(error: CsvSyntaxError, where: string, kind: string): DataError {
  const {code, line} = error
  let reason: string
  switch (code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      reason = 'a quoted field in this record is never closed'
      break
    case 'CSV_MAX_RECORD_SIZE':
      reason = 'the record starting here is longer than 16 MiB; probably an unclosed quote'
      break
    case 'INVALID_OPENING_QUOTE':
      reason = 'a double quote inside an unquoted field; quote the whole field and double the quotes inside it'
      break
    case 'CSV_INVALID_CLOSING_QUOTE':
      reason = 'text after the closing quote of a field; double the quotes inside a quoted field'
      break
  }
  return new DataError(`${where}:${line}: malformed ${kind} row: ${reason}`, {cause: error, data: {file: where, line, code}})
}
