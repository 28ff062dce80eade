import {createHash} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import type {Params} from '../config/params.js'
import {loadBundle, type Bundle} from '../bundle/index.js'
import {readSplit} from '../data/index.js'
import {readLabeledForScoring} from '../data/scoring-input.js'
import {DataError} from '../errors.js'
import {writeEvaluationReports, type Metrics} from '../evaluation/index.js'
import {bundleEvaluationInput, bundleProbabilities, servingThreshold, type LabeledSet} from '../evaluation/score-bundle.js'
import {openModel, type ModelSource} from '../model-source.js'
import type {Reporter} from '../reporter.js'
import type {RunHandle} from '../tracking/index.js'
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
  const proba = bundleProbabilities(bundle, rows.map(r => r.text), opts.reporter)
  const featureImportances = bundle.featureImportances(20)
  const report = await writeEvaluationReports(
    {yTrue: Int32Array.from(rows, r => r.label), proba, nClasses: classNames.length, classNames, threshold: pipelineThreshold(bundle, params, opts.reporter)},
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

/**
 * The threshold the pipeline's evaluate scores at: a numeric evaluate.threshold as given (--set included), 'auto'
 * the one train chose and stored. predict and serve decide at the bundle's stored value: when the two differ,
 * a warning says so and how to store the new one.
 */
export function pipelineThreshold(bundle: Bundle, params: Params, reporter: Reporter): number {
  const stored = servingThreshold(bundle)
  const wanted = params.evaluate.threshold
  if (typeof wanted !== 'number') return stored
  if (bundle.meta.classNames.length === 2 && Math.abs(wanted - stored) > 1e-12) {
    reporter.warn(
      `evaluate.threshold = ${wanted}: scored at ${wanted}, but predict and serve decide at the model's stored threshold ${stored}; ` +
        '`sentiops train` (or `sentiops repro`, which retrains because evaluate.threshold is a train param) stores the new one',
    )
  }
  return wanted
}

/**
 * Labeled data to score models on: `data` read as given with the ingest mapping (data/scoring-input.ts; any form
 * ingest.source takes), or, without it, the pipeline's held-out split (data/raw/test.csv).
 */
export async function loadEvaluationData(params: Params, data: string | undefined, opts: {cwd: string; reporter: Reporter}): Promise<LabeledSet> {
  if (data !== undefined) return readLabeledForScoring(data, params.ingest, opts)
  const file = stagePaths(params, opts.cwd).rawTest
  const shown = path.relative(opts.cwd, file) || file
  const rows = await readSplit(file).catch((error: unknown) => {
    if (!(error instanceof DataError && /no such file/.test(error.message))) throw error
    throw new DataError(`no --data given and no held-out split at ${shown}`, {
      suggestions: ['pass --data FILE (a labeled file, glob, URL or s3:// URI)', 'or, in a pipeline directory, run the pipeline first (`sentiops repro`)'],
      data: {file},
    })
  })
  if (rows.length === 0) throw new DataError(`${file} has no rows to evaluate on`)
  const texts = rows.map(r => r.text)
  return {texts, labels: rows.map(r => r.label), classNames: [...params.ingest.class_names], source: shown, md5: await fileMd5(file), emptyTexts: 0}
}

async function fileMd5(file: string): Promise<string> {
  return createHash('md5').update(await readFile(file)).digest('hex')
}

export interface EvaluateModelResult extends Omit<EvaluateResult, 'featureImportances'> {
  model: ModelSource
  data: {source: string; md5: string}
  threshold: number
  outDir: string
}

/**
 * `evaluate --model/--data`: any bundle or registered model on any labeled data, with the pipeline's metrics,
 * plots and report, written to `out` (default reports/eval-<reportName>). The model decides with its own
 * stored threshold, as it does in predict and serve.
 */
export async function runEvaluateModel(
  params: Params,
  opts: {model?: string; data?: string; out?: string; cwd: string; reporter: Reporter; trackingUri?: string},
): Promise<EvaluateModelResult> {
  const started = performance.now()
  const {bundle, source} = await openModel(opts.model ?? params.train.model_dir, {cwd: opts.cwd, reporter: opts.reporter, trackingUri: opts.trackingUri})
  const data = await loadEvaluationData(params, opts.data, opts)
  const outDir = path.resolve(opts.cwd, opts.out ?? path.join('reports', `eval-${reportName(source)}`))
  const input = bundleEvaluationInput(bundle, data, opts.reporter)
  const report = await writeEvaluationReports(input, {metricsFile: path.join(outDir, 'metrics.json'), plotsDir: path.join(outDir, 'plots')})
  return {
    metrics: report.metrics,
    confusion: report.confusion,
    classNames: input.classNames,
    rows: data.texts.length,
    files: report.files,
    model: source,
    data: {source: data.source, md5: data.md5},
    threshold: input.threshold!,
    outDir,
    seconds: (performance.now() - started) / 1000,
  }
}

/**
 * `sentiment-v3` for a registered model; for a bundle directory its folder name and a short hash of its absolute
 * path, so that models/model and ../other/models/model get different reports.
 */
export function reportName(source: ModelSource): string {
  const name = source.name ? `${source.name}-v${source.version}` : `${path.basename(source.dir)}-${createHash('sha256').update(path.resolve(source.dir)).digest('hex').slice(0, 8)}`
  return name.replaceAll(/[^\w.-]+/g, '_')
}

/**
 * Records an evaluation as a tracked run. MLflow links an evaluation to a model version only through tags, so
 * the run carries the registered model's name, version and source run, and the data's source and md5.
 */
export async function logModelEvaluation(run: RunHandle, result: EvaluateModelResult): Promise<void> {
  const {model, data} = result
  await run.setTags({
    'sentiops.stage': 'evaluate',
    'sentiops.model.uri': model.uri,
    ...(model.name ? {'sentiops.model.name': model.name, 'sentiops.model.version': String(model.version)} : {}),
    ...(model.runId ? {'sentiops.model.run_id': model.runId} : {}),
    'sentiops.data.source': data.source,
    'sentiops.data.md5': data.md5,
  })
  await run.logParams({model_uri: model.uri, data: data.source, threshold: result.threshold})
  await run.logMetrics(Object.entries(result.metrics).filter(([, v]) => Number.isFinite(v)).map(([key, value]) => ({key, value})))
  await run.logArtifacts(result.outDir, 'reports')
}
