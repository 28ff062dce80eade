import {readFile} from 'node:fs/promises'
import type {Params} from '../config/params.js'
import {bundleFromParts, saveBundle, type Bundle, type BundleMeta} from '../bundle/index.js'
import {DataError} from '../errors.js'
import {disposableValues} from '../features/sparse.js'
import {readCsrFile} from '../features/store.js'
import {Vectorizer, type VectorizerState} from '../features/vectorizer.js'
import {fitClassifier} from '../models/index.js'
import {decideThreshold} from '../models/threshold.js'
import {buildTrainingProfile} from '../monitor/profile.js'
import {readSplit} from '../data/split-file.js'
import type {Reporter} from '../reporter.js'
import {libraryVersions} from '../version.js'
import {stagePaths} from './paths.js'

export interface TrainResult {
  modelDir: string
  dataHash: string
  algorithm: string
  rows: number
  features: number
  fitSeconds: number
  bundle: Bundle
}

/** Fits train.algorithm on the featurized training split and writes the model bundle. */
export async function runTrain(params: Params, opts: {cwd: string; reporter: Reporter; signal?: AbortSignal}): Promise<TrainResult> {
  const paths = stagePaths(params, opts.cwd)
  const classNames = params.ingest.class_names
  // The matrix lives only inside fitOnMatrix: it is garbage before the drift profile transforms the test texts.
  const {vectorizer, classifier, threshold, md5, rows, cols, fitSeconds} = await fitOnMatrix(params, paths, opts)
  const meta: BundleMeta = {
    format: 'sentiops-bundle',
    formatVersion: 1,
    algorithm: params.train.algorithm,
    classNames,
    preprocess: params.preprocess,
    featurize: params.featurize,
    trainParams: params.train[params.train.algorithm] as unknown as Record<string, unknown>,
    seed: params.train.seed,
    dataHash: md5,
    nTrain: rows,
    nFeatures: cols,
    versions: libraryVersions(),
    ...(threshold ? {threshold: threshold.threshold} : {}),
  }
  const parts = {meta, vectorizer, classifier}
  const bundle = bundleFromParts(paths.modelDir, parts)
  // The drift reference: the held-out texts through the serving path (never used to fit anything).
  meta.profile = buildTrainingProfile(bundle, await readSplit(paths.rawTest))
  await saveBundle(paths.modelDir, parts)
  return {modelDir: paths.modelDir, dataHash: meta.dataHash, algorithm: params.train.algorithm, rows, features: cols, fitSeconds, bundle}
}

/** Reads the training matrix and the vectorizer, fits the classifier and decides the threshold. */
async function fitOnMatrix(params: Params, paths: ReturnType<typeof stagePaths>, opts: {reporter: Reporter; signal?: AbortSignal}) {
  // readCsrFile hashes the file as it reads it: no second copy of the matrix is held through the fit.
  const [{X, labels, md5}, vectorizerText] = await Promise.all([
    readCsrFile(paths.trainMatrix),
    readFile(paths.vectorizer, 'utf8').catch(error => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new DataError(`vectorizer not found: ${paths.vectorizer}`, {suggestions: ['run `sentiops featurize` first']})
      throw error
    }),
  ])
  const vectorizer = new Vectorizer(JSON.parse(vectorizerText) as VectorizerState)
  if (vectorizer.nFeatures !== X.cols) throw new DataError(`${paths.vectorizer} has ${vectorizer.nFeatures} terms but ${paths.trainMatrix} has ${X.cols} columns: run \`sentiops featurize\` again`)
  const classNames = params.ingest.class_names
  // A fixed threshold is all decideThreshold needs: X's values are read by the fit alone, which may overwrite them.
  if (typeof params.evaluate.threshold === 'number') disposableValues.add(X.data)
  const started = performance.now()
  const classifier = fitClassifier(X, labels, classNames.length, params.train, {seed: params.train.seed, reporter: opts.reporter, signal: opts.signal})
  const fitSeconds = (performance.now() - started) / 1000
  const threshold = await decideThreshold(X, labels, classNames.length, params, {reporter: opts.reporter, signal: opts.signal})
  return {vectorizer, classifier, threshold, md5, rows: X.rows, cols: X.cols, fitSeconds}
}
