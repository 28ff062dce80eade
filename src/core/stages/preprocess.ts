import type {Params} from '../config/params.js'
import {textLabelCsv} from '../data/csv-write.js'
import {readSplit} from '../data/index.js'
import {DataError} from '../errors.js'
import {writeFilesAtomic} from '../fs/atomic.js'
import type {Reporter} from '../reporter.js'
import {keepForTraining} from '../text/index.js'
import {preprocessAll} from '../text/preprocess-pool.js'
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
  // One split at a time: its rows are garbage before the next is read; only the CSV bytes wait for the commit.
  const train = await cleanSplit(paths.rawTrain, 'train', params, opts.reporter)
  if (train.kept === 0) {
    throw new DataError(`preprocess: every training text is shorter than preprocess.min_length = ${params.preprocess.min_length} after cleaning`)
  }
  const test = await cleanSplit(paths.rawTest, 'test', params, opts.reporter)
  await writeFilesAtomic([
    {target: paths.interimTrain, data: train.csv},
    {target: paths.interimTest, data: test.csv},
  ])
  return {
    files: {train: paths.interimTrain, test: paths.interimTest},
    train: {rows: train.rows, kept: train.kept, tooShort: train.rows - train.kept},
    test: {rows: test.rows, kept: test.kept, tooShort: test.rows - test.kept},
    seconds: (performance.now() - started) / 1000,
  }
}

/** A raw split cleaned (worker threads help on large ones) and rendered as CSV, without the texts too short to keep. */
async function cleanSplit(file: string, label: string, params: Params, reporter: Reporter): Promise<{csv: Buffer; rows: number; kept: number}> {
  const labels: number[] = []
  // The raw texts are referenced by preprocessAll alone, so they (and the file text they are cut from) are
  // garbage once it returns, before the CSV is rendered.
  const cleaned = await preprocessAll(await readTexts(file, labels), params.preprocess, {
    onProgress: (done, total) => reporter.progress(`preprocess ${label}`, done, total),
  })
  const texts: string[] = []
  const keptLabels: number[] = []
  for (let i = 0; i < cleaned.length; i++) {
    if (!keepForTraining(cleaned[i], params.preprocess)) continue
    texts.push(cleaned[i])
    keptLabels.push(labels[i])
  }
  return {csv: textLabelCsv(texts, keptLabels), rows: cleaned.length, kept: texts.length}
}

/** The texts of a split; their labels are appended to `labels`. */
async function readTexts(file: string, labels: number[]): Promise<string[]> {
  const rows = await readSplit(file)
  for (const row of rows) labels.push(row.label)
  return rows.map(row => row.text)
}
