import {stringify} from 'csv-stringify/sync'
import {describe, expect, it} from 'vitest'
import {CsvTextFields, textLabelCsv} from '../../src/core/data/csv-write.js'
import {builtinRows} from '../../src/core/data/sources/builtin.js'

/** The oracle: csv-stringify, which wrote the splits before, with the options they were written with. */
const stringified = (texts: string[], labels: number[], order: number[]) =>
  Buffer.from(stringify(order.map(i => [texts[i], labels[i]]), {header: true, columns: ['text', 'label']}))

describe('textLabelCsv and CsvTextFields (the splits writers)', () => {
  it('quote only fields with a comma, a quote or a line ending, doubling quotes (hand-written)', () => {
    const csv = textLabelCsv(['a,b', 'say "hi"', 'x', 'two\nlines', 'cr\rhere', ''], [1, 0, 12, 0, 1, 0])
    expect(csv.toString('utf8')).toBe('text,label\n"a,b",1\n"say ""hi""",0\nx,12\n"two\nlines",0\n"cr\rhere",1\n,0\n')
  })

  it('write the rows of a shuffled split in the given order (hand-written)', () => {
    const fields = new CsvTextFields(['a', 'b,"', 'c'])
    expect(fields.csv([0, 1, 0], Uint32Array.of(2, 0)).toString('utf8')).toBe('text,label\nc,0\na,0\n')
    expect(fields.csv([0, 1, 0], [1, 1]).toString('utf8')).toBe('text,label\n"b,""",1\n"b,""",1\n')
  })

  it('write the bytes csv-stringify writes for the built-in data set', async () => {
    const texts: string[] = []
    const labels: number[] = []
    for await (const rows of builtinRows('uci')) {
      for (const row of rows) {
        texts.push(String(row.values[0]))
        labels.push(Number(row.values[1]))
      }
    }
    const order = Array.from(texts.keys()).reverse()
    expect(texts.length).toBeGreaterThan(1000)
    expect(new CsvTextFields(texts).csv(labels, order).equals(stringified(texts, labels, order))).toBe(true)
    expect(textLabelCsv(texts, labels).equals(stringified(texts, labels, [...texts.keys()]))).toBe(true)
  })

  it('write the bytes csv-stringify writes for 50,000 generated texts of every awkward kind', () => {
    // Pieces that need quoting, multi-byte characters (2, 3 and 4 bytes in UTF-8, so the buffers have to grow
    // past their one-byte-per-character estimate), spaces at the ends, formula-like starts, long fields.
    const pieces = ['plain', ',', '"', '""', '\n', '\r\n', '\r', ' ', 'é', '€€€€€€€€', '😀', '=1+2', "it's", '\t', 'ﬁ', 'x'.repeat(70)]
    let state = 12345
    const next = () => (state = (state * 48271) % 2147483647)
    const texts = Array.from({length: 50_000}, () => Array.from({length: next() % 12}, () => pieces[next() % pieces.length]).join(''))
    texts[7] = '€'.repeat(5000) // one long row of 3-byte characters
    const labels = texts.map(() => next() % 13)
    const order = Array.from(texts.keys(), i => (i * 7919) % texts.length)
    expect(new CsvTextFields(texts).csv(labels, order).equals(stringified(texts, labels, order))).toBe(true)
    expect(textLabelCsv(texts, labels).equals(stringified(texts, labels, [...texts.keys()]))).toBe(true)
  })
})
