import {Readable} from 'node:stream'
import {describe, expect, it} from 'vitest'
import {readSplit, readTextsForPrediction, type PredictionText} from '../../src/core/data/index.js'
import {DataError} from '../../src/core/errors.js'
import {failure, put, tempDir} from './helpers.js'

async function all(gen: AsyncGenerator<PredictionText>): Promise<PredictionText[]> {
  const out: PredictionText[] = []
  for await (const item of gen) out.push(item)
  return out
}

describe('readTextsForPrediction', () => {
  it('reads the text column of a CSV, with lines and ids', async () => {
    const dir = await tempDir()
    const file = await put(dir, 'in.csv', 'id,text,extra\n7,"great, ""really""",x\n8,"two\nlines",y\n9,,z\n')
    expect(await all(readTextsForPrediction(file, {}))).toEqual([
      {text: 'great, "really"', line: 2, id: '7'},
      {text: 'two\nlines', line: 3, id: '8'},
      {text: '', line: 5, id: '9'},
    ])
  })

  it('uses the only column when there is no "text" column, and a named column when asked', async () => {
    const dir = await tempDir()
    const single = await put(dir, 'single.csv', 'review\nnice\nbad\n')
    expect((await all(readTextsForPrediction(single, {}))).map(t => t.text)).toEqual(['nice', 'bad'])
    const named = await put(dir, 'named.tsv', 'body\tscore\nnice\t5\n')
    expect(await all(readTextsForPrediction(named, {textColumn: 'body'}))).toEqual([{text: 'nice', line: 2}])
    const error = await failure(() => all(readTextsForPrediction(named, {})))
    expect(error).toBeInstanceOf(DataError)
    expect(error.message).toBe(`${named}:1: no column "text" (--text-column); columns found: "body", "score"`)
  })

  it('reads JSON Lines and JSON arrays of records or plain strings', async () => {
    const dir = await tempDir()
    const jsonl = await put(dir, 'in.jsonl', '{"text": "a", "id": 1}\n\n"just a string"\n{"text": 5}\n')
    expect(await all(readTextsForPrediction(jsonl, {}))).toEqual([
      {text: 'a', line: 1, id: '1'},
      {text: 'just a string', line: 3},
      {text: '5', line: 4},
    ])
    const json = await put(dir, 'in.json', '["one", {"text": "two"}]')
    expect((await all(readTextsForPrediction(json, {}))).map(t => t.text)).toEqual(['one', 'two'])
  })

  it('reads a stream (stdin), sniffing the format', async () => {
    const stream = Readable.from(['{"text": "from', ' stdin"}\n{"text": "again"}\n'])
    expect(await all(readTextsForPrediction(stream, {}))).toEqual([
      {text: 'from stdin', line: 1},
      {text: 'again', line: 2},
    ])
    const csv = Readable.from([Buffer.from('text\nhello\n')])
    expect(await all(readTextsForPrediction(csv, {format: 'csv'}))).toEqual([{text: 'hello', line: 2}])
  })

  it('a missing input file is a DataError', async () => {
    const error = await failure(() => all(readTextsForPrediction('/nonexistent/in.csv', {})))
    expect(error).toBeInstanceOf(DataError)
    expect(error.message).toBe('/nonexistent/in.csv: no such file')
  })
})

describe('readSplit', () => {
  it('reads text,label files back', async () => {
    const dir = await tempDir()
    const file = await put(dir, 'train.csv', 'text,label\n"a, b",1\n"multi\nline",0\n')
    expect(await readSplit(file)).toEqual([
      {text: 'a, b', label: 1},
      {text: 'multi\nline', label: 0},
    ])
  })

  it('names a missing file and a bad label', async () => {
    const dir = await tempDir()
    expect((await failure(() => readSplit(`${dir}/none.csv`))).message).toBe(`${dir}/none.csv: no such file; run \`sentiops ingest\` first`)
    const file = await put(dir, 'bad.csv', 'text,label\nok,1\nhm,positive\n')
    const error = await failure(() => readSplit(file))
    expect(error).toBeInstanceOf(DataError)
    expect(error.message).toBe(`${file}:3: label "positive" is not a class index; was this file written by \`sentiops ingest\`?`)
  })
})
