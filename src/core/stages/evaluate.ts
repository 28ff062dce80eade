import {createHash} from 'node:crypto'
import {readFile, stat} from 'node:fs/promises'
import path from 'node:path'
import type {Params} from '../config/params.js'
import {loadBundle, type Bundle} from '../bundle/index.js'
import {loadLabeledData, readSplit} from '../data/index.js'
import {DataError} from '../errors.js'
import {writeEvaluationReports, type Metrics} from '../evaluation/index.js'
import {bundleEvaluationInput, bundleProbabilities, type LabeledSet} from '../evaluation/score-bundle.js'
import {openModel, type ModelSource} from '../model-source.js'
import {redactUrls} from '../redact.js'
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
    {yTrue: Int32Array.from(rows, r => r.label), proba, nClasses: classNames.length, classNames, threshold: decisionThreshold(bundle, params)},
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
  return fallbackThreshold(params)
}

/** The threshold of a bundle that stores none. */
export function fallbackThreshold(params: Params): number {
  return typeof params.evaluate.threshold === 'number' ? params.evaluate.threshold : 0.5
}

/**
 * Labeled data to score models on: `data` read with the ingest mapping (columns, label_map, class_names, format;
 * any form ingest.source takes), or, without it, the pipeline's held-out split (data/raw/test.csv).
 */
export async function loadEvaluationData(params: Params, data: string | undefined, opts: {cwd: string; reporter: Reporter}): Promise<LabeledSet> {
  const classNames = [...params.ingest.class_names]
  if (data === undefined) {
    const file = stagePaths(params, opts.cwd).rawTest
    const rows = await readSplit(file)
    if (rows.length === 0) throw new DataError(`${file} has no rows to evaluate on`)
    return {texts: rows.map(r => r.text), labels: rows.map(r => r.label), classNames, source: path.relative(opts.cwd, file) || file, md5: await fileMd5(file)}
  }
  const {texts, labels} = await loadLabeledData({...params.ingest, source: data, test_source: ''}, {cwd: opts.cwd, reporter: opts.reporter})
  const local = path.resolve(opts.cwd, data)
  const isFile = !/^[a-z][\w+.-]*:/i.test(data) && (await stat(local).catch(() => undefined))?.isFile()
  return {texts, labels, classNames, source: redactUrls(data), md5: isFile ? await fileMd5(local) : rowsMd5(texts, labels)}
}

async function fileMd5(file: string): Promise<string> {
  return createHash('md5').update(await readFile(file)).digest('hex')
}

function rowsMd5(texts: readonly string[], labels: readonly number[]): string {
  const hash = createHash('md5')
  texts.forEach((text, i) => hash.update(`${labels[i]}\t${text}\n`))
  return hash.digest('hex')
}

export interface EvaluateModelResult extends Omit<EvaluateResult, 'featureImportances'> {
  model: ModelSource
  data: {source: string; md5: string}
  threshold: number
  outDir: string
}

/**
 * `evaluate --model/--data`: any bundle or registered model on any labeled data, with the pipeline's metrics,
 * plots and report, written to `out` (default reports/eval-<name>).
 */
export async function runEvaluateModel(
  params: Params,
  opts: {model?: string; data?: string; out?: string; cwd: string; reporter: Reporter; trackingUri?: string},
): Promise<EvaluateModelResult> {
  const started = performance.now()
  const {bundle, source} = await openModel(opts.model ?? params.train.model_dir, {cwd: opts.cwd, reporter: opts.reporter, trackingUri: opts.trackingUri})
  const data = await loadEvaluationData(params, opts.data, opts)
  const outDir = path.resolve(opts.cwd, opts.out ?? path.join('reports', `eval-${reportName(source)}`))
  const input = bundleEvaluationInput(bundle, data, fallbackThreshold(params), opts.reporter)
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

/** `sentiment-v3` for a registered model, else the bundle folder's name. */
function reportName(source: ModelSource): string {
  const name = source.name ? `${source.name}-v${source.version}` : path.basename(source.dir)
  return name.replaceAll(/[^\w.-]+/g, '_')
}

/**
 * Records an evaluation as a tracked run. MLflow links an evaluation to a model version only through tags, so
 * the run carries the registered model's name, version and source run, and the data's source and md5.
 */
export async function logModelEvaluation(run: RunHandle, result: EvaluateModelResult): Promise<void> {
  const {model, data} = result
  const runId = (model as ModelSource & {runId?: string}).runId
  await run.setTags({
    'sentiops.stage': 'evaluate',
    'sentiops.model.uri': model.uri,
    ...(model.name ? {'sentiops.model.name': model.name, 'sentiops.model.version': String(model.version)} : {}),
    ...(runId ? {'sentiops.model.run_id': runId} : {}),
    'sentiops.data.source': data.source,
    'sentiops.data.md5': data.md5,
  })
  await run.logParams({model_uri: model.uri, data: data.source, threshold: result.threshold})
  await run.logMetrics(Object.entries(result.metrics).filter(([, v]) => Number.isFinite(v)).map(([key, value]) => ({key, value})))
  await run.logArtifacts(result.outDir, 'reports')
}
