/**
 * Champion vs challenger on the same labeled texts: per compared metric A, B, delta = B − A and its paired-bootstrap
 * percentile interval, plus McNemar's exact test on per-text correctness.
 */
import {BugError, DataError} from '../errors.js'
import {pairedBootstrapDeltas, percentileInterval, quantile} from './bootstrap.js'
import {mcnemar, type McNemarResult} from './mcnemar.js'
import {COMPARED_METRICS, lowerIsBetter, weightedMetrics, type ComparedMetric, type ScoredModel} from './score.js'

export interface CompareOptions {
  /** Bootstrap resamples (params compare.resamples). */
  resamples: number
  seed: number
  /** Two-sided level of the intervals, e.g. 0.95 (the interval key is then `ci95`). */
  confidence: number
}

/** `ci95` holds the interval at the configured confidence (`ci90` at 0.90, ...). */
export type MetricDelta = {a: number; b: number; delta: number} & {[ci: `ci${number}`]: [number, number]}

export interface ModelComparison {
  /** Texts both models were scored on. */
  n: number
  /** Per metric; delta = B − A (for log_loss a negative delta means B is better). */
  deltas: Record<ComparedMetric, MetricDelta>
  mcnemar_p: number
  /** b: only A right; c: only B right. */
  mcnemar: McNemarResult
  resamples: number
  seed: number
  confidence: number
  /** Name of the interval key in `deltas` (ci95 at 0.95). */
  ci_key: `ci${number}`
}

export interface ComparisonWithSamples {
  comparison: ModelComparison
  /** The resampled deltas B − A per metric, for one-sided bounds (the gate). */
  samples: Record<ComparedMetric, Float64Array>
}

export function ciKey(confidence: number): `ci${number}` {
  return `ci${Number((confidence * 100).toFixed(6))}`
}

export function compareScored(a: ScoredModel, b: ScoredModel, options: CompareOptions): ComparisonWithSamples {
  if (a.n !== b.n || a.nClasses !== b.nClasses) throw new BugError(`compareScored: ${a.n}×${a.nClasses} vs ${b.n}×${b.nClasses} scores`)
  for (let i = 0; i < a.n; i++) if (a.yTrue[i] !== b.yTrue[i]) throw new BugError(`compareScored: text ${i} has two labels`)
  if (!(options.confidence > 0 && options.confidence < 1)) throw new DataError(`compare.confidence must be strictly between 0 and 1 (got ${options.confidence})`)
  const pointA = weightedMetrics(a)
  const pointB = weightedMetrics(b)
  const samples = pairedBootstrapDeltas(a, b, options)
  const key = ciKey(options.confidence)
  const deltas = Object.fromEntries(COMPARED_METRICS.map(m => [m, {a: pointA[m], b: pointB[m], delta: pointB[m] - pointA[m], [key]: percentileInterval(samples[m], options.confidence)}])) as Record<ComparedMetric, MetricDelta>
  const test = mcnemar(a.correct, b.correct)
  return {
    comparison: {n: a.n, deltas, mcnemar_p: test.p, mcnemar: test, resamples: options.resamples, seed: options.seed, confidence: options.confidence, ci_key: key},
    samples,
  }
}

/**
 * How much better B is than A on `metric` (positive = better, whatever the metric's direction), and the
 * one-sided lower confidence bound of that gain at level `alpha`: the α-quantile of the resampled gains, i.e. the
 * lower end of the two-sided (1 − 2α) percentile interval.
 */
export function gainBound(result: ComparisonWithSamples, metric: ComparedMetric, alpha: number): {gain: number; lower: number} {
  const d = result.comparison.deltas[metric].delta
  const s = result.samples[metric]
  return lowerIsBetter(metric) ? {gain: -d, lower: -quantile(s, 1 - alpha)} : {gain: d, lower: quantile(s, alpha)}
}
