/**
 * Paired bootstrap of metric differences: every resample draws n texts with replacement (seeded), and BOTH
 * models are scored on those same texts, so the text-to-text variation they share cancels out of the delta.
 */
import {mulberry32} from '../data/split.js'
import {BugError} from '../errors.js'
import {COMPARED_METRICS, weightedMetrics, type ComparedMetric, type ScoredModel} from './score.js'

export interface BootstrapOptions {
  resamples: number
  seed: number
}

/** Per metric, the resampled deltas B − A (NaN where a resample leaves the metric undefined, e.g. one class only). */
export function pairedBootstrapDeltas(a: ScoredModel, b: ScoredModel, options: BootstrapOptions): Record<ComparedMetric, Float64Array> {
  if (a.n !== b.n) throw new BugError(`pairedBootstrapDeltas: the models were scored on ${a.n} and ${b.n} texts`)
  const {n} = a
  const out = Object.fromEntries(COMPARED_METRICS.map(m => [m, new Float64Array(options.resamples)])) as Record<ComparedMetric, Float64Array>
  const random = mulberry32(options.seed)
  const weights = new Uint32Array(n)
  for (let r = 0; r < options.resamples; r++) {
    weights.fill(0)
    for (let j = 0; j < n; j++) weights[Math.floor(random() * n)]++
    const ma = weightedMetrics(a, weights)
    const mb = weightedMetrics(b, weights)
    for (const m of COMPARED_METRICS) out[m][r] = mb[m] - ma[m]
  }
  return out
}

/**
 * The q-quantile (0 ≤ q ≤ 1) of the finite values, interpolated linearly between order statistics
 * (numpy.percentile's default). NaN when there is no finite value.
 */
export function quantile(values: ArrayLike<number>, q: number): number {
  const sorted = Float64Array.from(Array.prototype.filter.call(values, (v: number) => Number.isFinite(v)) as number[]).sort()
  if (sorted.length === 0) return Number.NaN
  const pos = q * (sorted.length - 1)
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo)
}

/** Below this share of resamples where a metric is defined, its interval is reported as not available. */
export const MIN_DEFINED_SHARE = 0.9

/** How many resamples define the metric (a resample with one class only leaves roc_auc and f1 undefined). */
export function definedCount(values: ArrayLike<number>): number {
  let n = 0
  for (let i = 0; i < values.length; i++) if (Number.isFinite(values[i])) n++
  return n
}

/**
 * Why an interval over these resamples is not reported, or undefined when it is: the quantiles of the defined
 * resamples alone would describe a different sampling distribution when many are undefined.
 */
export function unavailableReason(values: ArrayLike<number>): string | undefined {
  const used = definedCount(values)
  if (values.length > 0 && used >= MIN_DEFINED_SHARE * values.length) return undefined
  return `only ${used} of ${values.length} resamples define it (fewer than ${MIN_DEFINED_SHARE * 100}%; a resample with a single class leaves it undefined)`
}

/** The two-sided percentile interval at `confidence` (0.95 → the 2.5% and 97.5% quantiles). */
export function percentileInterval(values: ArrayLike<number>, confidence: number): [number, number] {
  const tail = (1 - confidence) / 2
  return [quantile(values, tail), quantile(values, 1 - tail)]
}
