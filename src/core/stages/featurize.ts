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
  const {counts, labels} = await countTrainingSplit(paths.interimTrain, params)
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

/** Reads the split and counts its n-grams in a scope of their own: the texts are garbage before the matrix is built. */
async function countTrainingSplit(file: string, params: Params): Promise<{counts: NgramCounts; labels: Int32Array}> {
  const rows = await readSplit(file)
  return {counts: countNgrams(rows.map(r => r.text), params.featurize), labels: Int32Array.from(rows, r => r.label)}
}
