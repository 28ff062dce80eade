import {readFile, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import iconv from 'iconv-lite'
import {describe, expect, it} from 'vitest'
import {formatDataReport, ingest, readSplit} from '../../src/core/data/index.js'
import {ConfigError, DataError, EXIT_CODES} from '../../src/core/errors.js'
import {csvRows, failure, ingestParams, put, read, recordingReporter, tempDir} from './helpers.js'

describe('ingest: sources and formats', () => {
  it('builtin:uci (the default) reads the 3,000 UCI sentences and writes stratified splits', async () => {
    const cwd = await tempDir()
    const reporter = recordingReporter()
    const {report, files} = await ingest(ingestParams(), {cwd, reporter})
    expect(ingestParams().source).toBe('builtin:uci')
    expect(report.rowsRead).toBe(3000)
    expect(report.dropped.empty).toBe(0)
    expect(report.rowsKept).toBe(3000 - report.dropped.duplicate)
    expect(report.train + report.test).toBe(report.rowsKept)
    expect(report.classes).toEqual(['negative', 'positive'])
    expect(files).toEqual({train: path.join(cwd, 'data/raw/train.csv'), test: path.join(cwd, 'data/raw/test.csv')})
    const train = await readSplit(files.train)
    const test = await readSplit(files.test)
    expect(train).toHaveLength(report.train)
    expect(test).toHaveLength(report.test)
    expect(new Set([...train, ...test].map(r => r.text)).size).toBe(report.rowsKept)
    expect(report.perClass.test[0] + report.perClass.test[1]).toBe(report.test)
    expect(formatDataReport(report)).toContain('3,000 read')
  })

  it('reads CSV, TSV, JSON and JSON Lines with the same result', async () => {
    const cwd = await tempDir()
    const texts = ['good, "quoted" film', 'bad\nmulti-line film', 'fine film', 'awful film']
    const labels = [1, 0, 1, 0]
    const q = (s: string) => `"${s.replace(/"/g, '""')}"`
    await put(cwd, 'r.csv', 'text,label\n' + texts.map((t, i) => `${q(t)},${labels[i]}`).join('\n') + '\n')
    await put(cwd, 'r.tsv', 'text\tlabel\n' + texts.map((t, i) => `${q(t)}\t${labels[i]}`).join('\n') + '\n')
    await put(cwd, 'r.json', JSON.stringify(texts.map((text, i) => ({text, label: labels[i]})), null, 2))
    await put(cwd, 'r.jsonl', texts.map((text, i) => JSON.stringify({label: String(labels[i]), text})).join('\n'))
    const outputs = []
    for (const name of ['r.csv', 'r.tsv', 'r.json', 'r.jsonl']) {
      const {report, files} = await ingest(ingestParams({source: name, out_dir: `out-${name}`, test_size: 0.5}), {cwd})
      expect(report.rowsKept, name).toBe(4)
      outputs.push((await read(files.train)) + (await read(files.test)))
    }
    expect(new Set(outputs).size).toBe(1)
    expect(outputs[0]).toContain('"bad\nmulti-line film",0')
    expect(outputs[0]).toContain('"good, ""quoted"" film",1')
  })

  it('reads several comma-separated files and globs, in a stable order', async () => {
    const cwd = await tempDir()
    await put(cwd, 'parts/b.csv', csvRows(10).replace(/review/g, 'b review'))
    await put(cwd, 'parts/a.csv', csvRows(10).replace(/review/g, 'a review'))
    await put(cwd, 'more.jsonl', '{"text": "extra good", "label": 1}\n{"text": "extra bad", "label": 0}\n')
    const reporter = recordingReporter()
    const listed = await ingest(ingestParams({source: 'parts/a.csv, parts/b.csv,more.jsonl', out_dir: 'listed'}), {cwd, reporter})
    expect(listed.report.rowsRead).toBe(22)
    expect(reporter.debugs).toEqual(expect.arrayContaining(['parts/a.csv: 10 records', 'parts/b.csv: 10 records', 'more.jsonl: 2 records']))
    const globbed = await ingest(ingestParams({source: 'parts/*.csv,more.jsonl', out_dir: 'globbed'}), {cwd})
    expect(globbed.report.rowsRead).toBe(22)
    expect(await read(globbed.files.train)).toBe(await read(listed.files.train))
  })

  it('maps other column names, converts numeric texts to strings and accepts a BOM', async () => {
    const cwd = await tempDir()
    await put(cwd, 'r.json', JSON.stringify([
      {review: 12345, stars: 'pos'},
      {review: 'meh', stars: 'neg'},
      {review: 'great', stars: 'pos'},
      {review: 'bad', stars: 'neg'},
    ]))
    await put(cwd, 'bom.csv', '\uFEFFtext,label\nbom first,1\nbom second,0\nbom third,1\nbom fourth,0\n')
    const params = ingestParams({source: 'r.json', text_column: 'review', label_column: 'stars', label_map: {pos: 1, neg: 0}, test_size: 0.5})
    const {files} = await ingest(params, {cwd})
    const all = [...(await readSplit(files.train)), ...(await readSplit(files.test))]
    expect(all).toContainEqual({text: '12345', label: 1})
    const bom = await ingest(ingestParams({source: 'bom.csv', test_size: 0.5, out_dir: 'bom'}), {cwd})
    expect(bom.report.rowsKept).toBe(4)
    expect(await read(bom.files.train)).toMatch(/^text,label\n/)
  })

  it('decodes windows-1252 and latin1 when ingest.encoding says so', async () => {
    const cwd = await tempDir()
    const text = 'text,label\n“Très” bon café,1\nmauvais élève,0\nsuper œuvre,1\nnul à chier,0\n'
    await put(cwd, 'cp.csv', iconv.encode(text, 'windows-1252'))
    const cp = await ingest(ingestParams({source: 'cp.csv', encoding: 'windows-1252', test_size: 0.5}), {cwd})
    const rows = [...(await readSplit(cp.files.train)), ...(await readSplit(cp.files.test))].map(r => r.text)
    expect(rows).toContain('“Très” bon café')
    expect(rows).toContain('super œuvre')

    await put(cwd, 'l1.csv', iconv.encode('text,label\ncafé,1\nthé,0\nbière,1\neau,0\n', 'latin1'))
    const l1 = await ingest(ingestParams({source: 'l1.csv', encoding: 'latin1', test_size: 0.5, out_dir: 'l1'}), {cwd})
    expect([...(await readSplit(l1.files.train)), ...(await readSplit(l1.files.test))].map(r => r.text).sort()).toEqual(['bière', 'café', 'eau', 'thé'])
  })

  it('reports progress while reading a big file (not for small ones)', async () => {
    const cwd = await tempDir()
    await put(cwd, 'big.csv', csvRows(60_000)) // > 1 MiB
    await put(cwd, 'small.csv', csvRows(100))
    const big = recordingReporter()
    await ingest(ingestParams({source: 'big.csv'}), {cwd, reporter: big})
    expect(big.progressCalls).toBeGreaterThan(1)
    expect(big.debugs).toContain('big.csv: reading as csv (by extension)')
    const small = recordingReporter()
    await ingest(ingestParams({source: 'small.csv'}), {cwd, reporter: small})
    expect(small.progressCalls).toBe(0)
  })
})

describe('ingest: labels and cleaning', () => {
  it('drops and counts empty texts, duplicates (keeping the first) and labels the map does not know', async () => {
    const cwd = await tempDir()
    const csv = [
      'text,label',
      'loved it,Positive',
      'hated it, negative ',
      'it was a film,neutral',
      '   ,positive',
      '"",negative',
      'loved it,negative', // duplicate with another label: dropped, first kept
      '  loved it  ,positive', // duplicate after trimming
      'so-so,NEUTRAL',
      'no label at all,',
      'great,POSITIVE',
      'awful,negative',
    ].join('\n')
    await put(cwd, 'r.csv', csv)
    const reporter = recordingReporter()
    const params = ingestParams({source: 'r.csv', label_map: {positive: 1, negative: 0}, test_size: 0.5})
    const {report, files} = await ingest(params, {cwd, reporter})
    expect(report.rowsRead).toBe(11)
    expect(report.dropped).toEqual({empty: 2, duplicate: 2, unmappedLabel: {neutral: 1, NEUTRAL: 1, '': 1}})
    expect(report.rowsKept).toBe(4)
    expect(reporter.warnings).toEqual(['1 duplicate texts had another label than their first occurrence, which was kept'])
    const all = [...(await readSplit(files.train)), ...(await readSplit(files.test))]
    expect(all).toContainEqual({text: 'loved it', label: 1})
    expect(all).toContainEqual({text: 'hated it', label: 0})
    expect(formatDataReport(report)).toContain('unmapped labels: "neutral" 1, "NEUTRAL" 1, (empty) 1')
  })

  it('without a label map accepts 0/1 as numbers or strings and rejects anything else, listing the values', async () => {
    const cwd = await tempDir()
    await put(cwd, 'ok.jsonl', '{"text": "a", "label": 0}\n{"text": "b", "label": "1"}\n{"text": "c", "label": " 0 "}\n{"text": "d", "label": 1}\n')
    expect((await ingest(ingestParams({source: 'ok.jsonl', test_size: 0.5}), {cwd})).report.rowsKept).toBe(4)

    await put(cwd, 'words.csv', 'text,label\na,positive\nb,negative\nc,positive\nd,2\n')
    const error = await failure(() => ingest(ingestParams({source: 'words.csv'}), {cwd}))
    expect(error).toBeInstanceOf(DataError)
    expect(error.exitCode).toBe(EXIT_CODES.user)
    expect(error.message).toBe(
      'unknown label values in column "label": "positive" (2 rows, first at words.csv:2), "negative" (1 row, first at words.csv:3), "2" (1 row, first at words.csv:5); without ingest.label_map labels must be class indexes 0..1',
    )
    // Values that name a class are suggested for that class.
    expect((error as DataError).suggestions[0]).toContain(`--set 'ingest.label_map={"negative": 0, "positive": 1}'`)

    await put(cwd, 'mixed.csv', 'text,label\na,1\nb,0\nc,neutral\n')
    const mixed = await failure(() => ingest(ingestParams({source: 'mixed.csv'}), {cwd}))
    expect(mixed.message).toMatch(/^unknown label values in column "label": "neutral" \(1 row, first at mixed\.csv:4\)/)
    expect((mixed as DataError).suggestions[0]).toContain(`--set 'ingest.label_map={"0": 0, "1": 1}'`)
  })

  it('rejects a label map that points outside ingest.class_names', async () => {
    const cwd = await tempDir()
    const error = await failure(() => ingest(ingestParams({label_map: {neutral: 2}}), {cwd}))
    expect(error).toBeInstanceOf(ConfigError)
    expect(error.message).toBe('ingest.label_map.neutral: 2 is not a class index; ingest.class_names has 2 classes, so use 0..1')
  })
})

describe('ingest: bad input', () => {
  it('a missing file names it', async () => {
    const cwd = await tempDir()
    const error = await failure(() => ingest(ingestParams({source: 'data/nope.csv'}), {cwd}))
    expect(error).toBeInstanceOf(DataError)
    expect(error.message).toBe(`data/nope.csv: no such file (looked in ${path.join(cwd, 'data')})`)
  })

  it('a glob that matches nothing says so', async () => {
    const cwd = await tempDir()
    const error = await failure(() => ingest(ingestParams({source: 'data/*.csv'}), {cwd}))
    expect(error).toBeInstanceOf(DataError)
    expect(error.message).toBe(`data/*.csv: no files match this glob (in ${cwd})`)
  })

  it('a directory, an unknown scheme and an unknown built-in are explained', async () => {
    const cwd = await tempDir()
    await put(cwd, 'data/x.csv', csvRows(4))
    expect((await failure(() => ingest(ingestParams({source: 'data'}), {cwd}))).message).toBe('data: is a directory; name the files or use a glob such as data/*.csv')
    const ftp = await failure(() => ingest(ingestParams({source: 'ftp://host/x.csv'}), {cwd}))
    expect(ftp).toBeInstanceOf(ConfigError)
    expect(ftp.message).toMatch(/^ingest\.source: unsupported scheme "ftp:\/\/"/)
    expect((await failure(() => ingest(ingestParams({source: 'builtin:imdb'}), {cwd}))).message).toBe('ingest.source: unknown built-in data set "builtin:imdb"; available: builtin:uci')
  })

  it('a missing column lists the columns found', async () => {
    const cwd = await tempDir()
    await put(cwd, 'r.csv', 'review,label\nfine,1\n')
    const error = await failure(() => ingest(ingestParams({source: 'r.csv'}), {cwd}))
    expect(error).toBeInstanceOf(DataError)
    expect(error.message).toBe('r.csv:1: no column "text" (ingest.text_column); columns found: "review", "label"')
  })

  it('a malformed CSV row names file:line', async () => {
    const cwd = await tempDir()
    await put(cwd, 'r.csv', 'text,label\ngood,1\nbad, really bad,0\n')
    const error = await failure(() => ingest(ingestParams({source: 'r.csv'}), {cwd}))
    expect(error).toBeInstanceOf(DataError)
    expect(error.message).toMatch(/^r\.csv:3: malformed CSV row: 3 fields where the header has 2/)
  })

  it('invalid UTF-8 is reported with file and line, not decoded to U+FFFD', async () => {
    const cwd = await tempDir()
    await put(cwd, 'r.csv', Buffer.concat([Buffer.from('text,label\ngood,1\nbad,0\n'), iconv.encode('café,1\n', 'windows-1252')]))
    const error = await failure(() => ingest(ingestParams({source: 'r.csv'}), {cwd}))
    expect(error).toBeInstanceOf(DataError)
    expect(error.message).toBe('r.csv:4: invalid UTF-8 byte 0xE9; if the file is not UTF-8, set ingest.encoding to its encoding (windows-1252 or latin1)')
  })

  it('bytes windows-1252 does not define are reported too', async () => {
    const cwd = await tempDir()
    await put(cwd, 'r.csv', Buffer.concat([Buffer.from('text,label\nok,1\nbad '), Buffer.from([0x81]), Buffer.from(',0\n')]))
    const error = await failure(() => ingest(ingestParams({source: 'r.csv', encoding: 'windows-1252'}), {cwd}))
    expect(error.message).toBe('r.csv:3: byte 0x81 is not defined in windows-1252; if the file is latin1 (ISO-8859-1), set ingest.encoding=latin1')
  })

  it('one class only', async () => {
    const cwd = await tempDir()
    await put(cwd, 'r.csv', csvRows(10, () => 1))
    const error = await failure(() => ingest(ingestParams({source: 'r.csv'}), {cwd}))
    expect(error).toBeInstanceOf(DataError)
    expect(error.message).toBe(
      'r.csv: only one class in the data: all 10 kept rows are "positive" (1); a classifier needs at least two — check ingest.label_column and ingest.label_map',
    )
  })

  it('too few rows to split', async () => {
    const cwd = await tempDir()
    await put(cwd, 'r.csv', 'text,label\na,1\nb,1\nc,0\n')
    const error = await failure(() => ingest(ingestParams({source: 'r.csv'}), {cwd}))
    expect(error).toBeInstanceOf(DataError)
    expect(error.message).toBe(
      'r.csv: too few rows to split: class "negative" (0) has 1 row; each class needs at least 2 rows (one for train, one for test)',
    )
  })

  it('a class of ingest.class_names without rows', async () => {
    const cwd = await tempDir()
    await put(cwd, 'r.csv', csvRows(10))
    const error = await failure(() => ingest(ingestParams({source: 'r.csv', class_names: ['negative', 'positive', 'neutral']}), {cwd}))
    expect(error.message).toMatch(/^r\.csv: no rows for class "neutral" \(2\); every class in ingest\.class_names needs rows/)
  })

  it('nothing left after dropping', async () => {
    const cwd = await tempDir()
    await put(cwd, 'r.csv', 'text,label\n,1\nx,neutral\n')
    const error = await failure(() => ingest(ingestParams({source: 'r.csv', label_map: {positive: 1, negative: 0}}), {cwd}))
    expect(error.message).toBe('r.csv: no rows left: 2 read, 1 with empty text, 0 duplicate, 1 with unmapped labels')
  })

  it('a text column holding objects is named with file:line', async () => {
    const cwd = await tempDir()
    await put(cwd, 'r.jsonl', '{"text": "fine", "label": 1}\n{"text": {"title": "x"}, "label": 0}\n')
    const error = await failure(() => ingest(ingestParams({source: 'r.jsonl'}), {cwd}))
    expect(error.message).toBe('r.jsonl:2: column "text" holds an object, not text')
  })

  it('a failed ingest leaves the previous splits untouched and no temp files behind', async () => {
    const cwd = await tempDir()
    await put(cwd, 'good.csv', csvRows(20))
    const {files} = await ingest(ingestParams({source: 'good.csv'}), {cwd})
    const before = [await readFile(files.train), await readFile(files.test), (await stat(files.train)).mtimeMs]
    // The bad row comes after many good ones, so reading is well under way when it fails.
    await put(cwd, 'bad.csv', csvRows(5000) + '"unclosed,1\n')
    await expect(ingest(ingestParams({source: 'bad.csv'}), {cwd})).rejects.toThrow(/^bad\.csv:5002: malformed CSV row/)
    await put(cwd, 'one-class.csv', csvRows(50, () => 0))
    await expect(ingest(ingestParams({source: 'one-class.csv'}), {cwd})).rejects.toThrow(/only one class/)
    expect([await readFile(files.train), await readFile(files.test), (await stat(files.train)).mtimeMs]).toEqual(before)
    const {readdir} = await import('node:fs/promises')
    expect((await readdir(path.dirname(files.train))).sort()).toEqual(['test.csv', 'train.csv'])
  })
})

describe('ingest: split', () => {
  it('is deterministic: same input and seed give the same bytes; another seed another split', async () => {
    const cwd = await tempDir()
    await put(cwd, 'r.csv', csvRows(500, i => (i % 5 === 0 ? 0 : 1)))
    const first = await ingest(ingestParams({source: 'r.csv', out_dir: 'a'}), {cwd})
    const again = await ingest(ingestParams({source: 'r.csv', out_dir: 'b'}), {cwd})
    const other = await ingest(ingestParams({source: 'r.csv', out_dir: 'c', seed: 7}), {cwd})
    expect(await readFile(again.files.train)).toEqual(await readFile(first.files.train))
    expect(await readFile(again.files.test)).toEqual(await readFile(first.files.test))
    expect(await read(other.files.test)).not.toBe(await read(first.files.test))
    expect(other.report.perClass).toEqual(first.report.perClass)
  })

  it('is stratified: each class is split by test_size (rounded) and every row lands in exactly one split', async () => {
    const cwd = await tempDir()
    // 100 negatives, 300 positives, 7 of a third class.
    const label = (i: number) => (i < 100 ? 0 : i < 400 ? 1 : 2)
    await put(cwd, 'r.csv', csvRows(407, label))
    const params = ingestParams({source: 'r.csv', test_size: 0.25, class_names: ['neg', 'pos', 'mixed']})
    const {report, files} = await ingest(params, {cwd})
    expect(report.perClass).toEqual({train: [75, 225, 5], test: [25, 75, 2]}) // 7 × 0.25 = 1.75 → 2
    const train = await readSplit(files.train)
    const test = await readSplit(files.test)
    const texts = [...train, ...test].map(r => r.text)
    expect(new Set(texts).size).toBe(407)
    for (const row of [...train, ...test]) expect(row.label).toBe(label(Number(row.text.split(' ').at(-1))))
    // The files are shuffled, not grouped by class: the first half of train holds about half of its negatives.
    const negativesInFirstHalf = train.slice(0, train.length / 2).filter(r => r.label === 0).length
    expect(negativesInFirstHalf).toBeGreaterThan(25)
    expect(negativesInFirstHalf).toBeLessThan(50)
  })

  it('keeps at least one row per class in each split', async () => {
    const cwd = await tempDir()
    await put(cwd, 'r.csv', 'text,label\na,0\nb,0\nc,1\nd,1\ne,1\nf,1\ng,1\nh,1\ni,1\nj,1\n')
    const {report} = await ingest(ingestParams({source: 'r.csv', test_size: 0.1}), {cwd})
    expect(report.perClass).toEqual({train: [1, 7], test: [1, 1]})
  })
})

describe('ingest: report', () => {
  it('gives text length quantiles in characters (code points)', async () => {
    const cwd = await tempDir()
    const texts = Array.from({length: 20}, (_, i) => 'x'.repeat(i + 1))
    texts[19] = '😀'.repeat(20) // 20 characters, 40 UTF-16 units
    await writeFile(path.join(cwd, 'r.jsonl'), texts.map((text, i) => JSON.stringify({text, label: i % 2})).join('\n'))
    const {report} = await ingest(ingestParams({source: 'r.jsonl'}), {cwd})
    expect(report.textLength).toEqual({min: 1, p5: 1, p50: 10, p95: 19, max: 20})
  })
})
