import {describe, expect, it} from 'vitest'
import {computeMetrics, type EvaluationInput} from '../../src/core/evaluation/index.js'
import {pairedBootstrapDeltas, percentileInterval, quantile} from '../../src/core/evaluation/bootstrap.js'
import {compareScored} from '../../src/core/evaluation/compare.js'
import {comparisonMarkdown, comparisonTable} from '../../src/core/evaluation/compare-format.js'
import {mcnemar, mcnemarExactP} from '../../src/core/evaluation/mcnemar.js'
import {scoreModel, weightedMetrics} from '../../src/core/evaluation/score.js'
import {checkSignificance} from '../../src/core/tracking/gate.js'
import {exactMcNemarP} from './mcnemar-oracle.js'

/** Standard normal upper tail by the Abramowitz–Stegun 26.2.17 polynomial (|error| < 7.5e-8). */
function normalUpperTail(z: number): number {
  const t = 1 / (1 + 0.2316419 * z)
  const poly = t * (0.31938153 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + t * 1.330274429))))
  return (Math.exp((-z * z) / 2) / Math.sqrt(2 * Math.PI)) * poly
}

/** Two binary models from per-text correctness: p(positive) 0.9 when the model says positive, 0.1 otherwise. */
function binaryModel(yTrue: number[], correct: boolean[], sure = 0.9): EvaluationInput {
  const proba = yTrue.flatMap((y, i) => {
    const saysPositive = correct[i] ? y === 1 : y === 0
    const p = saysPositive ? sure : 1 - sure
    return [1 - p, p]
  })
  return {yTrue: Int32Array.from(yTrue), proba: Float64Array.from(proba), nClasses: 2, classNames: ['negative', 'positive']}
}

describe("McNemar's exact test", () => {
  it('matches hand-computed binomial tails', () => {
    expect(mcnemarExactP(1, 9)).toBeCloseTo(2 * (1 + 10) / 1024, 15) // 0.021484375
    expect(mcnemarExactP(9, 1)).toBeCloseTo(0.021484375, 15)
    expect(mcnemarExactP(0, 5)).toBeCloseTo(2 / 32, 15)
    expect(mcnemarExactP(2, 8)).toBeCloseTo(2 * (1 + 10 + 45) / 1024, 15)
    expect(mcnemarExactP(0, 0)).toBe(1)
    expect(mcnemarExactP(4, 4)).toBe(1)
    expect(mcnemarExactP(3, 4)).toBe(1)
  })

  it('agrees with exact BigInt binomials where 2^n overflows a double (b + c = 5,000)', () => {
    for (const [b, c] of [[2400, 2600], [2450, 2550], [2300, 2700], [1000, 4000]]) {
      const p = mcnemarExactP(b, c)
      const oracle = exactMcNemarP(b, c)
      if (oracle > 0) expect(Math.abs(p - oracle) / oracle).toBeLessThan(1e-9)
      else expect(p).toBeLessThan(1e-300)
    }
  })

  it('approaches the continuity-corrected normal approximation for b + c in the tens of thousands', () => {
    // z = (|b − c| − 1) / √(b + c); two-sided p ≈ 2·(1 − Φ(z)).
    for (const [b, c] of [[40_000, 41_000], [20_000, 20_400]]) {
      const z = (Math.abs(b - c) - 1) / Math.sqrt(b + c)
      const approx = 2 * normalUpperTail(z)
      expect(Math.abs(mcnemarExactP(b, c) - approx) / approx).toBeLessThan(0.02)
    }
  })

  it('counts the discordant texts: b = only A right, c = only B right', () => {
    // One-sided: P(X ≥ 2 | 3, ½) = (3 + 1)/8.
    expect(mcnemar([1, 1, 0, 0, 1, 0], [1, 0, 1, 1, 1, 0])).toEqual({b: 1, c: 2, p: 1, p_one_sided: 0.5})
  })
})

describe('weighted metrics (the bootstrap scorer)', () => {
  const yTrue = [0, 1, 1, 0, 1, 0, 0, 1, 1, 0, 1, 1]
  const p1 = [0.2, 0.7, 0.4, 0.4, 0.9, 0.6, 0.1, 0.55, 0.4, 0.3, 0.8, 0.45]
  const input: EvaluationInput = {yTrue: Int32Array.from(yTrue), proba: Float64Array.from(p1.flatMap(p => [1 - p, p])), nClasses: 2, classNames: ['neg', 'pos']}

  it('with unit weights equals evaluate\'s metrics', () => {
    const m = weightedMetrics(scoreModel(input))
    const ref = computeMetrics(input)
    for (const key of ['accuracy', 'f1', 'roc_auc', 'log_loss'] as const) expect(m[key]).toBeCloseTo(ref[key], 12)
    // macro-F1 by hand: class pos TP 4 FP 1 FN 3 → F1 8/12; class neg TP 4 FP 3 FN 1 → F1 8/12.
    expect(m.macro_f1).toBeCloseTo(2 / 3, 12)
  })

  it('counts a text w times: equals the metrics of the data with that text repeated', () => {
    const w = [0, 2, 1, 3, 0, 1, 1, 0, 2, 1, 1, 0]
    const idx = w.flatMap((k, i) => Array<number>(k).fill(i))
    const expanded: EvaluationInput = {...input, yTrue: Int32Array.from(idx, i => yTrue[i]), proba: Float64Array.from(idx.flatMap(i => [1 - p1[i], p1[i]]))}
    const m = weightedMetrics(scoreModel(input), w)
    const ref = computeMetrics(expanded)
    for (const key of ['accuracy', 'f1', 'roc_auc', 'log_loss'] as const) expect(m[key]).toBeCloseTo(ref[key], 12)
  })

  it('ROC-AUC counts a tie between a positive and a negative as half', () => {
    // Pairs (pos, neg): 0.4 vs 0.1 → 1, 0.4 vs 0.4 → ½, 0.8 vs both → 2: 3.5 / 4.
    const tied: EvaluationInput = {yTrue: Int32Array.from([0, 0, 1, 1]), proba: Float64Array.from([0.9, 0.1, 0.6, 0.4, 0.6, 0.4, 0.2, 0.8]), nClasses: 2, classNames: ['a', 'b']}
    expect(weightedMetrics(scoreModel(tied)).roc_auc).toBe(0.875)
  })
})

describe('paired bootstrap', () => {
  it('takes percentiles the way numpy.percentile does (linear interpolation)', () => {
    expect(quantile([4, 1, 3, 2], 0.25)).toBe(1.75)
    // numpy.percentile([1..10], [5, 95]) = [1.45, 9.55]; NaN (an undefined resample) is left out.
    const [lo, hi] = percentileInterval([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, Number.NaN], 0.9)
    expect(lo).toBeCloseTo(1.45, 12)
    expect(hi).toBeCloseTo(9.55, 12)
  })

  it('identical models: every delta and every interval is exactly 0, p = 1', () => {
    const y = Array.from({length: 40}, (_, i) => i % 2)
    const correct = y.map((_, i) => i % 3 !== 0)
    const a = scoreModel(binaryModel(y, correct))
    const {comparison} = compareScored(a, scoreModel(binaryModel(y, correct)), {resamples: 500, seed: 1, confidence: 0.95})
    for (const d of Object.values(comparison.deltas)) expect([d.delta, ...d.ci95!]).toEqual([0, 0, 0])
    expect(comparison.mcnemar).toEqual({b: 0, c: 0, p: 1, p_one_sided: 1})
  })

  it('A always right, B always wrong: accuracy delta −1 in every resample', () => {
    const y = Array.from({length: 50}, (_, i) => i % 2)
    const a = scoreModel(binaryModel(y, y.map(() => true)))
    const b = scoreModel(binaryModel(y, y.map(() => false)))
    const {comparison} = compareScored(a, b, {resamples: 300, seed: 7, confidence: 0.95})
    expect(comparison.deltas.accuracy).toEqual({a: 1, b: 0, delta: -1, ci95: [-1, -1], ci: [-1, -1], confidence: 0.95, resamples_used: 300})
    expect(comparison.mcnemar.b).toBe(50)
    expect(comparison.mcnemar.p).toBeCloseTo(2 / 2 ** 50, 25)
  })

  it('two texts, each model right on one: deltas −1, 0, +1 with probabilities ¼, ½, ¼', () => {
    // Resampling 2 texts with replacement: both copies of text 0 (A's) → −1, one of each → 0, both of text 1 → +1.
    const a = scoreModel(binaryModel([0, 1], [true, false]))
    const b = scoreModel(binaryModel([0, 1], [false, true]))
    const deltas = pairedBootstrapDeltas(a, b, {resamples: 4000, seed: 3}).accuracy
    const share = (v: number) => deltas.filter(d => d === v).length / deltas.length
    expect(share(-1)).toBeCloseTo(0.25, 1)
    expect(share(0)).toBeCloseTo(0.5, 1)
    expect(share(1)).toBeCloseTo(0.25, 1)
    expect(share(-1) + share(0) + share(1)).toBe(1)
    expect(percentileInterval(deltas, 0.95)).toEqual([-1, 1])
  })

  it('a stable `ci` and `confidence` next to the key named after the confidence (ci90 at 0.90)', () => {
    const y = Array.from({length: 60}, (_, i) => i % 2)
    const a = scoreModel(binaryModel(y, y.map((_, i) => i % 4 !== 0)))
    const b = scoreModel(binaryModel(y, y.map((_, i) => i % 5 !== 0)))
    const {comparison} = compareScored(a, b, {resamples: 200, seed: 5, confidence: 0.9})
    const d = comparison.deltas.accuracy
    expect(d.confidence).toBe(0.9)
    expect(d.ci).toEqual(d.ci90)
    expect(d.ci).toEqual(percentileInterval(pairedBootstrapDeltas(a, b, {resamples: 200, seed: 5}).accuracy, 0.9))
  })

  it('counts the resamples that define each metric; below 90% the interval is not available, with the reason', () => {
    // 4 texts, one positive: a resample misses it with probability (3/4)^4 ≈ 0.32, leaving roc_auc and f1
    // undefined there, while accuracy is defined in every resample.
    const y = [0, 0, 0, 1]
    const a = scoreModel(binaryModel(y, [true, true, false, true]))
    const b = scoreModel(binaryModel(y, [true, false, true, true]))
    const samples = pairedBootstrapDeltas(a, b, {resamples: 1000, seed: 9})
    const definedAuc = Array.from(samples.roc_auc).filter(Number.isFinite).length
    expect(definedAuc / 1000).toBeGreaterThan(0.6)
    expect(definedAuc / 1000).toBeLessThan(0.75)
    const {comparison} = compareScored(a, b, {resamples: 1000, seed: 9, confidence: 0.95})
    expect(comparison.deltas.accuracy).toMatchObject({resamples_used: 1000, ci: expect.any(Array)})
    expect(comparison.deltas.roc_auc).toMatchObject({resamples_used: definedAuc, ci: null, ci95: null})
    expect(comparison.deltas.roc_auc.ci_unavailable).toBe(`only ${definedAuc} of 1000 resamples define it (fewer than 90%; a resample with a single class leaves it undefined)`)
    const lines = comparisonTable(comparison)
    expect(lines.find(l => l.startsWith('roc_auc'))).toMatch(/ n\/a$/)
    expect(lines).toContain(`roc_auc: no interval: only ${definedAuc} of 1000 resamples define it (fewer than 90%; a resample with a single class leaves it undefined)`)
    // The gate does not pass on an interval it cannot compute, and says why.
    const check = checkSignificance({against: 'models:/s@champion', metric: 'roc_auc', alpha: 0.05, minDelta: -0.5, result: compareScored(a, b, {resamples: 1000, seed: 9, confidence: 0.95})})
    expect(check.passed).toBe(false)
    expect(check.message).toContain('lower bound of the gain not available: only')
  })

  it('is reproducible with the same seed and differs with another', () => {
    const y = Array.from({length: 60}, (_, i) => i % 2)
    const a = scoreModel(binaryModel(y, y.map((_, i) => i % 4 !== 0)))
    const b = scoreModel(binaryModel(y, y.map((_, i) => i % 5 !== 0)))
    const run = (seed: number) => Array.from(pairedBootstrapDeltas(a, b, {resamples: 200, seed}).accuracy)
    expect(run(42)).toEqual(run(42))
    expect(run(42)).not.toEqual(run(43))
  })
})

describe('significance gate (A = reference, B = candidate)', () => {
  /** n texts both models get right, plus `onlyA` texts only the reference gets and `onlyB` only the candidate. */
  function pair(n: number, onlyA: number, onlyB: number) {
    const y = Array.from({length: n}, (_, i) => i % 2)
    const a = y.map((_, i) => i >= onlyB)
    const b = y.map((_, i) => i < onlyB || i >= onlyB + onlyA)
    return compareScored(scoreModel(binaryModel(y, a)), scoreModel(binaryModel(y, b)), {resamples: 2000, seed: 42, confidence: 0.95})
  }
  const gate = (result: ReturnType<typeof pair>, alpha: number, minDelta: number, metric: 'accuracy' | 'f1' = 'accuracy') =>
    checkSignificance({against: 'models:/sentiment@champion', againstVersion: '1', metric, alpha, minDelta, result})

  it('accuracy: McNemar\'s one-sided exact test, p = P(X ≥ c | b + c, ½) < α (b = 1, c = 9 → 11/1024)', () => {
    const result = pair(100, 1, 9)
    // P(X ≥ 9 | 10, ½) = (C(10,9) + C(10,10)) / 2^10 = 11/1024; two-sided 2 · 11/1024.
    expect(result.comparison.mcnemar).toEqual({b: 1, c: 9, p: expect.closeTo(22 / 1024, 12), p_one_sided: expect.closeTo(11 / 1024, 12)})
    expect(gate(result, 0.05, 0)).toMatchObject({passed: true, mode: 'superiority'})
    // One-sided at α like the other metrics: 0.0107 < 0.02 passes (the two-sided p, 0.0215, would not).
    const atTwoPercent = gate(result, 0.02, 0)
    expect(atTwoPercent.passed).toBe(true)
    expect(atTwoPercent.message).toContain("McNemar's exact one-sided test p = P(X ≥ 9 | 10, ½) = 0.0107 (only the candidate right on 9 texts, only the reference on 1) < α = 0.02")
    const strict = gate(result, 0.01, 0)
    expect(strict.passed).toBe(false)
    expect(strict.message).toContain('= 0.0107 (only the candidate right on 9 texts, only the reference on 1) ≥ α = 0.01: not significant')
    // b = 3, c = 12: (C(15,12) + C(15,13) + C(15,14) + C(15,15)) / 2^15 = 576/32768 = 0.017578125.
    expect(pair(100, 3, 12).comparison.mcnemar.p_one_sided).toBeCloseTo(576 / 32768, 12)
    // In the reference's favour: P(X ≥ 1 | 10, ½) = 1023/1024, far from significant.
    const worse = gate(pair(100, 9, 1), 0.05, 0)
    expect(worse.passed).toBe(false)
    expect(worse.comparison!.mcnemar.p_one_sided).toBeCloseTo(1023 / 1024, 12)
  })

  it('states the bound as one-sided (1 − α) = the lower end of the (1 − 2α) interval', () => {
    expect(gate(pair(200, 2, 40), 0.05, 0, 'f1').message).toMatch(/one-sided 95% lower bound of the gain \(lower end of the 90% paired-bootstrap interval\) \+0\.\d{4} > min-delta \+0\.0000 \(at α = 0\.05\)/)
  })

  it('non-inferiority: the (1 − 2α) lower bound of the gain must clear the margin', () => {
    // Gain per text: −1 on 9, +1 on 1, 0 on 90 → mean −0.08, sd of the mean √((0.1 − 0.0064)/100) ≈ 0.031,
    // so the 90% lower bound is near −0.08 − 1.645·0.031 ≈ −0.13: a margin of −0.2 passes, −0.1 does not.
    const result = pair(100, 9, 1)
    const loose = gate(result, 0.05, -0.2)
    expect(loose).toMatchObject({passed: true, mode: 'non-inferiority', gain: expect.closeTo(-0.08, 12)})
    expect(loose.lowerBound!).toBeGreaterThan(-0.17)
    expect(loose.lowerBound!).toBeLessThan(-0.1)
    expect(gate(result, 0.05, -0.1).passed).toBe(false)
  })

  it('other metrics: the one-sided lower bound of the gain must exceed min-delta', () => {
    expect(gate(pair(200, 2, 40), 0.05, 0, 'f1').passed).toBe(true)
    expect(gate(pair(200, 10, 12), 0.05, 0, 'f1').passed).toBe(false)
  })

  it('passes when nothing holds the reference yet', () => {
    expect(checkSignificance({against: 'models:/x@champion', metric: 'accuracy', alpha: 0.05, minDelta: 0})).toMatchObject({passed: true, message: 'no model at models:/x@champion yet: nothing to beat'})
  })

  it('renders a Markdown table with one row per metric, naming the data, its md5 and n', () => {
    const md = comparisonMarkdown(pair(100, 1, 9).comparison, {a: 'models:/s/1', b: 'models/model'}, {source: 'golden.csv', md5: 'd41d8cd98f00b204e9800998ecf8427e'}).split('\n')
    expect(md[0]).toBe('**A** = `models:/s/1`, **B** = `models/model` on `golden.csv` (md5 `d41d8cd98f00b204e9800998ecf8427e`, 100 texts)')
    expect(md).toContain('| metric | A | B | delta (B − A) | 95% CI |')
    expect(md.filter(l => /^\| (accuracy|f1|roc_auc|macro_f1|log_loss)/.test(l))).toHaveLength(5)
    // A right on 91 of 100 texts, B on 99.
    expect(md.find(l => l.startsWith('| accuracy'))).toMatch(/^\| accuracy \| 0\.9100 \| 0\.9900 \| \+0\.0800 \| \[\+0\.\d{4}, \+0\.\d{4}\] \|$/)
  })
})
