import path from 'node:path'
import {BugError} from '../errors.js'
import {writeFileAtomic} from '../fs/atomic.js'
import {confusionChartSpec, prcChartSpec, rocChartSpec} from './charts.js'
import type {EvaluationInput} from './input.js'
import {evaluate, type Metrics} from './metrics.js'
import {confusionCsv, prcPoints, rocPoints} from './plot-data.js'
import {renderSvg} from './render.js'

export interface EvaluationReport {
  metrics: Metrics
  /** [actual][predicted] counts. */
  confusion: number[][]
  /** Every file written, plots first and the metrics file last. */
  files: string[]
}

export interface ReportTargets {
  /** e.g. reports/metrics.json (params `evaluate.metrics_file`). */
  metricsFile: string
  /** e.g. reports/plots (params `evaluate.plots_dir`): roc.json, prc.json, confusion.csv and their SVGs. */
  plotsDir: string
  /**
   * More JSON reports, such as feature importances: each `name` is written to `<plotsDir>/../<name>.json`
   * (typed arrays become arrays, NaN becomes null).
   */
  extra?: Record<string, unknown>
}

/**
 * Computes the metrics and writes reports/metrics.json (sorted keys, full precision, NaN as null), the DVC
 * plot data and the SVG charts. The charts are rendered before anything is written and every file is
 * replaced atomically, metrics last, so a failure leaves the previous reports in place.
 */
export async function writeEvaluationReports(input: EvaluationInput, out: ReportTargets): Promise<EvaluationReport> {
  const extra = extraReports(out)
  const {metrics, confusion, curves, yPred, input: checked} = evaluate(input)
  const {classNames, n, nClasses, yTrue} = checked
  // Legend entries per one-vs-rest class; a binary chart has a single curve and no legend.
  const perClass = (score: (c: (typeof curves)[number]) => number) =>
    nClasses === 2 ? [] : curves.map(c => ({name: classNames[c.classIndex], score: score(c)}))
  const roc = rocPoints(curves, classNames)
  const prc = prcPoints(curves, classNames)
  const common = {positiveClass: classNames[1], nSamples: n}
  const prevalence = confusion[1].reduce((s, v) => s + v, 0) / n

  // Render before writing anything: a chart that fails leaves every previous report in place.
  const [rocSvg, prcSvg, confusionSvg] = await Promise.all([
    renderSvg(rocChartSpec({points: roc, score: metrics.roc_auc, classScores: perClass(c => c.rocAuc), ...common})),
    renderSvg(prcChartSpec({points: prc, score: metrics.average_precision, classScores: perClass(c => c.averagePrecision), ...common}, prevalence)),
    renderSvg(confusionChartSpec(confusion, classNames, metrics.accuracy)),
  ])

  const plot = (name: string) => path.join(out.plotsDir, name)
  const writes: Array<[string, string]> = [
    [plot('roc.json'), toJson({roc})],
    [plot('prc.json'), toJson({prc})],
    [plot('confusion.csv'), confusionCsv(yTrue, yPred, classNames)],
    [plot('roc.svg'), rocSvg],
    [plot('prc.svg'), prcSvg],
    [plot('confusion.svg'), confusionSvg],
    ...extra,
    [out.metricsFile, toJson(sortKeys(metrics))],
  ]
  for (const [file, text] of writes) await writeFileAtomic(file, text)
  return {metrics, confusion, files: writes.map(([file]) => file)}
}

function extraReports({extra = {}, plotsDir, metricsFile}: ReportTargets): Array<[string, string]> {
  return Object.entries(extra).map(([name, value]) => {
    if (!/^[\w][\w.-]*$/.test(name)) {
      throw new BugError(`writeEvaluationReports: extra report name '${name}' must be a plain file name (letters, digits, _ . -)`)
    }
    const file = path.join(path.dirname(plotsDir), name.endsWith('.json') ? name : `${name}.json`)
    if (path.resolve(file) === path.resolve(metricsFile)) {
      throw new BugError(`writeEvaluationReports: extra report '${name}' would overwrite the metrics file ${metricsFile}`)
    }
    return [file, toJson(value)]
  })
}

function sortKeys(metrics: Metrics): Record<string, number> {
  return Object.fromEntries(Object.keys(metrics).sort().map(key => [key, metrics[key]]))
}

/** Pretty JSON; typed arrays as arrays; NaN and ±Infinity become null (JSON.stringify's rule). */
function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v), 2) + '\n'
}
