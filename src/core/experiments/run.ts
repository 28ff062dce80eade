import type {Params} from '../config/params.js'
import {computeMetrics} from '../evaluation/index.js'
import type {CsrMatrix} from '../features/sparse.js'
import {Vectorizer} from '../features/vectorizer.js'
import {fitClassifier} from '../models/index.js'
import type {Reporter} from '../reporter.js'
import {createPreprocessor, keepForTraining} from '../text/index.js'
import type {Stores} from '../tracking/index.js'
import {flattenParams} from '../tracking/inputs.js'
import {withRun} from '../tracking/run-context.js'
import {modelParams} from '../stages/tracking.js'
import {stratifiedFolds} from './folds.js'
import type {GridPoint} from './grid.js'

export const GRID_KEY_TAG = 'sentiops.grid.key'
export const CV_TAG = 'sentiops.cv'
const FOLD_METRICS = ['accuracy', 'f1', 'roc_auc', 'log_loss'] as const

export interface PointResult {
  label: string
  key: string
  runId: string
  overrides: Record<string, unknown>
  /** cv_<metric>_mean / _std over the folds. */
  metrics: Record<string, number>
  seconds: number
  skipped: boolean
}

export interface ExperimentOptions {
  points: GridPoint[]
  texts: readonly string[]
  labels: readonly number[]
  folds: number
  seed: number
  experiment: string
  stores: Stores
  cwd: string
  reporter: Reporter
  /** Run only the points i with i % count === index (parallel shards). */
  shard?: {index: number; count: number}
  signal?: AbortSignal
}

/**
 * Cross-validates every grid point as one tracked run (per-fold metrics with step = fold, means and standard
 * deviations). Work is shared across points where it is the same: texts are preprocessed once per preprocess
 * config, and each fold's vectorizer is fitted once per (preprocess, featurize) config, whatever the learner.
 * Points whose run already FINISHED in the experiment (same grid key and folds) are skipped: reruns resume.
 */
export async function runExperiment(options: ExperimentOptions): Promise<PointResult[]> {
  const {stores, reporter, folds} = options
  const experiment = await stores.tracking.getOrCreateExperiment(options.experiment)
  const finished = new Map<string, {runId: string; metrics: Record<string, number>}>()
  for (const run of await stores.tracking.searchRuns([experiment.experimentId], {statuses: ['FINISHED'], tags: {[CV_TAG]: String(folds)}})) {
    const key = run.data.tags[GRID_KEY_TAG]
    if (key) finished.set(key, {runId: run.info.runId, metrics: run.data.metrics})
  }
  const mine = options.points.filter((_, i) => !options.shard || i % options.shard.count === options.shard.index)
  // Points sharing preprocessing and features run back to back, so the caches below stay small.
  const order = [...mine].sort((a, b) => featureKey(a.params).localeCompare(featureKey(b.params)) || a.key.localeCompare(b.key))
  const foldOf = stratifiedFolds(options.labels, folds, options.seed)
  const results: PointResult[] = []
  const todo = order.filter(p => !finished.has(p.key)).length * folds
  let done = 0
  let cleanCache: {key: string; texts: string[]; keep: Uint8Array} | undefined
  let featureCache: {key: string; folds: Array<{Xtrain: CsrMatrix; Xtest: CsrMatrix; ytrain: Int32Array; ytest: Int32Array}>} | undefined
  for (const point of order) {
    options.signal?.throwIfAborted()
    const previous = finished.get(point.key)
    if (previous) {
      results.push({label: point.label, key: point.key, runId: previous.runId, overrides: point.overrides, metrics: previous.metrics, seconds: 0, skipped: true})
      continue
    }
    const pointStarted = performance.now()
    const p = point.params
    const preprocessKey = JSON.stringify(p.preprocess)
    if (cleanCache?.key !== preprocessKey) {
      const clean = createPreprocessor(p.preprocess)
      const texts = options.texts.map(clean)
      cleanCache = {key: preprocessKey, texts, keep: Uint8Array.from(texts, t => (keepForTraining(t, p.preprocess) ? 1 : 0))}
      featureCache = undefined
    }
    const fKey = featureKey(p)
    if (featureCache?.key !== fKey) featureCache = {key: fKey, folds: buildFolds(cleanCache, options.labels, foldOf, folds, p)}
    const foldMetrics: Record<string, number[]> = Object.fromEntries(FOLD_METRICS.map(m => [m, []]))
    const runResult = await withRun(
      stores.tracking,
      {experiment: options.experiment, runName: point.label, cwd: options.cwd, reporter, tags: {[GRID_KEY_TAG]: point.key, [CV_TAG]: String(folds), 'sentiops.stage': 'experiment'}},
      async run => {
        await run.logParams({...flattenParams(modelParams(p)), cv_folds: folds})
        for (let f = 0; f < folds; f++) {
          const {Xtrain, Xtest, ytrain, ytest} = featureCache!.folds[f]
          const model = fitClassifier(Xtrain, ytrain, p.ingest.class_names.length, p.train, {seed: p.train.seed, reporter: quiet(reporter)})
          const m = computeMetrics({yTrue: ytest, proba: model.predictProba(Xtest), nClasses: p.ingest.class_names.length, classNames: p.ingest.class_names})
          for (const name of FOLD_METRICS) foldMetrics[name].push(m[name])
          await run.logMetrics(FOLD_METRICS.filter(name => Number.isFinite(m[name])).map(name => ({key: `cv_${name}`, value: m[name], step: f})))
          done++
          reporter.progress('experiment', done, todo)
        }
        const summary: Record<string, number> = {}
        for (const name of FOLD_METRICS) {
          const values = foldMetrics[name].filter(Number.isFinite)
          if (values.length === 0) continue
          const mean = values.reduce((a, b) => a + b, 0) / values.length
          summary[`cv_${name}_mean`] = mean
          summary[`cv_${name}_std`] = Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / values.length)
        }
        summary.cv_seconds = (performance.now() - pointStarted) / 1000
        await run.logMetrics(Object.entries(summary).map(([key, value]) => ({key, value})))
        return {runId: run.runId, summary}
      },
    )
    results.push({label: point.label, key: point.key, runId: runResult.runId, overrides: point.overrides, metrics: runResult.summary, seconds: runResult.summary.cv_seconds, skipped: false})
  }
  return results
}

function buildFolds(cache: {texts: string[]; keep: Uint8Array}, labels: readonly number[], foldOf: Int32Array, folds: number, p: Params) {
  const out = []
  for (let f = 0; f < folds; f++) {
    const trainRows: number[] = []
    const testRows: number[] = []
    for (let i = 0; i < cache.texts.length; i++) {
      if (foldOf[i] === f) testRows.push(i)
      else if (cache.keep[i]) trainRows.push(i)
    }
    // The vectorizer is fitted on the training folds only (as scikit-learn's Pipeline inside cross_val_score).
    const {vectorizer, X} = Vectorizer.fitTransform(trainRows.map(i => cache.texts[i]), p.featurize)
    out.push({
      Xtrain: X,
      Xtest: vectorizer.transform(testRows.map(i => cache.texts[i])),
      ytrain: Int32Array.from(trainRows, i => labels[i]),
      ytest: Int32Array.from(testRows, i => labels[i]),
    })
  }
  return out
}

function featureKey(p: Params): string {
  return JSON.stringify([p.preprocess, p.featurize])
}

/** Learners' own progress lines would drown the grid's: keep only their warnings. */
function quiet(reporter: Reporter): Reporter {
  return {info() {}, progress() {}, debug: m => reporter.debug(m), warn: m => reporter.warn(m)}
}
