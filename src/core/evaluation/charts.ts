import type {TopLevelSpec} from 'vega-lite'
import type {PrcPoint, RocPoint} from './plot-data.js'

/** Vega-Lite 5 specs of the three evaluation charts; `renderSvg` turns them into SVG files. */

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json'
const SIZE = 420
const UNIT = {domain: [0, 1], nice: false}

export interface CurveChartInput<P> {
  points: readonly P[]
  /** roc_auc (ROC) or average_precision (precision-recall); for several classes, the macro value. */
  score: number
  /** Per one-vs-rest class, for legend labels; empty for two classes. */
  classScores: ReadonlyArray<{name: string; score: number}>
  positiveClass: string
  nSamples: number
}

export function rocChartSpec({points, score, classScores, positiveClass, nSamples}: CurveChartInput<RocPoint>): TopLevelSpec {
  const multiclass = classScores.length > 0
  return {
    $schema: SCHEMA,
    title: {
      text: multiclass ? `ROC curves, one-vs-rest (macro AUC = ${fmt(score)})` : `ROC curve (AUC = ${fmt(score)})`,
      subtitle: multiclass ? `${nSamples} test samples` : `positive class: ${positiveClass} · ${nSamples} test samples`,
    },
    width: SIZE,
    height: SIZE,
    layer: [
      chanceLine([{fpr: 0, tpr: 0}, {fpr: 1, tpr: 1}], 'fpr', 'tpr'),
      {
        data: {values: withSeries(points, classScores, 'AUC')},
        mark: {type: 'line', strokeWidth: 2},
        encoding: {
          x: {field: 'fpr', type: 'quantitative', title: 'False positive rate', scale: UNIT},
          y: {field: 'tpr', type: 'quantitative', title: 'True positive rate', scale: UNIT},
          order: {field: 'index', type: 'quantitative'},
          ...seriesColor(multiclass),
        },
      },
    ],
  }
}

export function prcChartSpec({points, score, classScores, positiveClass, nSamples}: CurveChartInput<PrcPoint>, prevalence: number): TopLevelSpec {
  const multiclass = classScores.length > 0
  return {
    $schema: SCHEMA,
    title: {
      text: multiclass
        ? `Precision-recall curves, one-vs-rest (macro AP = ${fmt(score)})`
        : `Precision-recall curve (AP = ${fmt(score)})`,
      subtitle: multiclass
        ? `${nSamples} test samples`
        : [`positive class: ${positiveClass} · ${nSamples} test samples`, `dashed: precision of a random guess (${fmt(prevalence)})`],
    },
    width: SIZE,
    height: SIZE,
    layer: [
      ...(multiclass ? [] : [chanceLine([{recall: 0, precision: prevalence}, {recall: 1, precision: prevalence}], 'recall', 'precision')]),
      {
        data: {values: withSeries(points, classScores, 'AP')},
        // Step after each point in curve order: scikit-learn's PrecisionRecallDisplay (drawstyle steps-post).
        mark: {type: 'line', strokeWidth: 2, interpolate: 'step-after'},
        encoding: {
          x: {field: 'recall', type: 'quantitative', title: 'Recall', scale: UNIT},
          y: {field: 'precision', type: 'quantitative', title: 'Precision', scale: UNIT},
          order: {field: 'index', type: 'quantitative'},
          ...seriesColor(multiclass),
        },
      },
    ],
  }
}

/** Heatmap, actual classes down, predicted across, each cell labelled with its count. */
export function confusionChartSpec(confusion: readonly (readonly number[])[], classNames: readonly string[], accuracy: number): TopLevelSpec {
  const cells = confusion.flatMap((row, a) => {
    const support = row.reduce((s, v) => s + v, 0)
    return row.map((count, p) => ({
      actual: classNames[a],
      predicted: classNames[p],
      count,
      share: support === 0 ? 0 : count / support,
    }))
  })
  const maxCount = Math.max(...cells.map(c => c.count))
  const total = cells.reduce((s, c) => s + c.count, 0)
  const order = [...classNames]
  const step = Math.max(40, Math.min(110, Math.floor(440 / classNames.length)))
  return {
    $schema: SCHEMA,
    title: {text: 'Confusion matrix', subtitle: `${total} test samples · accuracy ${fmt(accuracy)}`},
    width: {step},
    height: {step},
    data: {values: cells},
    encoding: {
      x: {field: 'predicted', type: 'nominal', sort: order, title: 'Predicted label', axis: {labelAngle: 0, orient: 'bottom'}},
      y: {field: 'actual', type: 'nominal', sort: order, title: 'Actual label'},
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: {field: 'count', type: 'quantitative', title: 'Samples', scale: {scheme: 'blues', domainMin: 0}},
          tooltip: [
            {field: 'actual', title: 'Actual'},
            {field: 'predicted', title: 'Predicted'},
            {field: 'count', title: 'Samples'},
            {field: 'share', title: 'Share of actual', format: '.1%'},
          ],
        },
      },
      {
        mark: {type: 'text', fontSize: 14, fontWeight: 'bold'},
        encoding: {
          text: {field: 'count', type: 'quantitative'},
          color: {condition: {test: `datum.count > ${maxCount / 2}`, value: 'white'}, value: 'black'},
        },
      },
    ],
    config: {axis: {labelFontSize: 12, titleFontSize: 13}},
  }
}

/** The dashed reference line of a classifier that guesses. */
function chanceLine(values: Array<Record<string, number>>, x: string, y: string) {
  return {
    data: {values},
    mark: {type: 'line' as const, strokeDash: [6, 4], color: '#999999', strokeWidth: 1},
    encoding: {x: {field: x, type: 'quantitative' as const}, y: {field: y, type: 'quantitative' as const}},
  }
}

/** Adds the drawing order and, for several classes, the legend label "class (AUC 0.9312)". */
function withSeries<P extends {class?: string}>(points: readonly P[], classScores: CurveChartInput<P>['classScores'], scoreName: string) {
  const labels = new Map(classScores.map(c => [c.name, `${c.name} (${scoreName} ${fmt(c.score)})`]))
  return points.map((p, index) => ({...p, index, series: p.class === undefined ? undefined : labels.get(p.class)}))
}

function seriesColor(multiclass: boolean) {
  return multiclass
    ? {color: {field: 'series', type: 'nominal' as const, title: 'Class (one-vs-rest)', legend: {orient: 'bottom-right' as const, labelLimit: 400}}}
    : {color: {value: '#1f6fb4'}}
}

function fmt(value: number): string {
  return Number.isFinite(value) ? value.toFixed(4) : 'undefined'
}
