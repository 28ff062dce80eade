import {stringify} from 'csv-stringify/sync'
import type {Params} from '../config/params.js'
import {readSplit, type LabeledRow} from '../data/index.js'
import {DataError} from '../errors.js'
import {writeFilesAtomic} from '../fs/atomic.js'
import type {Reporter} from '../reporter.js'
import {createPreprocessor, keepForTraining} from '../text/index.js'
import {stagePaths} from './paths.js'

export interface PreprocessResult {
  files: {train: string; test: string}
  train: {rows: number; kept: number; tooShort: number}
  test: {rows: number; kept: number; tooShort: number}
  seconds: number
}

/** Cleans both splits with the shared preprocessor; texts shorter than preprocess.min_length are dropped. */
export async function runPreprocess(params: Params, opts: {cwd: string; reporter: Reporter}): Promise<PreprocessResult> {
  const started = performance.now()
  const paths = stagePaths(params, opts.cwd)
  const clean = createPreprocessor(params.preprocess)
  const cleanRows = (rows: LabeledRow[], label: string) => {
    const out: Array<[string, number]> = []
    let tooShort = 0
    for (let i = 0; i < rows.length; i++) {
      const cleaned = clean(rows[i].text)
      if (keepForTraining(cleaned, params.preprocess)) out.push([cleaned, rows[i].label])
      else tooShort++
      if ((i & 0xffff) === 0) opts.reporter.progress(`preprocess ${label}`, i, rows.length)
    }
    opts.reporter.progress(`preprocess ${label}`, rows.length, rows.length)
    return {out, tooShort}
  }
  const [trainRows, testRows] = await Promise.all([readSplit(paths.rawTrain), readSplit(paths.rawTest)])
  const train = cleanRows(trainRows, 'train')
  const test = cleanRows(testRows, 'test')
  if (train.out.length === 0) {
    throw new DataError(`preprocess: every training text is shorter than preprocess.min_length = ${params.preprocess.min_length} after cleaning`)
  }
  const csv = (rows: Array<[string, number]>) => stringify(rows, {header: true, columns: ['text', 'label']})
  await writeFilesAtomic([
    {target: paths.interimTrain, data: csv(train.out)},
    {target: paths.interimTest, data: csv(test.out)},
  ])
  return {
    files: {train: paths.interimTrain, test: paths.interimTest},
    train: {rows: trainRows.length, kept: train.out.length, tooShort: train.tooShort},
    test: {rows: testRows.length, kept: test.out.length, tooShort: test.tooShort},
    seconds: (performance.now() - started) / 1000,
  }
}
