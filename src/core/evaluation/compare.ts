/**
 * Champion vs challenger on the same labeled texts: per compared metric A, B, delta = B − A and its paired-bootstrap
 * percentile interval, plus McNemar's exact test on per-text correctness.
 */
import {BugError, DataError} from '../errors.js'
import {definedCount, pairedBootstrapDeltas, percentileInterval, quantile, unavailableReason} from './bootstrap.js'
import {mcnemar, type McNemarResult} from './mcnemar.js'
import {COMPARED_METRICS, lowerIsBetter, weightedMetrics, type ComparedMetric, type ScoredModel} from './score.js'

export interface CompareOptions {
  /** Bootstrap resamples (params compare.resamples). */
  resamples: number
  seed: number
  /** Two-sided level of the intervals, e.g. 0.95 (the interval key is then `ci95`). */
  confidence: number
}

/**
 * `ci` is the paired-bootstrap interval at `confidence`, also under the key `ci95` (`ci90` at 0.90, ...);
 * null, with `ci_unavailable` saying why, when fewer than 90% of the resamples define the metric.
 */
export type MetricDelta = {
  a: number
  b: number
  delta: number
  ci: [number, number] | null
  confidence: number
  /** Resamples in which the metric is defined (out of `resamples`). */
  resamples_used: number
  ci_unavailable?: string
} & {[ci: `ci${number}`]: [number, number] | null}

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
  const deltas = Object.fromEntries(COMPARED_METRICS.map(m => [m, metricDelta(pointA[m], pointB[m], samples[m], options.confidence)])) as Record<ComparedMetric, MetricDelta>
  const test = mcnemar(a.correct, b.correct)
  return {
    comparison: {n: a.n, deltas, mcnemar_p: test.p, mcnemar: test, resamples: options.resamples, seed: options.seed, confidence: options.confidence, ci_key: key},
    samples,
  }
}

function metricDelta(a: number, b: number, samples: Float64Array, confidence: number): MetricDelta {
  const unavailable = unavailableReason(samples)
  const ci = unavailable ? null : percentileInterval(samples, confidence)
  return {a, b, delta: b - a, [ciKey(confidence)]: ci, ci, confidence, resamples_used: definedCount(samples), ...(unavailable ? {ci_unavailable: unavailable} : {})} as MetricDelta
}

/**
 * How much better B is than A on `metric` (positive = better, whatever the metric's direction), and the
 * one-sided lower confidence bound of that gain at level `alpha`: the α-quantile of the resampled gains, i.e. the
 * lower end of the two-sided (1 − 2α) percentile interval. NaN, with the reason, when too few resamples define it.
 */
export function gainBound(result: ComparisonWithSamples, metric: ComparedMetric, alpha: number): {gain: number; lower: number; unavailable?: string} {
  const d = result.comparison.deltas[metric].delta
  const s = result.samples[metric]
  const unavailable = unavailableReason(s)
  if (unavailable) return {gain: lowerIsBetter(metric) ? -d : d, lower: Number.NaN, unavailable}
  return lowerIsBetter(metric) ? {gain: -d, lower: -quantile(s, 1 - alpha)} : {gain: d, lower: quantile(s, alpha)}
}
