import {gzipSync} from 'node:zlib'
import {describe, expect, it} from 'vitest'
import {DataError} from '../../src/core/errors.js'
import {findColumn} from '../../src/core/data/readers/columns.js'
import {sniffFormat} from '../../src/core/data/readers/format.js'
import {readTable, type TableReadOptions} from '../../src/core/data/readers/table.js'
import {firstInvalidUtf8, incompleteTail, validUtf8} from '../../src/core/data/readers/utf8.js'
import type {TableRow} from '../../src/core/data/types.js'
import {chunked, failure} from './helpers.js'

const TEXT_LABEL: TableReadOptions = {format: 'auto', encoding: 'utf-8', columns: [{name: 'text', setting: 'ingest.text_column'}, {name: 'label', setting: 'ingest.label_column'}]}

async function rows(data: string | Buffer, name: string, options: Partial<TableReadOptions> = {}, chunkSize = 1 << 16): Promise<TableRow[]> {
  const out: TableRow[] = []
  for await (const batch of readTable({where: name, name, chunks: chunked(data, chunkSize)}, {...TEXT_LABEL, ...options})) out.push(...batch)
  return out
}

async function collect(chunks: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = []
  for await (const c of chunks) parts.push(c)
  return Buffer.concat(parts).toString('utf8')
}

describe('UTF-8 validation', () => {
  it('passes valid text through even when chunks cut characters and the BOM apart', async () => {
    const text = '\uFEFFtext,label\nçà va 😀 très bien,1\n'
    for (const size of [1, 2, 3, 5]) expect(await collect(validUtf8(chunked(text, size), 'f.csv'))).toBe(text.slice(1))
  })

  it('reports an invalid byte with file and line instead of decoding it to U+FFFD', async () => {
    const bytes = Buffer.concat([Buffer.from('text,label\nfine,1\ncaf'), Buffer.from([0xe9]), Buffer.from(' au lait,0\n')])
    for (const size of [1, 4, 1024]) {
      const error = await failure(() => collect(validUtf8(chunked(bytes, size), 'data/reviews.csv')))
      expect(error).toBeInstanceOf(DataError)
      expect(error.message).toMatch(/^data\/reviews\.csv:3: invalid UTF-8 byte 0xE9; .*ingest\.encoding/)
    }
  })

  it('reports a sequence cut off at the end of the data', async () => {
    const bytes = Buffer.concat([Buffer.from('a\nb\n'), Buffer.from('€').subarray(0, 2)])
    const error = await failure(() => collect(validUtf8(chunked(bytes, 3), 'x.csv')))
    expect(error.message).toMatch(/^x\.csv:3: the data ends inside a UTF-8 sequence \(bytes 0xE2 0x82\)/)
  })

  it('finds the first ill-formed sequence (overlong, surrogate, out of range, stray continuation)', () => {
    expect(firstInvalidUtf8(Buffer.from('plain ascii é € 😀'))).toBe(-1)
    expect(firstInvalidUtf8(Buffer.from([0x41, 0xc0, 0xaf]))).toBe(1) // overlong "/"
    expect(firstInvalidUtf8(Buffer.from([0x41, 0x42, 0xed, 0xa0, 0x80]))).toBe(2) // UTF-16 surrogate
    expect(firstInvalidUtf8(Buffer.from([0xf4, 0x90, 0x80, 0x80]))).toBe(0) // above U+10FFFF
    expect(firstInvalidUtf8(Buffer.from([0x61, 0x80]))).toBe(1)
    expect(firstInvalidUtf8(Buffer.from([0xe2, 0x82]))).toBe(0) // truncated
  })

  it('holds back only an incomplete trailing sequence', () => {
    expect(incompleteTail(Buffer.from('ab'))).toBe(0)
    expect(incompleteTail(Buffer.from('€'))).toBe(0)
    expect(incompleteTail(Buffer.from('€').subarray(0, 2))).toBe(2)
    expect(incompleteTail(Buffer.from('😀').subarray(0, 3))).toBe(3)
    expect(incompleteTail(Buffer.from('a😀').subarray(0, 2))).toBe(1)
  })
})

describe('CSV and TSV', () => {
  it('reads RFC 4180 quoting: commas, doubled quotes and newlines inside quoted fields, with the line each record starts on', async () => {
    const csv = 'text,label\n"Great, really ""great""",1\n"two\nline\r\nreview",0\nplain,1\n'
    const got = await rows(csv, 'q.csv')
    expect(got).toEqual([
      {line: 2, values: ['Great, really "great"', '1']},
      {line: 3, values: ['two\nline\r\nreview', '0']},
      {line: 6, values: ['plain', '1']},
    ])
    // Byte-sized chunks change nothing.
    expect(await rows(csv, 'q.csv', {}, 1)).toEqual(got)
  })

  it('picks the requested columns by name, in any order and case, and skips blank lines', async () => {
    const got = await rows('id,Label,Text\n7,1,good\n\n8,0,bad\n\n', 'c.csv')
    expect(got).toEqual([
      {line: 2, values: ['good', '1']},
      {line: 4, values: ['bad', '0']},
    ])
  })

  it('reads TSV by extension', async () => {
    expect(await rows('text\tlabel\nwith, comma\t1\n', 'r.tsv')).toEqual([{line: 2, values: ['with, comma', '1']}])
    expect((await failure(() => rows('text\tlabel\nno label\n', 'r.tsv'))).message).toBe('r.tsv:2: malformed TSV row: 1 field where the header has 2')
  })

  it('a missing column lists the columns found', async () => {
    const error = await failure(() => rows('review,sentiment\nok,1\n', 'reviews.csv'))
    expect(error).toBeInstanceOf(DataError)
    expect(error.message).toBe('reviews.csv:1: no column "text" (ingest.text_column); columns found: "review", "sentiment"')
  })

  it('a row with more fields than the header names file:line', async () => {
    const error = await failure(() => rows('text,label\nfine,1\n"multi\nline",0\nnot, quoted,1\n', 'bad.csv'))
    expect(error).toBeInstanceOf(DataError)
    expect(error.message).toMatch(/^bad\.csv:5: malformed CSV row: 3 fields where the header has 2; a field that contains a comma must be in double quotes$/)
  })

  it('quoting errors name file:line', async () => {
    const stray = await failure(() => rows('text,label\nok,1\nsay "hi" now,0\n', 'stray.csv'))
    expect(stray).toBeInstanceOf(DataError)
    expect(stray.message).toMatch(/^stray\.csv:3: malformed CSV row: a double quote inside an unquoted field/)

    const after = await failure(() => rows('text,label\n"closed"then,1\n', 'after.csv'))
    expect(after.message).toMatch(/^after\.csv:2: malformed CSV row: text after the closing quote/)

    const open = await failure(() => rows('text,label\nok,1\n"never closed,1\nmore,0\n', 'open.csv'))
    expect(open.message).toMatch(/^open\.csv:3: malformed CSV row: a quoted field in this record is never closed$/)
  })

  it('an empty file asks for a header', async () => {
    const error = await failure(() => rows('', 'empty.csv'))
    expect(error.message).toBe('empty.csv: the file is empty; expected a header row naming the columns (text, label)')
  })
})

describe('JSON and JSON Lines', () => {
  it('streams a JSON array of records, whatever the chunk boundaries', async () => {
    const json = '[\n  {"text": "a ] tricky } \\"string\\" [", "label": 1, "meta": {"tags": ["x", "}"]}},\n  {"label": "0", "text": 42}\n]\n'
    const expected = [
      {line: 2, values: ['a ] tricky } "string" [', 1]},
      {line: 3, values: [42, '0']},
    ]
    expect(await rows(json, 'r.json')).toEqual(expected)
    expect(await rows(json, 'r.json', {}, 1)).toEqual(expected)
    expect(await rows(json, 'r.json', {}, 7)).toEqual(expected)
  })

  it('reports malformed JSON arrays with file:line', async () => {
    expect((await failure(() => rows('{"text": "a", "label": 1}', 'o.json'))).message).toMatch(/^o\.json:1: expected a JSON array of records .*jsonl/)
    expect((await failure(() => rows('[\n{"text": "a", "label": 1},\n]', 't.json'))).message).toBe('t.json:3: invalid JSON: a comma before "]"')
    expect((await failure(() => rows('[\n{"text": "a", "label": 1}\n{"text": "b"}]', 'c.json'))).message).toMatch(/^c\.json:3: invalid JSON: expected "," or "]"/)
    // V8 gives a position for some syntax errors (then the exact line is named), not for others (then the record's first line).
    expect((await failure(() => rows('[\n{"text": "a",\n "label": 1,\n}]', 'p.json'))).message).toMatch(/^p\.json:4: invalid JSON: Expected double-quoted property name$/)
    expect((await failure(() => rows('[\n{"text": "a",\n "label": }\n]', 'v.json'))).message).toMatch(/^v\.json:2: invalid JSON: Unexpected token '}'/)
    expect((await failure(() => rows('[\n{"text": "a", "label": 1}', 'e.json'))).message).toBe('e.json:2: invalid JSON: the data ends before the closing "]"')
    expect((await failure(() => rows('[\n{"text": "a", "label"', 'u.json'))).message).toBe('u.json:2: invalid JSON: the data ends inside the element that starts here')
    expect((await failure(() => rows('[1, 2]', 'n.json'))).message).toMatch(/^n\.json:1: element "1, 2\]"… is neither a record/)
  })

  it('reads JSON Lines, skipping blank lines, and reports the bad line', async () => {
    const jsonl = '{"text": "good", "label": 1}\n\n{"text": "bad", "label": 0}\r\n'
    expect(await rows(jsonl, 'r.jsonl')).toEqual([
      {line: 1, values: ['good', 1]},
      {line: 3, values: ['bad', 0]},
    ])
    const error = await failure(() => rows('{"text": "good", "label": 1}\n{"text": bad}\n', 'r.jsonl'))
    expect(error).toBeInstanceOf(DataError)
    expect(error.message).toMatch(/^r\.jsonl:2: invalid JSON: /)
  })

  it('a record without the field lists the fields it has', async () => {
    const error = await failure(() => rows('{"text": "a", "label": 1}\n{"review": "b", "stars": 2}\n', 'r.jsonl'))
    expect(error.message).toBe('r.jsonl:2: no field "text" (ingest.text_column); fields found: "review", "stars"')
  })

  it('a record that is not an object is named', async () => {
    const error = await failure(() => rows('[{"text": "a", "label": 1}, ["b", 0]]', 'a.json'))
    expect(error.message).toBe('a.json:1: expected an object with the fields "text", "label", found an array')
  })
})

describe('format detection and compression', () => {
  it('sniffs the format of a name without a known extension', () => {
    expect(sniffFormat(Buffer.from('  \n[{"text": 1}]'))).toBe('json')
    expect(sniffFormat(Buffer.from('{"text": 1}\n'))).toBe('jsonl')
    expect(sniffFormat(Buffer.from('text\tlabel\nx\t1'))).toBe('tsv')
    expect(sniffFormat(Buffer.from('\uFEFFtext,label\n'))).toBe('csv')
  })

  it('uses the Content-Type when the name says nothing', async () => {
    const got = []
    const input = {where: 'https://x/data', name: '/data', contentType: 'text/tab-separated-values; charset=utf-8', chunks: chunked('text\tlabel\na,b\t1\n', 64)}
    for await (const batch of readTable(input, TEXT_LABEL)) got.push(...batch)
    expect(got).toEqual([{line: 2, values: ['a,b', '1']}])
  })

  it('reads gzip by its magic bytes and the format from the inner name', async () => {
    const gz = gzipSync('{"text": "zipped", "label": 1}\n')
    expect(await rows(gz, 'r.jsonl.gz')).toEqual([{line: 1, values: ['zipped', 1]}])
    const broken = Buffer.concat([gz.subarray(0, 12), Buffer.alloc(20, 7)])
    const error = await failure(() => rows(broken, 'b.jsonl.gz'))
    expect(error).toBeInstanceOf(DataError)
    expect(error.message).toMatch(/^b\.jsonl\.gz: not a valid gzip stream/)
  })

  it('matches column names exactly first, then ignoring case and spaces, never ambiguously', () => {
    expect(findColumn(['Text', 'text'], 'text')).toBe(1)
    expect(findColumn([' Text '], 'text')).toBe(0)
    expect(findColumn(['Text', 'TEXT'], 'text')).toBe(-1)
  })
})
