/**
 * Evaluation of a fitted classifier on the test split: scikit-learn-compatible metrics, confusion matrix,
 * ROC and precision-recall curves, DVC plot data and SVG charts. vega / vega-lite load only when a chart is
 * rendered, so importing this module stays cheap.
 */
export {accuracy, balancedAccuracy, confusionMatrix, matthewsCorrcoef, perClassScores, type ClassScores} from './classification.js'
export {
  averagePrecision,
  precisionRecallCurve,
  rocAuc,
  rocCurve,
  type PrecisionRecallCurve,
  type RocCurve,
} from './curves.js'
export {predictClasses, type EvaluationInput} from './input.js'
export {classKeys, computeMetrics, evaluate, logLoss, type ClassCurves, type Evaluation, type Metrics} from './metrics.js'
export {
  DVC_PLOT_DEFINITIONS,
  MAX_PLOT_POINTS,
  confusionCsv,
  dvcPlotDefinitions,
  thinCurve,
  type DvcPlotDefinition,
  type PrcPoint,
  type RocPoint,
} from './plot-data.js'
export {renderSvg} from './render.js'
export {writeEvaluationReports, type EvaluationReport, type ReportTargets} from './report.js'
