/**
 * Promotion gates: threshold rules on a candidate's metrics (`f1>=0.80`) and a comparison against the model
 * currently holding an alias or stage (`--against models:/sentiment@champion --min-delta 0.005`).
 * Pure functions: registerModel gathers the metrics and acts on the verdict.
 */
import {UsageError} from '../errors.js'
import {gainBound, type ComparisonWithSamples, type ModelComparison} from '../evaluation/compare.js'
import {comparisonTable, num, pValue, signed} from '../evaluation/compare-format.js'
import {COMPARED_METRICS, lowerIsBetter, type ComparedMetric} from '../evaluation/score.js'

export const GATE_OPS = ['>=', '<=', '==', '>', '<'] as const
export type GateOp = (typeof GATE_OPS)[number]

export interface Gate {
  metric: string
  op: GateOp
  threshold: number
  /** The rule as written, normalized: `f1>=0.8`. */
  rule: string
}

/** Metric names as MLflow keys allow them minus the operators: letters, digits, `_`, `.`, `/`, `-`. */
const RULE = /^\s*([A-Za-z_][\w./-]*)\s*(>=|<=|==|>|<)\s*([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*$/

export function parseGate(rule: string): Gate {
  const m = RULE.exec(String(rule))
  if (!m) {
    throw new UsageError(`invalid gate rule '${rule}': expected METRIC OP NUMBER with OP one of >=, >, <=, <, == (e.g. "f1>=0.80")`)
  }
  const [, metric, op, value] = m
  const threshold = Number(value)
  return {metric, op: op as GateOp, threshold, rule: `${metric}${op}${threshold}`}
}

export function compare(actual: number, op: GateOp, expected: number): boolean {
  switch (op) {
    case '>=': return actual >= expected
    case '>': return actual > expected
    case '<=': return actual <= expected
    case '<': return actual < expected
    case '==': return actual === expected
  }
}

export interface GateCheck {
  kind: 'threshold'
  rule: string
  metric: string
  actual: number
  expected: number
  passed: boolean
  message: string
}

export interface ComparisonCheck {
  kind: 'comparison'
  against: string
  /** The version holding the reference now; undefined when there is none yet (the check then passes). */
  againstVersion?: string
  metric: string
  candidate: number
  reference?: number
  minDelta: number
  higherIsBetter: boolean
  passed: boolean
  message: string
}

/** The paired-significance comparison with --against on labeled data (register --data --significance). */
export interface SignificanceCheck {
  kind: 'significance'
  against: string
  againstVersion?: string
  metric: ComparedMetric
  /** Significance level α. */
  alpha: number
  minDelta: number
  /** minDelta ≥ 0: the candidate must be better; < 0: not worse than the margin. */
  mode: 'superiority' | 'non-inferiority'
  /** Candidate minus reference in the better direction (for log_loss: reference − candidate). */
  gain?: number
  /** One-sided (1 − α) lower confidence bound of the gain (the lower end of the (1 − 2α) percentile interval); NaN when not available. */
  lowerBound?: number
  /** A = the reference, B = the candidate. */
  comparison?: ModelComparison
  passed: boolean
  message: string
  /** The comparison table, for a person reading the verdict. */
  figures: string[]
}

export type Check = GateCheck | ComparisonCheck | SignificanceCheck

export function checkThresholds(gates: Gate[], metrics: Record<string, number>): GateCheck[] {
  return gates.map(g => {
    const actual = metrics[g.metric]
    const passed = compare(actual, g.op, g.threshold)
    return {
      kind: 'threshold', rule: g.rule, metric: g.metric, actual, expected: g.threshold, passed,
      message: passed ? `${g.metric} = ${fmt(actual)} passes ${g.rule}` : `gate ${g.rule} failed: ${g.metric} is ${fmt(actual)}, required ${g.op} ${fmt(g.threshold)}`,
    }
  })
}

export interface ComparisonInput {
  against: string
  againstVersion?: string
  metric: string
  candidate: number
  reference?: number
  minDelta: number
  higherIsBetter: boolean
}

/** The candidate must beat the reference by at least `minDelta` in the better direction (ties pass at 0). */
export function checkComparison(input: ComparisonInput): ComparisonCheck {
  const {against, againstVersion, metric, candidate, reference, minDelta, higherIsBetter} = input
  if (reference === undefined) {
    return {kind: 'comparison', ...input, passed: true, message: `no model at ${against} yet: nothing to beat`}
  }
  const gain = higherIsBetter ? candidate - reference : reference - candidate
  // Rounding noise (0.1 + 0.2) must not turn an exact min-delta improvement into a rejection.
  const passed = gain >= minDelta - 1e-12
  const refLabel = `${against}${againstVersion ? ` (version ${againstVersion})` : ''}`
  const sign = gain >= 0 ? '+' : ''
  const message = passed
    ? `${metric} ${fmt(candidate)} vs ${fmt(reference)} of ${refLabel}: ${sign}${fmt(gain)} ≥ min-delta ${fmt(minDelta)}`
    : `gate against ${refLabel} failed: ${metric} is ${fmt(candidate)}, ${refLabel} has ${fmt(reference)} (${sign}${fmt(gain)}, ${higherIsBetter ? 'needs' : 'needs a drop of'} at least ${higherIsBetter ? '+' : ''}${fmt(minDelta)})`
  return {kind: 'comparison', ...input, passed, message}
}

export interface SignificanceInput {
  against: string
  againstVersion?: string
  metric: ComparedMetric
  alpha: number
  minDelta: number
  /** Reference as A, candidate as B; undefined when nothing holds the reference yet (the check passes). */
  result?: ComparisonWithSamples
}

export function isComparedMetric(metric: string): metric is ComparedMetric {
  return (COMPARED_METRICS as readonly string[]).includes(metric)
}

/**
 * The gate that is not fooled by noise: one-sided tests at level α, all of them. With gain = how much better the
 * candidate is (B − A; A − B for log_loss) and L its one-sided (1 − α) lower confidence bound from the paired
 * bootstrap (the lower end of the two-sided (1 − 2α) percentile interval):
 * - superiority (min_delta ≥ 0): on accuracy, McNemar's exact one-sided test, p = P(X ≥ c | b + c, 1/2) < α
 *   (and L > min_delta when min_delta > 0); on the other metrics L > min_delta;
 * - non-inferiority (min_delta < 0): L > min_delta, i.e. the candidate is at most |min_delta| worse, at level α.
 */
export function checkSignificance(input: SignificanceInput): SignificanceCheck {
  const {against, againstVersion, metric, alpha, minDelta, result} = input
  const mode: SignificanceCheck['mode'] = minDelta < 0 ? 'non-inferiority' : 'superiority'
  const base = {kind: 'significance' as const, against, againstVersion, metric, alpha, minDelta, mode}
  if (!result) return {...base, passed: true, message: `no model at ${against} yet: nothing to beat`, figures: []}
  const {comparison} = result
  const {gain, lower, unavailable} = gainBound(result, metric, alpha)
  const {b, c, p_one_sided: p} = comparison.mcnemar
  const refLabel = `${against}${againstVersion ? ` (version ${againstVersion})` : ''}`
  const pct = (x: number) => `${Number((x * 100).toFixed(4))}%`
  const d = comparison.deltas[metric]
  const direction = lowerIsBetter(metric) ? ', lower is better' : ''
  const head = `${metric} ${num(d.b)} vs ${num(d.a)} of ${refLabel} on ${comparison.n} texts (gain ${signed(gain)}${direction}`
  const bound = unavailable
    ? `one-sided ${pct(1 - alpha)} lower bound of the gain not available: ${unavailable}`
    : `one-sided ${pct(1 - alpha)} lower bound of the gain (lower end of the ${pct(1 - 2 * alpha)} paired-bootstrap interval) ${signed(lower)}`
  const boundOk = lower > minDelta
  const versus = (what: string) => (unavailable ? '' : ` ${boundOk ? '>' : '≤'} ${what} ${signed(minDelta)}`)
  let passed: boolean
  let why: string
  if (mode === 'non-inferiority') {
    passed = boundOk
    why = `${bound}${versus('margin')} (non-inferiority at α = ${alpha})`
  } else if (metric === 'accuracy') {
    const mcnemarOk = p < alpha
    passed = mcnemarOk && (minDelta === 0 || boundOk)
    why = `McNemar's exact one-sided test p = P(X ≥ ${c} | ${b + c}, ½) = ${pValue(p)} (only the candidate right on ${c} texts, only the reference on ${b}) ${mcnemarOk ? '<' : '≥'} α = ${alpha}${mcnemarOk ? '' : ': not significant'}`
    if (minDelta > 0) why += `; ${bound}${versus('min-delta')}`
  } else {
    passed = boundOk
    why = `${bound}${versus('min-delta')} (at α = ${alpha})`
  }
  const message = passed ? `${head}): ${why}` : `gate against ${refLabel} failed: ${head}): ${why}`
  const figures = ['A = the reference, B = the candidate', ...comparisonTable(comparison)]
  return {...base, gain, lowerBound: lower, comparison, passed, message, figures}
}

/** A rule whose operator is < or <= means "lower is better" (losses, error rates). */
export function higherIsBetter(gate: Gate | undefined): boolean {
  return !(gate && (gate.op === '<' || gate.op === '<='))
}

function fmt(n: number): string {
  if (n === undefined || Number.isNaN(n)) return 'NaN'
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)))
}
