import type {Params} from '../config/params.js'
import {loadBundle, type Bundle} from '../bundle/index.js'
import {readSplit} from '../data/index.js'
import {DataError} from '../errors.js'
import {writeEvaluationReports, type Metrics} from '../evaluation/index.js'
import type {Reporter} from '../reporter.js'
import {stagePaths} from './paths.js'

export interface EvaluateResult {
  metrics: Metrics
  confusion: number[][]
  classNames: string[]
  rows: number
  files: string[]
  featureImportances: Array<{token: string; importance: number}>
  seconds: number
}

/**
 * Scores the held-out split through bundle.predict on the RAW texts — the exact path serving takes — and
 * writes reports/metrics.json and the plots.
 */
export async function runEvaluate(params: Params, opts: {cwd: string; reporter: Reporter; bundle?: Bundle}): Promise<EvaluateResult> {
  const started = performance.now()
  const paths = stagePaths(params, opts.cwd)
  const bundle = opts.bundle ?? (await loadBundle(paths.modelDir))
  const rows = await readSplit(paths.rawTest)
  if (rows.length === 0) throw new DataError(`${paths.rawTest} has no rows to evaluate on`)
  const classNames = bundle.meta.classNames
  const k = classNames.length
  const proba = new Float64Array(rows.length * k)
  const batch = 4096
  for (let start = 0; start < rows.length; start += batch) {
    const slice = rows.slice(start, start + batch)
    const predictions = bundle.predict(slice.map(r => r.text))
    predictions.forEach((p, i) => classNames.forEach((name, c) => (proba[(start + i) * k + c] = p.probabilities[name])))
    opts.reporter.progress('evaluate', Math.min(rows.length, start + batch), rows.length)
  }
  const featureImportances = bundle.featureImportances(20)
  const report = await writeEvaluationReports(
    {yTrue: Int32Array.from(rows, r => r.label), proba, nClasses: k, classNames, threshold: decisionThreshold(bundle, params)},
    {metricsFile: paths.metricsFile, plotsDir: paths.plotsDir},
  )
  return {
    metrics: report.metrics,
    confusion: report.confusion,
    classNames,
    rows: rows.length,
    files: report.files,
    featureImportances,
    seconds: (performance.now() - started) / 1000,
  }
}

/** The bundle's own threshold (train stores it; evaluate.threshold auto), else the numeric evaluate.threshold. */
export function decisionThreshold(bundle: Bundle, params: Params): number {
  if (bundle.meta.threshold !== undefined) return bundle.meta.threshold
  return typeof params.evaluate.threshold === 'number' ? params.evaluate.threshold : 0.5
}
