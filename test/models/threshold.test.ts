import {describe, expect, it} from 'vitest'
import {loadParams} from '../../src/core/config/index.js'
import type {Params} from '../../src/core/config/params.js'
import {DataError} from '../../src/core/errors.js'
import {stratifiedFolds} from '../../src/core/experiments/folds.js'
import {csrFromRows} from '../../src/core/features/sparse.js'
import {bestThreshold, decideThreshold, outOfFoldScores} from '../../src/core/models/threshold.js'
import type {Reporter} from '../../src/core/reporter.js'
import {silentReporter} from '../../src/core/reporter.js'

const defaults = (await loadParams({cwd: '/nonexistent-dir', env: {}})).params
const withEvaluate = (evaluate: Partial<Params['evaluate']>, train: Partial<Params['train']> = {}): Params => ({
  ...defaults,
  train: {...defaults.train, ...train},
  evaluate: {...defaults.evaluate, ...evaluate},
})

describe('bestThreshold on hand-made out-of-fold scores', () => {
  // Six negatives at 0.05..0.30, then positive 0.35, positive 0.40, negative 0.45, positive 0.60.
  const scores = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.6]
  const labels = [0, 0, 0, 0, 0, 0, 1, 1, 0, 1]

  it('macro-F1: 0.30 (predicts the top four: class 1 F1 6/7, class 0 F1 12/13) beats every other cut', () => {
    // Other cuts by hand: 0.25 → (3/4 + 5/6)/2, 0.35 → (2/3 + 6/7)/2, 0.45 → (1/2 + 7/8)/2, 0.60 → (0 + 14/17)/2.
    const best = bestThreshold(labels, scores, 'macro_f1')
    expect(best.threshold).toBe(0.3)
    expect(best.score).toBeCloseTo((6 / 7 + 12 / 13) / 2, 12)
  })

  it('f1, accuracy and balanced accuracy pick 0.30 too, with their own values', () => {
    expect(bestThreshold(labels, scores, 'f1')).toEqual({threshold: 0.3, score: expect.closeTo(6 / 7, 12)})
    expect(bestThreshold(labels, scores, 'accuracy')).toEqual({threshold: 0.3, score: expect.closeTo(0.9, 12)})
    expect(bestThreshold(labels, scores, 'balanced_accuracy')).toEqual({threshold: 0.3, score: expect.closeTo((1 + 6 / 7) / 2, 12)})
  })

  it('breaks a tie by the threshold closest to 0.5', () => {
    // Accuracy 3/4 at both 0.1 (predicts 0.2, 0.7, 0.8 positive) and 0.7 (predicts 0.8): 0.7 is closer to 0.5.
    expect(bestThreshold([0, 1, 0, 1], [0.1, 0.2, 0.7, 0.8], 'accuracy')).toEqual({threshold: 0.7, score: 0.75})
  })

  it('treats equal scores as one candidate (predict positive only strictly above it)', () => {
    // Cuts: 0.9 → nothing positive (acc 2/4); 0.5 → the 0.9 row (3/4); a cut inside the 0.5 pair is impossible.
    expect(bestThreshold([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9], 'accuracy')).toEqual({threshold: 0.5, score: 0.75})
  })
})

describe('decideThreshold', () => {
  const X = csrFromRows([new Map([[0, 1]]), new Map([[1, 1]])], 2)
  const y = Int32Array.from([0, 1])

  it('stores a numeric evaluate.threshold as given', async () => {
    expect(await decideThreshold(X, y, 2, withEvaluate({threshold: 0.7}), {reporter: silentReporter})).toEqual({threshold: 0.7, source: 'fixed'})
  })

  it('multiclass: no threshold, and one warning when auto was asked for', async () => {
    const warnings: string[] = []
    const reporter: Reporter = {...silentReporter, warn: m => warnings.push(m)}
    expect(await decideThreshold(X, Int32Array.from([0, 2]), 3, withEvaluate({threshold: 'auto'}), {reporter})).toBeUndefined()
    expect(warnings).toEqual([expect.stringMatching(/two classes only/)])
  })

  it('refuses a class with fewer training rows than folds, naming the param', () => {
    expect(() => outOfFoldScores(X, y, withEvaluate({threshold: 'auto'}), 5, {reporter: silentReporter})).toThrow(DataError)
    expect(() => outOfFoldScores(X, y, withEvaluate({threshold: 'auto'}), 5, {reporter: silentReporter})).toThrow(/evaluate\.threshold_folds=5/)
  })

  it('scores every row with a model that never saw it: NB-LR ratios from the fold only (unique words carry nothing)', () => {
    // Each row has only its own word. A model fitted on a row (or NB ratios counted on it) would score it by
    // its label; fitted without it, its word is unseen (weight 0), so every row of a fold gets the same score.
    const n = 40
    const X1 = csrFromRows(Array.from({length: n}, (_, i) => new Map([[i, 1]])), n)
    const labels = Int32Array.from({length: n}, (_, i) => (i % 4 === 0 ? 1 : 0))
    const params = withEvaluate({threshold: 'auto'}, {algorithm: 'lr', lr: {...defaults.train.lr, nb_scale: true}})
    const scores = outOfFoldScores(X1, labels, params, 5, {reporter: silentReporter})
    const foldOf = stratifiedFolds(labels, 5, params.train.seed)
    for (let f = 0; f < 5; f++) {
      const inFold = Array.from(scores).filter((_, i) => foldOf[i] === f)
      for (const s of inFold) expect(s).toBeCloseTo(inFold[0], 9)
    }
    // A leaky fit (C = 30) would score each positive row near 1 by its own word.
    labels.forEach((label, i) => label === 1 && expect(scores[i]).toBeLessThan(0.5))
  })
})
