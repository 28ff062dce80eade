import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {sentiops} from '../support/cli.js'
import {put, read, tempDir} from './helpers.js'

// A train file and a test file in another column/label vocabulary (the same mapping applies to both). The test
// file repeats one training text (with extra spaces: ingest trims before comparing) and has one duplicate.
const MAP = ['--set', 'ingest.text_column=review', '--set', 'ingest.label_column=sentiment', '--set', 'ingest.label_map={pos: 1, neg: 0}']
const trainRows = Array.from({length: 12}, (_, i) => ({text: `train review ${i}`, label: i % 2 === 0 ? 'pos' : 'neg'}))
const testRows = [
  {text: 'golden a', label: 'neg'},
  {text: '  train review 3 ', label: 'neg'},
  {text: 'golden "quoted", b', label: 'pos'},
  {text: 'golden a', label: 'neg'},
  {text: 'golden c', label: 'pos'},
]
const csv = (rows: Array<{text: string; label: string}>) => 'review,sentiment\n' + rows.map(r => `"${r.text.replace(/"/g, '""')}",${r.label}`).join('\n') + '\n'

async function project(): Promise<string> {
  const cwd = await tempDir()
  await put(cwd, 'train.csv', csv(trainRows))
  await put(cwd, 'golden/test.csv', csv(testRows))
  return cwd
}

const sortedLines = (text: string) => text.trimEnd().split('\n').slice(1).sort()

describe('ingest.test_source: a fixed test set (real binary)', () => {
  it('writes the test file as the test split, drops the overlap from train and ignores test_size', async () => {
    const cwd = await project()
    const r = sentiops(['ingest', '--source', 'train.csv', '--test-source', 'golden/test.csv', '--test-size', '0.5', ...MAP, '--json'], {cwd})
    expect(r.code, r.stderr).toBe(0)
    // Oracle: the rows written above, mapped by hand (neg → 0, pos → 1), the duplicate "golden a" kept once.
    expect(await read(path.join(cwd, 'data/raw/test.csv'))).toBe('text,label\ngolden a,0\ntrain review 3,0\n"golden ""quoted"", b",1\ngolden c,1\n')
    const expectedTrain = trainRows.filter((_, i) => i !== 3).map((row, _) => `${row.text},${row.label === 'pos' ? 1 : 0}`).sort()
    expect(sortedLines(await read(path.join(cwd, 'data/raw/train.csv')))).toEqual(expectedTrain)
    const {report} = JSON.parse(r.stdout).result
    expect(report.testSource).toEqual({source: 'golden/test.csv', rowsRead: 5, overlap: 1})
    expect(report).toMatchObject({source: 'train.csv', rowsRead: 17, rowsKept: 15, train: 11, test: 4, perClass: {train: [5, 6], test: [2, 2]}})
    expect(report.dropped).toEqual({empty: 0, duplicate: 1, unmappedLabel: {}})
  })

  it('prints the test source, the rows from each and the overlap; accepts a glob; the split is seeded', async () => {
    const cwd = await project()
    const r = sentiops(['ingest', '--source', 'train.csv', '--set', 'ingest.test_source=golden/*.csv', ...MAP], {cwd})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toContain('test source  golden/*.csv (the test split as given; test_size does not apply)')
    expect(r.stdout).toContain('rows         17 read (12 source, 5 test source), 15 kept: 11 train, 4 test')
    expect(r.stdout).toContain('dropped      0 empty, 1 duplicate, 1 train text also in the test set')
    const first = await read(path.join(cwd, 'data/raw/train.csv'))
    expect(sentiops(['ingest', '--source', 'train.csv', '--set', 'ingest.test_source=golden/*.csv', ...MAP], {cwd}).code).toBe(0)
    expect(await read(path.join(cwd, 'data/raw/train.csv'))).toBe(first)
  })

  it('a bad test file is a one-line error with file:line, and the previous splits stay', async () => {
    const cwd = await project()
    expect(sentiops(['ingest', '--source', 'train.csv', '--test-source', 'golden/test.csv', ...MAP], {cwd}).code).toBe(0)
    const before = await readFile(path.join(cwd, 'data/raw/test.csv'))
    await put(cwd, 'broken.csv', 'review,sentiment\n"fine",pos\nnot, quoted,neg\n')
    const r = sentiops(['ingest', '--source', 'train.csv', '--test-source', 'broken.csv', ...MAP], {cwd})
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/^Error: broken\.csv:3: malformed CSV row: 3 fields where the header has 2/)
    expect(await readFile(path.join(cwd, 'data/raw/test.csv'))).toEqual(before)
  })

  it('a test set that holds every training text leaves no training rows: an error, not an empty train split', async () => {
    const cwd = await project()
    const r = sentiops(['ingest', '--source', 'train.csv', '--test-source', 'train.csv', ...MAP, '--json'], {cwd})
    expect(r.code).toBe(1)
    expect(JSON.parse(r.stdout).error.message).toBe('train.csv: no training rows left: all 12 texts are also in ingest.test_source')
  })

  it('experiment run cross-validates the training rows only: the fixed test set is never used for selection', async () => {
    const cwd = await project()
    const r = sentiops(['experiment', 'run', '--source', 'train.csv', '--set', 'ingest.test_source=golden/test.csv', ...MAP, '--cv', '2', '--grid', 'train.algorithm=mnb'], {cwd})
    expect(r.code, r.stderr).toBe(0)
    // 12 training texts minus the one also in the test file.
    expect(r.stderr).toContain('1 combinations × 2 folds on 11 texts of ingest.source (the fixed test set ingest.test_source is not used; 1 texts also in it left out)')
  })
})
