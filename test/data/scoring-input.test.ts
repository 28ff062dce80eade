import {createHash} from 'node:crypto'
import http from 'node:http'
import type {AddressInfo} from 'node:net'
import {gzipSync} from 'node:zlib'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {readLabeledForScoring, readScoringRows} from '../../src/core/data/scoring-input.js'
import {DataError} from '../../src/core/errors.js'
import {ingestParams, put, recordingReporter, tempDir} from './helpers.js'

/** The shared reader of data a model is scored on: the file as given, with the ingest mapping. */
const GOLDEN = 'text,label\ngreat film,1\ngreat film,1\n   ,0\nawful,0\nfine,positive\n'
const md5 = (s: string | Uint8Array) => createHash('md5').update(s).digest('hex')

let server: http.Server
let base: string
beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/golden.csv') res.writeHead(200, {'content-type': 'text/csv'}).end(GOLDEN)
    else res.writeHead(404).end()
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise(resolve => server.close(resolve))
})

describe('readLabeledForScoring', () => {
  it('keeps every record as given (duplicates, blank texts, untrimmed), maps labels by index or class name, md5 of the bytes', async () => {
    const cwd = await tempDir()
    await put(cwd, 'golden.csv', GOLDEN)
    const reporter = recordingReporter()
    const data = await readLabeledForScoring('golden.csv', ingestParams(), {cwd, reporter})
    expect(data).toEqual({texts: ['great film', 'great film', '   ', 'awful', 'fine'], labels: [1, 1, 0, 0, 1], classNames: ['negative', 'positive'], source: 'golden.csv', md5: md5(GOLDEN), emptyTexts: 1})
    expect(reporter.warnings).toEqual(['golden.csv: 1 of 5 texts are empty; they are scored as given'])
  })

  it('reads a URL (local server) and a gzip file alike; md5 is of the bytes as stored', async () => {
    const cwd = await tempDir()
    const fromUrl = await readLabeledForScoring(`${base}/golden.csv`, ingestParams({timeout_ms: 2000, retries: 0}), {cwd})
    expect(fromUrl.texts).toHaveLength(5)
    expect(fromUrl.md5).toBe(md5(GOLDEN))
    const gz = gzipSync(GOLDEN)
    await put(cwd, 'golden.csv.gz', gz)
    const fromGzip = await readLabeledForScoring('golden.csv.gz', ingestParams(), {cwd})
    expect(fromGzip.labels).toEqual([1, 1, 0, 0, 1])
    expect(fromGzip.md5).toBe(md5(gz))
  })

  it('a glob or list of files: every row of every file, in order; md5 of the rows (label TAB text per line)', async () => {
    const cwd = await tempDir()
    await put(cwd, 'part/a.csv', 'text,label\none,0\n')
    await put(cwd, 'part/b.jsonl', '{"text": "two", "label": 1}\n{"text": "one", "label": 0}\n')
    const data = await readLabeledForScoring('part/*', ingestParams(), {cwd})
    expect(data.texts).toEqual(['one', 'two', 'one'])
    expect(data.md5).toBe(md5('0\tone\n1\ttwo\n0\tone\n'))
  })

  it('a label that maps to no class is an error naming the count and the first record', async () => {
    const cwd = await tempDir()
    await put(cwd, 'g.csv', 'text,label\na,pos\nb,meh\nc,neg\nd,\ne,meh\n')
    const error = await readLabeledForScoring('g.csv', ingestParams({label_map: {pos: 1, neg: 0}}), {cwd}).catch(e => e)
    expect(error).toBeInstanceOf(DataError)
    // "meh" twice and one empty label.
    expect(error.message).toBe('g.csv: 3 of 5 rows have a label that maps to no class of negative, positive, first at g.csv:3: "meh"')
  })
})

describe('readScoringRows (drift: labels optional)', () => {
  it('a file with a text column only: every row unlabeled; unknown labels counted, not fatal', async () => {
    const cwd = await tempDir()
    await put(cwd, 'texts.csv', 'text\nhello\n""\nworld\n')
    const batches = []
    for await (const b of readScoringRows('texts.csv', ingestParams(), ['negative', 'positive'], {cwd})) batches.push(b)
    expect(batches).toEqual([{rows: [{text: 'hello'}, {text: ''}, {text: 'world'}], unmapped: 0}])
    await put(cwd, 'mixed.csv', 'text,label\na,Positive\nb,\nc,neutral\nd,0\n')
    const rows = []
    let unmapped = 0
    for await (const b of readScoringRows('mixed.csv', ingestParams(), ['negative', 'positive'], {cwd, batchSize: 2})) {
      rows.push(...b.rows)
      unmapped += b.unmapped
    }
    expect(rows).toEqual([{text: 'a', label: 1}, {text: 'b'}, {text: 'c'}, {text: 'd', label: 0}])
    expect(unmapped).toBe(1)
  })
})
