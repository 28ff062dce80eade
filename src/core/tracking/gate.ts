/**
 * Promotion gates: threshold rules on a candidate's metrics (`f1>=0.80`) and a comparison against the model
 * currently holding an alias or stage (`--against models:/sentiment@champion --min-delta 0.005`).
 * Pure functions: registerModel gathers the metrics and acts on the verdict.
 */
import {UsageError} from '../errors.js'

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

export type Check = GateCheck | ComparisonCheck

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

/** A rule whose operator is < or <= means "lower is better" (losses, error rates). */
export function higherIsBetter(gate: Gate | undefined): boolean {
  return !(gate && (gate.op === '<' || gate.op === '<='))
}

function fmt(n: number): string {
  if (n === undefined || Number.isNaN(n)) return 'NaN'
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)))
}
