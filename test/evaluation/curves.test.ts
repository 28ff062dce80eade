import {describe, expect, it} from 'vitest'
import {BugError, DataError} from '../../src/core/errors.js'
import {averagePrecision, precisionRecallCurve, rocAuc, rocCurve} from '../../src/core/evaluation/index.js'

/** Mann-Whitney: P(score of a positive > score of a negative) + half the ties, the definition the ROC area must equal. */
function pairwiseAuc(y: number[], s: number[]): number {
  let wins = 0
  let pairs = 0
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 1) continue
    for (let j = 0; j < y.length; j++) {
      if (y[j] !== 0) continue
      pairs++
      wins += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0
    }
  }
  return wins / pairs
}

function lcg(seed: number): () => number {
  let s = seed
  return () => {
    s = (s * 16_807) % 2_147_483_647
    return s / 2_147_483_647
  }
}

describe('rocCurve (sklearn roc_curve, drop_intermediate=True)', () => {
  it('reproduces the sklearn docs example', () => {
    // roc_curve([1, 1, 2, 2], [0.1, 0.4, 0.35, 0.8], pos_label=2)
    const curve = rocCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    expect(curve.fpr).toEqual([0, 0, 0.5, 0.5, 1])
    expect(curve.tpr).toEqual([0, 0.5, 0.5, 1, 1])
    expect(curve.threshold).toEqual([1.8, 0.8, 0.4, 0.35, 0.1])
  })

  it('drops collinear points like sklearn (its test_roc_curve_drop_intermediate cases)', () => {
    expect(rocCurve([0, 0, 0, 0, 1, 1], [0, 0.2, 0.5, 0.6, 0.7, 1]).threshold).toEqual([2, 1, 0.7, 0])
    const curve = rocCurve([0, 0, 0, 0, 0, 1, 1, 1, 1, 1], [0, 0.1, 0.6, 0.6, 0.7, 0.8, 0.9, 0.6, 0.7, 0.8])
    expect(curve.threshold.map(t => Number(t.toFixed(12)))).toEqual([1.9, 0.9, 0.8, 0.7, 0.6, 0])
    expect(curve.fpr).toEqual([0, 0, 0, 0.2, 0.6, 1])
    expect(curve.tpr).toEqual([0, 0.2, 0.6, 0.8, 1, 1])
  })

  it('merges tied scores into one point and drops a tie point that lies on a straight segment', () => {
    // Distinct scores 0.9 (1 pos), 0.6 (1 pos + 1 neg), 0.2 (1 pos + 1 neg): the 0.6 point is collinear.
    const curve = rocCurve([0, 1, 1, 0, 1], [0.2, 0.2, 0.6, 0.6, 0.9])
    expect(curve.fpr).toEqual([0, 0, 1])
    expect(curve.tpr).toEqual([0, 1 / 3, 1])
    expect(curve.threshold).toEqual([1.9, 0.9, 0.2])
  })

  it('gives NaN rates for a class that y does not contain, as sklearn does (with its warning)', () => {
    const onlyPositives = rocCurve([1, 1, 1], [0.1, 0.5, 0.9])
    expect(onlyPositives.fpr.every(Number.isNaN)).toBe(true)
    expect(onlyPositives.tpr).toEqual([0, 1 / 3, 1])
    expect(rocCurve([0, 0], [0.3, 0.1]).tpr.every(Number.isNaN)).toBe(true)
  })

  it('accepts any finite scores, negative decision values included', () => {
    const curve = rocCurve([0, 1, 0, 1], [-2.5, 3, -0.5, 0.25])
    expect(curve.threshold[0]).toBe(4)
    expect(curve.tpr.at(-1)).toBe(1)
  })
})

describe('rocAuc (sklearn roc_auc_score)', () => {
  it('reproduces the sklearn docs value 0.75', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75)
  })

  it('counts a tie between a positive and a negative as one half', () => {
    expect(rocAuc([0, 1, 1, 0, 1], [0.2, 0.2, 0.6, 0.6, 0.9])).toBeCloseTo(2 / 3, 15)
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5])).toBe(0.5)
  })

  it('equals the pairwise (Mann-Whitney) probability on random scores with many ties', () => {
    const rand = lcg(2024)
    for (let trial = 0; trial < 20; trial++) {
      const n = 20 + Math.floor(rand() * 200)
      const y = Array.from({length: n}, () => (rand() < 0.4 ? 1 : 0))
      y[0] = 0
      y[1] = 1
      const s = y.map(label => Math.round((rand() + label * 0.3) * 8) / 8)
      expect(rocAuc(y, s)).toBeCloseTo(pairwiseAuc(y, s), 12)
    }
  })

  it('is NaN where sklearn raises: only one class present in y', () => {
    expect(rocAuc([1, 1, 1], [0.2, 0.4, 0.9])).toBeNaN()
    expect(rocAuc([0], [0.5])).toBeNaN()
  })
})

describe('precisionRecallCurve and averagePrecision (sklearn)', () => {
  it('reproduces the sklearn docs example', () => {
    const curve = precisionRecallCurve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    expect(curve.precision).toEqual([0.5, 2 / 3, 0.5, 1, 1])
    expect(curve.recall).toEqual([1, 1, 0.5, 0.5, 0])
    expect(curve.threshold).toEqual([0.1, 0.35, 0.4, 0.8])
    expect(averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(5 / 6, 15)
  })

  it('sets recall to 1 and average precision to 0 when y has no positives', () => {
    const curve = precisionRecallCurve([0, 0, 0], [0.1, 0.5, 0.9])
    expect(curve.precision).toEqual([0, 0, 0, 1])
    expect(curve.recall).toEqual([1, 1, 1, 0])
    expect(averagePrecision([0, 0, 0], [0.1, 0.5, 0.9])).toBe(0)
  })

  it('weights each precision by the recall gained at its threshold', () => {
    // Scores descending: 0.9 (+), 0.7 (+), 0.6 (-), 0.4 (+): AP = 1/3·1 + 1/3·1 + 1/3·3/4.
    expect(averagePrecision([0, 0, 1, 1, 1, 0], [0.2, 0.6, 0.7, 0.4, 0.9, 0.1])).toBeCloseTo(11 / 12, 15)
  })
})

describe('curve input checks', () => {
  it('names the bad label or score and its index', () => {
    expect(() => rocCurve([0, 2], [0.1, 0.2])).toThrow(new DataError('rocCurve: label at index 1 is 2; a binary curve needs labels 0 or 1'))
    expect(() => rocAuc([0, 1], [0.1, Number.NaN])).toThrow(new DataError('rocAuc: score at index 1 is NaN; scores must be finite numbers'))
    expect(() => precisionRecallCurve([], [])).toThrow(DataError)
  })

  it('treats arrays of different lengths as a caller bug', () => {
    expect(() => rocCurve([0, 1, 1], [0.1, 0.2])).toThrow(BugError)
  })
})
