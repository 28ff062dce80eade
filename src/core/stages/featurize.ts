import type {Params} from '../config/params.js'
import {readSplit} from '../data/index.js'
import {writeCsrFile} from '../features/store.js'
import {countNgrams, type NgramCounts, Vectorizer} from '../features/vectorizer.js'
import {writeFileAtomic} from '../fs/atomic.js'
import type {Reporter} from '../reporter.js'
import {stableJson} from '../bundle/index.js'
import {stagePaths} from './paths.js'

export interface FeaturizeResult {
  files: {vectorizer: string; train: string}
  method: string
  rows: number
  features: number
  nnz: number
  seconds: number
}

/** Fits the vectorizer on the cleaned training split and stores it with the training matrix. */
export async function runFeaturize(params: Params, opts: {cwd: string; reporter: Reporter}): Promise<FeaturizeResult> {
  const started = performance.now()
  const paths = stagePaths(params, opts.cwd)
  const {counts, labels} = await countTrainingSplit(paths.interimTrain, params, opts.reporter)
  const {vectorizer, X} = Vectorizer.fitCounted(counts, params.featurize)
  await writeCsrFile(paths.trainMatrix, X, labels)
  await writeFileAtomic(paths.vectorizer, stableJson(vectorizer.state))
  return {
    files: {vectorizer: paths.vectorizer, train: paths.trainMatrix},
    method: params.featurize.method,
    rows: X.rows,
    features: vectorizer.nFeatures,
    nnz: X.indices.length,
    seconds: (performance.now() - started) / 1000,
  }
}

/** Training texts above which character n-grams cost more memory than most machines have to spare (measured at 1M). */
const LARGE_FOR_CHARS = 200_000

/** Reads the split and counts its n-grams in a scope of their own: the texts are garbage before the matrix is built. */
async function countTrainingSplit(file: string, params: Params, reporter: Reporter): Promise<{counts: NgramCounts; labels: Int32Array}> {
  const rows = await readSplit(file)
  if (params.featurize.analyzer !== 'word' && rows.length >= LARGE_FOR_CHARS) {
    reporter.warn(
      `featurize.analyzer=${params.featurize.analyzer} on ${rows.length.toLocaleString('en-US')} texts: character n-grams multiply the matrix ` +
        '(on 1M short texts: 2.1 GB peak and 2.5× the time of word n-grams, README "Performance"); ' +
        '--set featurize.analyzer=word is the large-data setting (on short sentences about 1-2 points less accurate)',
    )
  }
  return {counts: countNgrams(rows.map(r => r.text), params.featurize), labels: Int32Array.from(rows, r => r.label)}
}
