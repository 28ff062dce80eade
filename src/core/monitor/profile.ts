import type {Bundle, Prediction} from '../bundle/types.js'
import {binOf} from './psi.js'

/** The per-text signals whose distributions are profiled and compared with PSI. */
export type SignalName = 'text_length' | 'token_count' | 'oov_rate' | 'score'
export const SIGNAL_NAMES: readonly SignalName[] = ['text_length', 'token_count', 'oov_rate', 'score']

/** Quantile bins of the reference data: bins (-inf, e0], (e0, e1], …, (e_last, +inf) (see binOf) and their shares. */
export interface SignalProfile {
  /** Ascending, distinct. */
  edges: number[]
  /** edges.length + 1 shares of the reference texts per bin, summing to 1. */
  shares: number[]
}

/**
 * What "normal" looked like on the test split, stored in bundle.json: the reference of `sentiops drift` and of
 * serve's live drift metrics.
 */
export interface TrainingProfile {
  version: 1
  /** Texts profiled. */
  n: number
  signals: Record<SignalName, SignalProfile>
  /** Out-of-vocabulary words / all words, over all texts. */
  oovShare: number
  /** Predicted class → share of the texts. */
  classMix: Record<string, number>
  /** True class → share of the texts (when the rows had labels). */
  labelMix?: Record<string, number>
  /** Share of texts predicted right (when the rows had labels). */
  accuracy?: number
}

/** Bins per signal before deduplication (deciles). */
export const PROFILE_BINS = 10

/**
 * THE per-text signal values, used offline (`drift`, the profile) and by serve:
 * - text_length: length of the raw text in UTF-16 code units (JavaScript's `text.length`, what serve's
 *   max_text_length also counts);
 * - token_count: words after preprocessing;
 * - oov_rate: words in no vocabulary term / words, 0 for a text with no words (nothing unknown in it);
 * - score: with two classes, P(class 1) (keeps the direction: a shift towards class 0 shows), else the largest
 *   class probability (the model's confidence).
 */
export function signalValues(text: string, tokens: number, unknown: number, prediction: Prediction, classNames: readonly string[]): Record<SignalName, number> {
  return {
    text_length: text.length,
    token_count: tokens,
    oov_rate: tokens > 0 ? unknown / tokens : 0,
    score: scoreSignal(prediction, classNames),
  }
}

function scoreSignal(prediction: Prediction, classNames: readonly string[]): number {
  if (classNames.length === 2) return prediction.probabilities[classNames[1]!] ?? 0
  let max = 0
  for (const name of classNames) max = Math.max(max, prediction.probabilities[name] ?? 0)
  return max
}

/**
 * Deciles of `values` as bin edges (the lower i/bins quantile, the sorted value at ceil(i·n/bins) − 1, for
 * i = 1 … bins−1), repeated edges dropped (discrete values: one bin per value), with the shares of `values` per bin.
 * An edge equal to the largest value is dropped too, so the top bin is never empty: every reference bin has a
 * share PSI can compare with, and values beyond the profiled range fall in the top bin.
 */
export function quantileProfile(values: ArrayLike<number>, bins = PROFILE_BINS): SignalProfile {
  const n = values.length
  if (n === 0) return {edges: [], shares: [1]}
  const sorted = Float64Array.from(values).sort()
  const edges: number[] = []
  for (let i = 1; i < bins; i++) {
    const edge = sorted[Math.ceil((i * n) / bins) - 1]!
    if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge)
  }
  if (edges[edges.length - 1] === sorted[n - 1]) edges.pop()
  const counts = new Array<number>(edges.length + 1).fill(0)
  for (let i = 0; i < n; i++) counts[binOf(edges, sorted[i]!)]++
  return {edges, shares: counts.map(c => c / n)}
}

/** Shares of each name in `names` (0 for names that never occur). */
export function mix(counts: ReadonlyArray<number>, names: readonly string[]): Record<string, number> {
  const total = counts.reduce((a, b) => a + b, 0)
  return Object.fromEntries(names.map((name, c) => [name, total > 0 ? counts[c]! / total : 0]))
}

/**
 * Profiles the raw test-split texts through the bundle (the serving path): one prediction pass, whose
 * preprocessing also yields the word and unknown-word counts.
 */
export function buildTrainingProfile(bundle: Bundle, rows: ReadonlyArray<{text: string; label: number}>): TrainingProfile {
  const classNames = bundle.meta.classNames
  const texts = rows.map(r => r.text)
  const {predictions, signals} = bundle.predictWithSignals(texts)
  const n = rows.length
  const columns: Record<SignalName, Float64Array> = {text_length: new Float64Array(n), token_count: new Float64Array(n), oov_rate: new Float64Array(n), score: new Float64Array(n)}
  const predicted = new Array<number>(classNames.length).fill(0)
  const actual = new Array<number>(classNames.length).fill(0)
  let tokens = 0
  let unknown = 0
  let right = 0
  for (let i = 0; i < n; i++) {
    const values = signalValues(texts[i]!, signals.tokens[i]!, signals.unknown[i]!, predictions[i]!, classNames)
    for (const name of SIGNAL_NAMES) columns[name][i] = values[name]
    tokens += signals.tokens[i]!
    unknown += signals.unknown[i]!
    const p = classNames.indexOf(predictions[i]!.label)
    predicted[p]++
    actual[rows[i]!.label]++
    if (p === rows[i]!.label) right++
  }
  return {
    version: 1,
    n,
    signals: Object.fromEntries(SIGNAL_NAMES.map(name => [name, quantileProfile(columns[name])])) as Record<SignalName, SignalProfile>,
    oovShare: tokens > 0 ? unknown / tokens : 0,
    classMix: mix(predicted, classNames),
    ...(n > 0 ? {labelMix: mix(actual, classNames), accuracy: right / n} : {}),
  }
}
