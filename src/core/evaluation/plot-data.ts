import {precisionRecallFromCounts, rocFromCounts} from './curves.js'
import type {ClassCurves} from './metrics.js'

/**
 * The DVC plot files (reports/plots/*): ROC and precision-recall points as JSON, and the confusion data as
 * one `actual,predicted` CSV row per test sample, which is what DVC's `confusion` template counts.
 */

/** A curve drawn in a plot keeps at most this many points (see `thinCurve`). */
export const MAX_PLOT_POINTS = 1000

export interface RocPoint {
  /** One-vs-rest class; only present for more than two classes. */
  class?: string
  fpr: number
  tpr: number
  threshold: number
}

export interface PrcPoint {
  class?: string
  precision: number
  recall: number
  /** null for the closing (recall 0, precision 1) point, which no threshold reaches. */
  threshold: number | null
}

export function rocPoints(curves: readonly ClassCurves[], classNames: readonly string[], maxPoints = MAX_PLOT_POINTS): RocPoint[] {
  const labelled = curves.length > 1
  return curves.flatMap(({classIndex, counts}) => {
    const roc = rocFromCounts(counts)
    return thinCurve(roc.fpr, roc.tpr, maxPoints).map(i => ({
      ...(labelled ? {class: classNames[classIndex]} : {}),
      fpr: roc.fpr[i],
      tpr: roc.tpr[i],
      threshold: roc.threshold[i],
    }))
  })
}

export function prcPoints(curves: readonly ClassCurves[], classNames: readonly string[], maxPoints = MAX_PLOT_POINTS): PrcPoint[] {
  const labelled = curves.length > 1
  return curves.flatMap(({classIndex, counts}) => {
    const prc = precisionRecallFromCounts(counts)
    return thinCurve(prc.recall, prc.precision, maxPoints).map(i => ({
      ...(labelled ? {class: classNames[classIndex]} : {}),
      precision: prc.precision[i],
      recall: prc.recall[i],
      threshold: i < prc.threshold.length ? prc.threshold[i] : null,
    }))
  })
}

/**
 * Indices of the points to draw, first and last always included. A curve with more points than `maxPoints`
 * (a million distinct scores give up to a million ROC points) keeps one point per 1/maxPoints of its L1 arc
 * length, so no dropped point lies farther than that from the drawn line: the shape is kept and the file
 * stays small. Metrics always use the full curve.
 */
export function thinCurve(x: readonly number[], y: readonly number[], maxPoints = MAX_PLOT_POINTS): number[] {
  const m = x.length
  if (m <= maxPoints) return Array.from({length: m}, (_, i) => i)
  const step = (i: number) => {
    const d = Math.abs(x[i] - x[i - 1]) + Math.abs(y[i] - y[i - 1])
    return Number.isFinite(d) ? d : 0
  }
  let length = 0
  for (let i = 1; i < m; i++) length += step(i)
  const keep = [0]
  if (length === 0) {
    // A degenerate curve (NaN rates when a class is missing): evenly spaced indices.
    const stride = (m - 1) / (maxPoints - 1)
    for (let j = 1; j < maxPoints - 1; j++) keep.push(Math.round(j * stride))
  } else {
    const spacing = length / (maxPoints - 2)
    let travelled = 0
    for (let i = 1; i < m - 1; i++) {
      travelled += step(i)
      if (travelled >= spacing) {
        keep.push(i)
        travelled = 0
      }
    }
  }
  keep.push(m - 1)
  return keep
}

/** `actual,predicted` with class names, one row per test sample (RFC 4180 quoting where a name needs it). */
export function confusionCsv(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, classNames: readonly string[]): string {
  const fields = classNames.map(csvField)
  const lines = new Array<string>(yTrue.length + 1)
  lines[0] = 'actual,predicted'
  for (let i = 0; i < yTrue.length; i++) lines[i + 1] = `${fields[yTrue[i]]},${fields[yPred[i]]}`
  return lines.join('\n') + '\n'
}

function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value
}

/** One entry of a dvc.yaml `plots:` list: `{path: {template, x, y, title, x_label, y_label}}`. */
export type DvcPlotDefinition = Record<string, {template: string; x: string; y: string; title: string; x_label: string; y_label: string}>

/**
 * The `plots:` entries for dvc.yaml (top level, or a stage's `plots:`) that describe the files written by
 * `writeEvaluationReports` under `plotsDir`. Serialize with the yaml package, e.g.
 * `stringify({plots: dvcPlotDefinitions('reports/plots')})`.
 */
export function dvcPlotDefinitions(plotsDir = 'reports/plots'): DvcPlotDefinition[] {
  const dir = plotsDir.replaceAll('\\', '/').replace(/\/+$/, '')
  return [
    {
      [`${dir}/roc.json`]: {template: 'simple', x: 'fpr', y: 'tpr', title: 'ROC curve', x_label: 'False positive rate', y_label: 'True positive rate'},
    },
    {
      [`${dir}/prc.json`]: {template: 'simple', x: 'recall', y: 'precision', title: 'Precision-recall curve', x_label: 'Recall', y_label: 'Precision'},
    },
    {
      [`${dir}/confusion.csv`]: {template: 'confusion', x: 'predicted', y: 'actual', title: 'Confusion matrix', x_label: 'Predicted label', y_label: 'Actual label'},
    },
  ]
}

/** For the default `evaluate.plots_dir` (reports/plots). */
export const DVC_PLOT_DEFINITIONS: readonly DvcPlotDefinition[] = dvcPlotDefinitions()
