import {CsvError, parse} from 'csv-parse/sync'
import {describe, expect, it} from 'vitest'
import {readCsv} from '../../src/core/data/readers/csv.js'
import {type CsvRecordBatch, CsvRecordParser, CsvSyntaxError} from '../../src/core/data/readers/csv-records.js'
import {DataError} from '../../src/core/errors.js'
import {mulberry32 as random} from '../../src/core/data/split.js'
import type {TableRow} from '../../src/core/data/types.js'

interface Outcome {
  records: string[][]
  lines: number[]
  error?: {code: string; line: number}
}

/** Our parser over the given pieces; records are collected until the error, as a caller sees them. */
function ours(pieces: readonly string[], delimiter = ',', maxRecordBytes = 0): Outcome {
  const parser = new CsvRecordParser({delimiter, maxRecordBytes})
  const out: Outcome = {records: [], lines: []}
  const take = (batch: CsvRecordBatch) => {
    out.records.push(...batch.records)
    out.lines.push(...batch.lines)
  }
  try {
    for (const piece of pieces) take(parser.feed(piece))
    take(parser.end())
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error
    out.error = {code: error.code, line: error.line}
  }
  return out
}

/** csv-parse with the options the table reader used to give it; records are collected until the error. */
function reference(input: string, delimiter: string, maxRecordBytes: number): {records: string[][]; error?: CsvError} {
  const records: string[][] = []
  const options = {delimiter, relax_column_count: true, skip_empty_lines: false, max_record_size: maxRecordBytes}
  try {
    parse(input, {...options, on_record: (record: string[]) => (records.push(record), record)})
  } catch (error) {
    if (error instanceof CsvError) return {records, error}
    throw error
  }
  return {records}
}

/** The line each record starts on, counted as the table reader always has: one per record plus LFs in fields. */
function startLines(records: readonly string[][]): number[] {
  const lines: number[] = []
  let line = 1
  for (const record of records) {
    lines.push(line)
    line += 1 + record.join('').split('\n').length - 1
  }
  return lines
}

function thrown(action: () => unknown): unknown {
  try {
    action()
  } catch (error) {
    return error
  }
  return undefined
}

interface Case {
  input: string
  delimiter: string
  maxRecordBytes: number
  /** Every CR in the input belongs to a record ending of the file's one style (csv-parse counts lines right). */
  crOnlyInEndings: boolean
}

/** Small CSV texts full of what trips parsers: quotes, delimiters and line endings of every kind, in and out of quotes. */
function generateCase(seed: number): Case {
  const rnd = random(seed)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]
  const delimiter = rnd() < 0.7 ? ',' : '\t'
  const withCr = rnd() < 0.6 // the other cases have no CR at all, so csv-parse's line numbers are right
  const style = withCr ? pick(['\n', '\r\n', '\r', 'mixed'] as const) : '\n'
  const crInFields = withCr && rnd() < 0.4
  const quotedChars = ['a', 'b', 'é', '😀', ' ', '""', delimiter, ',', '\t', '\n', ...(crInFields ? ['\r\n', '\r'] : [])]
  const plainChars = ['a', 'z', '1', 'é', '😀', ' ', delimiter === ',' ? '\t' : ',']
  const text = (chars: readonly string[]) => Array.from({length: Math.floor(rnd() * 5)}, () => pick(chars)).join('')
  const records: string[] = []
  const count = Math.floor(rnd() * 8)
  for (let r = 0; r < count; r++) {
    if (rnd() < 0.1) {
      records.push('') // a blank line
      continue
    }
    const fields = Array.from({length: 1 + Math.floor(rnd() * 4)}, () => {
      const kind = rnd()
      return kind < 0.15 ? '' : kind < 0.55 ? text(plainChars) : `"${text(quotedChars)}"`
    })
    records.push(fields.join(delimiter))
  }
  const ending = () => (style === 'mixed' ? pick(['\n', '\r\n', '\r']) : style)
  let input = records.map(record => record + ending()).join('')
  if (records.length > 0 && rnd() < 0.4) input = input.slice(0, input.length - (input.endsWith('\r\n') ? 2 : 1)) // no final line ending
  const mutations = rnd() < 0.5 ? 1 + Math.floor(rnd() * 3) : 0
  const characters = Array.from(input) // whole code points: decoded text never holds half a surrogate pair
  for (let m = 0; m < mutations; m++) {
    const at = Math.floor(rnd() * (characters.length + 1))
    if (rnd() < 0.3) characters.splice(at, 1)
    else characters.splice(at, 0, pick(['"', '"', 'x', ' ', delimiter, '\n', ...(withCr ? ['\r', '\r\n'] : [])]))
  }
  input = characters.join('')
  const maxRecordBytes = rnd() < 0.2 ? 2 + Math.floor(rnd() * 20) : 16 * 1024 * 1024
  const crOnlyInEndings = !input.includes('\r') || ((style === '\r\n' || style === '\r') && !crInFields && mutations === 0)
  return {input, delimiter, maxRecordBytes, crOnlyInEndings}
}

/** Cuts `input` into pieces at random places (never inside a surrogate pair, as a string decoder never does). */
function randomSplit(input: string, rnd: () => number, maxPiece: number): string[] {
  const pieces: string[] = []
  let at = 0
  while (at < input.length) {
    let end = Math.min(input.length, at + 1 + Math.floor(rnd() * maxPiece))
    if (end < input.length && /[\uDC00-\uDFFF]/.test(input[end])) end++
    pieces.push(input.slice(at, end))
    at = end
  }
  return pieces
}

describe('CsvRecordParser against csv-parse', () => {
  it('gives the same records, errors and lines on generated adversarial inputs, whatever the chunk boundaries', () => {
    const errors = new Map<string, number>()
    let exactLines = 0
    let crCases = 0
    for (let seed = 1; seed <= 1500; seed++) {
      const {input, delimiter, maxRecordBytes, crOnlyInEndings} = generateCase(seed)
      const expected = reference(input, delimiter, maxRecordBytes)
      const whole = ours([input], delimiter, maxRecordBytes)
      const context = `seed ${seed}: ${JSON.stringify(input)}`
      expect(whole.records, context).toEqual(expected.records)
      expect(whole.lines, context).toEqual(startLines(expected.records))
      if (input.includes('\r')) crCases++
      if (expected.error === undefined) expect(whole.error, context).toBeUndefined()
      else {
        const code = expected.error.code
        errors.set(code, (errors.get(code) ?? 0) + 1)
        expect(whole.error?.code, context).toBe(code)
        const line = whole.error!.line
        const recordStart = startLines([...expected.records, []]).at(-1)!
        if (code === 'CSV_QUOTE_NOT_CLOSED' || code === 'CSV_MAX_RECORD_SIZE') {
          expect(line, context).toBe(recordStart) // csv-parse says where the data ends; the record start is more useful
        } else if (crOnlyInEndings) {
          expect(line, context).toBe(expected.error.lines)
          exactLines++
        } else {
          // csv-parse counts a CR inside a record as a line too (and CRLF as two); LFs are what we count.
          expect(line, context).toBeGreaterThanOrEqual(recordStart)
          expect(line, context).toBeLessThanOrEqual(expected.error.lines as number)
        }
      }
      const rnd = random(seed * 7919)
      for (const maxPiece of [1, 3, 16]) {
        const pieces = randomSplit(input, rnd, maxPiece)
        expect(ours(pieces, delimiter, maxRecordBytes), `${context} in ${JSON.stringify(pieces)}`).toEqual(whole)
      }
    }
    // The generator must reach the interesting cases, or the comparison says little.
    for (const code of ['CSV_QUOTE_NOT_CLOSED', 'CSV_MAX_RECORD_SIZE', 'INVALID_OPENING_QUOTE', 'CSV_INVALID_CLOSING_QUOTE']) {
      expect(errors.get(code), code).toBeGreaterThan(40)
    }
    expect(exactLines).toBeGreaterThan(100)
    expect(crCases).toBeGreaterThan(500)
  })
})

describe('CsvRecordParser', () => {
  it('reads quoted fields with delimiters, doubled quotes and line endings, and empty fields', () => {
    expect(ours(['a,"b,c","say ""hi""",\n"multi\nline",,""\n'])).toEqual({
      records: [
        ['a', 'b,c', 'say "hi"', ''],
        ['multi\nline', '', ''],
      ],
      lines: [1, 2],
    })
  })

  it('an empty line is one empty field; a final line ending adds no record; a final delimiter adds an empty field', () => {
    expect(ours(['a\n\nb\n']).records).toEqual([['a'], [''], ['b']])
    expect(ours(['\n']).records).toEqual([['']])
    expect(ours(['']).records).toEqual([])
    expect(ours(['a,']).records).toEqual([['a', '']])
    expect(ours(['a,""']).records).toEqual([['a', '']])
  })

  it('the first line ending outside quotes decides how records end; the other endings are field text', () => {
    expect(ours(['a,b\r\nc\rd\ne\r\n'])).toEqual({records: [['a', 'b'], ['c\rd\ne']], lines: [1, 2]})
    expect(ours(['a\nb\r\nc'])).toEqual({records: [['a'], ['b\r'], ['c']], lines: [1, 2, 3]})
    expect(ours(['a\rb\r"c\nd"\re'])).toEqual({records: [['a'], ['b'], ['c\nd'], ['e']], lines: [1, 2, 3, 5]})
    expect(ours(['"x\r\ny"\r\nz'])).toEqual({records: [['x\r\ny'], ['z']], lines: [1, 3]})
  })

  it('reads TSV: tabs separate, commas and quoted tabs are text', () => {
    expect(ours(['text\tlabel\r\n"a\tb"\tc,d\r\n'], '\t').records).toEqual([
      ['text', 'label'],
      ['a\tb', 'c,d'],
    ])
    expect(ours(['"a\tb",c\n'], '\t').error).toEqual({code: 'CSV_INVALID_CLOSING_QUOTE', line: 1})
  })

  it('is not confused by chunk boundaries inside "" escapes, CRLF, or between a closing quote and what follows', () => {
    const cases: [string[], string[][]][] = [
      [['"a"', '"b"'], [['a"b']]],
      [['"a""', '"'], [['a"']]],
      [['"a"', '""', '""'], [['a""']]],
      [['a\r', '\nb\r\n'], [['a'], ['b']]],
      [['a\r', 'b\r'], [['a'], ['b']]],
      [['a\r\n', 'b\r', '\rc'], [['a'], ['b\r\rc']]],
      [['"a"', '\r', '\n', 'b'], [['a'], ['b']]],
      [['"a"\r', '\nb'], [['a'], ['b']]],
      [['"a"', ',', 'b'], [['a', 'b']]],
      [['x\n"a', '\n', 'b"', '\n'], [['x'], ['a\nb']]],
    ]
    for (const [pieces, records] of cases) expect(ours(pieces).records, JSON.stringify(pieces)).toEqual(records)
    expect(ours(['a\n"b\n', 'c""', 'd"\ne'])).toEqual({records: [['a'], ['b\nc"d'], ['e']], lines: [1, 2, 4]})
  })

  it('a quote inside an unquoted field is an error on the line of the quote, after the records before it', () => {
    expect(ours(['a,b\nc,d"x\n'])).toEqual({records: [['a', 'b']], lines: [1], error: {code: 'INVALID_OPENING_QUOTE', line: 2}})
    expect(ours(['a\r\n"b\r\nc"\r\nd"\r\n'])).toMatchObject({error: {code: 'INVALID_OPENING_QUOTE', line: 4}})
    expect(ours([' "a"\n']).error).toEqual({code: 'INVALID_OPENING_QUOTE', line: 1})
    expect(ours(['x\r\nab\n"c\r\n']).error).toEqual({code: 'INVALID_OPENING_QUOTE', line: 3}) // LF is text in a CRLF file
  })

  it('text after a closing quote is an error, a space or a tab too', () => {
    for (const input of ['"a"b\n', '"a" ,b\n', '"a"\t,b\n', '"a\nb"c']) {
      expect(ours([input]).error?.code, JSON.stringify(input)).toBe('CSV_INVALID_CLOSING_QUOTE')
    }
    expect(ours(['x\n"a\nb"c\n']).error).toEqual({code: 'CSV_INVALID_CLOSING_QUOTE', line: 3})
    expect(ours(['x\n"a"\rb\n']).error).toEqual({code: 'CSV_INVALID_CLOSING_QUOTE', line: 2}) // CR is not this file's line ending
    expect(ours(['x\r\n"a"\r']).error).toEqual({code: 'CSV_INVALID_CLOSING_QUOTE', line: 2}) // nor is a lone CR
  })

  it('a NUL after a closing quote is text after it (csv-parse mistakes it for the end of the data)', () => {
    expect(ours(['"a"\0b\n']).error).toEqual({code: 'CSV_INVALID_CLOSING_QUOTE', line: 1})
  })

  it('an unclosed quote is an error on the line where its record starts', () => {
    expect(ours(['a\nb\n"c,d\ne\n'])).toEqual({records: [['a'], ['b']], lines: [1, 2], error: {code: 'CSV_QUOTE_NOT_CLOSED', line: 3}})
    expect(ours(['"a""']).error).toEqual({code: 'CSV_QUOTE_NOT_CLOSED', line: 1})
  })

  it('a record over the size limit fails as soon as the limit is passed, counting UTF-8 bytes', () => {
    const parser = new CsvRecordParser({delimiter: ',', maxRecordBytes: 50})
    expect(parser.feed('ok\n"').records).toEqual([['ok']])
    expect(parser.feed('x'.repeat(60)).records).toEqual([])
    const error = thrown(() => parser.feed('more"\n'))
    expect(error).toBeInstanceOf(CsvSyntaxError)
    expect(error).toMatchObject({code: 'CSV_MAX_RECORD_SIZE', line: 2})
    expect(thrown(() => parser.end())).toBe(error)
    // csv-parse lets a field reach one byte over the limit: 51 ASCII characters pass a 50-byte limit, and
    // 25 two-byte 'é' (50 bytes) do, 26 do not.
    for (const [field, passes] of [['e'.repeat(51), true], ['e'.repeat(52), false], ['é'.repeat(25), true], ['é'.repeat(26), false]] as const) {
      expect(ours([field], ',', 50).error, field).toEqual(passes ? undefined : {code: 'CSV_MAX_RECORD_SIZE', line: 1})
      expect(reference(field, ',', 50).error?.code, field).toBe(passes ? undefined : 'CSV_MAX_RECORD_SIZE')
    }
  })

  it('refuses a delimiter that cannot work, and data after end()', () => {
    expect(() => new CsvRecordParser({delimiter: '"'})).toThrow(RangeError)
    expect(() => new CsvRecordParser({delimiter: ';;'})).toThrow(RangeError)
    const parser = new CsvRecordParser({delimiter: ','})
    parser.end()
    expect(() => parser.feed('a')).toThrow(/after end/)
  })
})

describe('readCsv', () => {
  const COLUMNS = [
    {name: 'text', setting: 'ingest.text_column'},
    {name: 'label', setting: 'ingest.label_column'},
  ]

  async function read(chunks: Iterable<Buffer | string>, where = 'r.csv'): Promise<TableRow[][]> {
    async function* source() {
      yield* chunks
    }
    const batches: TableRow[][] = []
    for await (const batch of readCsv(source(), {delimiter: ',', where, columns: COLUMNS})) batches.push(batch)
    return batches
  }

  async function failure(chunks: Iterable<Buffer | string>): Promise<DataError> {
    const error = await read(chunks).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(DataError)
    return error as DataError
  }

  it('decodes UTF-8 buffers cut inside a character', async () => {
    const bytes = Buffer.from('label,text\n1,"çà va 😀"\n0,€\n')
    const pieces = Array.from({length: bytes.length}, (_, i) => bytes.subarray(i, i + 1))
    expect((await read(pieces)).flat()).toEqual([
      {line: 2, values: ['çà va 😀', '1']},
      {line: 3, values: ['€', '0']},
    ])
  })

  it('hands out at most 4096 rows per batch', async () => {
    const data = 'text,label\n' + Array.from({length: 10000}, (_, i) => `t${i},${i % 2}\n`).join('')
    const batches = await read([data])
    expect(batches.map(b => b.length)).toEqual([4096, 4096, 1808])
    expect(batches[2].at(-1)).toEqual({line: 10001, values: ['t9999', '1']})
  })

  it('keeps the messages and lines of each CSV error', async () => {
    expect((await failure(['text,label\nok,1\nsay "hi" now,0\n'])).message).toBe(
      'r.csv:3: malformed CSV row: a double quote inside an unquoted field; quote the whole field and double the quotes inside it',
    )
    expect((await failure(['text,label\n"a\nb"c,1\n'])).message).toBe('r.csv:3: malformed CSV row: text after the closing quote of a field; double the quotes inside a quoted field')
    const open = await failure(['text,label\nok,1\n"never closed,1\nmore,0\n'])
    expect(open.message).toBe('r.csv:3: malformed CSV row: a quoted field in this record is never closed')
    expect(open.data).toEqual({file: 'r.csv', line: 3, code: 'CSV_QUOTE_NOT_CLOSED'})
    // A row with the wrong field count before a quoting error in the same chunk is reported first.
    expect((await failure(['text,label\na,b,c\nx"y,1\n'])).message).toMatch(/^r\.csv:2: malformed CSV row: 3 fields where the header has 2/)
  })

  it('stops at a 16 MiB unclosed quote without reading the rest of the input', async () => {
    const piece = 'x'.repeat(1 << 16)
    let served = 0
    function* chunks() {
      yield 'text,label\nok,1\n"'
      for (; served < 1024; served++) yield piece // 64 MiB in all
    }
    const error = await failure(chunks())
    expect(error.message).toBe('r.csv:3: malformed CSV row: the record starting here is longer than 16 MiB; probably an unclosed quote')
    expect(served).toBeLessThan(260)
  })
})
