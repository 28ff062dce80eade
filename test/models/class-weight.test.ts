import {spawnSync} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {loadParams} from '../../src/core/config/index.js'
import type {TrainParams} from '../../src/core/config/params.js'
import {ConfigError} from '../../src/core/errors.js'
import {csrFromRows, toDense, type CsrMatrix} from '../../src/core/features/sparse.js'
import {balancedSampleWeights, fitClassifier} from '../../src/core/models/index.js'
import type {Reporter} from '../../src/core/reporter.js'
import {silentReporter} from '../../src/core/reporter.js'

const defaults = (await loadParams({cwd: '/nonexistent-dir', env: {}})).params.train
const ctx = {seed: 3, reporter: silentReporter}
const balanced = (over: Partial<TrainParams>): TrainParams => ({...defaults, class_weight: 'balanced', ...over})

/** 9 negatives, 3 positives, 3 overlapping dense features (not separable, so the optimum is finite). */
function imbalancedData(): {X: CsrMatrix; y: Int32Array; dense: number[][]} {
  const dense: number[][] = []
  const y: number[] = []
  for (let i = 0; i < 12; i++) {
    const positive = i % 4 === 0
    dense.push([positive ? 1 + (i % 3) : (i % 5) * 0.3, positive ? 0.2 : 1 + (i % 2), ((i * 7) % 5) / 4])
    y.push(positive ? 1 : 0)
  }
  y[5] = 1 // one positive that looks negative
  y[8] = 0 // and a negative that looks positive
  const X = csrFromRows(dense.map(row => new Map(row.flatMap((v, j) => (v === 0 ? [] : [[j, v] as [number, number]])))), 3)
  return {X, y: Int32Array.from(y), dense}
}

/** One feature: x = 1 on one positive and one negative, x = 0 on five negatives and one positive. */
function stumpData(): {X: CsrMatrix; y: Int32Array} {
  const xs = [1, 1, 0, 0, 0, 0, 0, 0]
  const y = Int32Array.from([1, 0, 1, 0, 0, 0, 0, 0])
  return {X: csrFromRows(xs.map(x => new Map(x ? [[0, x]] : [])), 1), y}
}

describe('class_weight balanced: sample weights n / (k · n_class)', () => {
  it('weighs 6 negatives 8/12 each and 2 positives 8/4 each (hand-computed)', () => {
    const w = balancedSampleWeights(Int32Array.from([0, 0, 1, 0, 0, 1, 0, 0]), 2)
    expect(Array.from(w)).toEqual([2 / 3, 2 / 3, 2, 2 / 3, 2 / 3, 2, 2 / 3, 2 / 3])
  })

  it('counts only the classes present in y (sklearn: np.unique(y)), here 2 of 3', () => {
    const w = balancedSampleWeights(Int32Array.from([0, 2, 2, 2]), 3)
    expect(Array.from(w)).toEqual([2, 4 / 6, 4 / 6, 4 / 6])
  })
})

describe('lr with class_weight balanced', () => {
  const lr = {C: 2, max_iter: 500, tol: 1e-10, nb_scale: false, nb_alpha: 1}

  it('two classes (Newton): the weighted optimality condition C·Σ wᵢ(pᵢ − yᵢ)xᵢ + β = 0 holds (hand-derived gradient)', () => {
    const {X, y, dense} = imbalancedData()
    const model = fitClassifier(X, y, 2, balanced({algorithm: 'lr', lr}), ctx).toJSON() as unknown as {weights: number[]; intercepts: number[]}
    const positives = y.reduce((a, b) => a + b, 0)
    const w = [12 / (2 * (12 - positives)), 12 / (2 * positives)]
    const grad = [0, 0, 0]
    let gb = 0
    dense.forEach((row, i) => {
      const z = row.reduce((s, v, j) => s + v * model.weights[j], model.intercepts[0])
      const r = w[y[i]] * (1 / (1 + Math.exp(-z)) - y[i])
      row.forEach((v, j) => (grad[j] += r * v))
      gb += r
    })
    for (let j = 0; j < 3; j++) expect(Math.abs(lr.C * grad[j] + model.weights[j])).toBeLessThan(1e-6)
    expect(Math.abs(gb)).toBeLessThan(1e-6)
  })

  it('equals the unweighted fit on the re-balanced data (every positive row repeated 3 times, C scaled by 8/12)', () => {
    const {X, y} = stumpLikeLinearData()
    const weighted = fitClassifier(X, y, 2, balanced({algorithm: 'lr', lr}), ctx).predictProba(X)
    // Weighted objective Σwᵢlᵢ/8 + ‖β‖²/(2·C·8) with w = 2/3, 2 equals (Σ over the 12 repeated rows)/12 + ‖β‖²/(2·C'·12) at C' = C·8/12.
    const rows = Array.from(y.entries()).flatMap(([i, label]) => (label === 1 ? [i, i, i] : [i]))
    const Xr = csrFromRows(rows.map(i => new Map(toDense(X)[i].flatMap((v, j) => (v ? [[j, v] as [number, number]] : [])))), X.cols)
    const yr = Int32Array.from(rows, i => y[i])
    const plain = fitClassifier(Xr, yr, 2, {...defaults, algorithm: 'lr', class_weight: 'none', lr: {...lr, C: (lr.C * 8) / 12}}, ctx).predictProba(X)
    for (let i = 0; i < weighted.length; i++) expect(weighted[i]).toBeCloseTo(plain[i], 7)
  })

  it('three classes (L-BFGS softmax): the weighted optimality condition holds for every class vector', () => {
    const dense = [[1, 0], [0.9, 0.2], [1.1, 0.1], [0.8, 0], [1, 0.3], [0.7, 0.4], [0, 1], [0.2, 1.1], [0.5, 0.5], [0.1, 0.2]]
    const y = Int32Array.from([0, 0, 0, 0, 0, 0, 1, 1, 2, 0])
    const X = csrFromRows(dense.map(row => new Map(row.flatMap((v, j) => (v ? [[j, v] as [number, number]] : [])))), 2)
    const C = 1.5
    const model = fitClassifier(X, y, 3, balanced({algorithm: 'lr', lr: {...lr, C, tol: 1e-9}}), ctx).toJSON() as unknown as {weights: number[]; intercepts: number[]}
    const classWeight = [10 / (3 * 7), 10 / (3 * 2), 10 / 3]
    const grad = Array.from({length: 3}, () => [0, 0])
    const gb = [0, 0, 0]
    dense.forEach((row, i) => {
      const z = [0, 1, 2].map(c => model.intercepts[c] + row[0] * model.weights[c * 2] + row[1] * model.weights[c * 2 + 1])
      const max = Math.max(...z)
      const e = z.map(v => Math.exp(v - max))
      const sum = e.reduce((a, b) => a + b, 0)
      for (let c = 0; c < 3; c++) {
        const r = classWeight[y[i]] * (e[c] / sum - (y[i] === c ? 1 : 0))
        grad[c][0] += r * row[0]
        grad[c][1] += r * row[1]
        gb[c] += r
      }
    })
    for (let c = 0; c < 3; c++) {
      for (let j = 0; j < 2; j++) expect(Math.abs(C * grad[c][j] + model.weights[c * 2 + j])).toBeLessThan(1e-5)
      expect(Math.abs(gb[c])).toBeLessThan(1e-5)
    }
  })

  const sklearn = spawnSync('/usr/bin/python3', ['-c', 'import sklearn'], {encoding: 'utf8'}).status === 0
  it.skipIf(!sklearn)('matches scikit-learn LogisticRegression(class_weight="balanced") (skipped without Debian python3-sklearn)', () => {
    const {X, y, dense} = imbalancedData()
    const C = 2
    const script = [
      'import json, sys',
      'from sklearn.linear_model import LogisticRegression',
      'd = json.load(sys.stdin)',
      'm = LogisticRegression(C=d["C"], class_weight="balanced", tol=1e-12, max_iter=100000).fit(d["X"], d["y"])',
      'print(json.dumps({"coef": m.coef_[0].tolist(), "intercept": float(m.intercept_[0]), "proba": m.predict_proba(d["X"])[:, 1].tolist()}))',
    ].join('\n')
    const run = spawnSync('/usr/bin/python3', ['-c', script], {input: JSON.stringify({C, X: dense, y: Array.from(y)}), encoding: 'utf8'})
    expect(run.status, run.stderr).toBe(0)
    const oracle = JSON.parse(run.stdout) as {coef: number[]; intercept: number; proba: number[]}
    const model = fitClassifier(X, y, 2, balanced({algorithm: 'lr', lr: {...lr, C}}), ctx)
    const json = model.toJSON() as unknown as {weights: number[]; intercepts: number[]}
    oracle.coef.forEach((c, j) => expect(json.weights[j]).toBeCloseTo(c, 4))
    expect(json.intercepts[0]).toBeCloseTo(oracle.intercept, 4)
    const p = model.predictProba(X)
    oracle.proba.forEach((q, i) => expect(p[2 * i + 1]).toBeCloseTo(q, 5))
  })
})

/** The stump data with a second, noisy feature, for a linear model that stays finite. */
function stumpLikeLinearData(): {X: CsrMatrix; y: Int32Array} {
  const rows = [
    [1, 0.5],
    [1, 0],
    [0, 1],
    [0, 0.2],
    [0.5, 0],
    [0, 0.7],
    [0, 0],
    [0.3, 0.3],
  ]
  return {X: csrFromRows(rows.map(r => new Map(r.flatMap((v, j) => (v ? [[j, v] as [number, number]] : [])))), 2), y: Int32Array.from([1, 0, 1, 0, 0, 0, 0, 0])}
}

describe('trees with class_weight balanced (one split on one feature, hand-computed leaves)', () => {
  // Weights: negatives 8/(2·6) = 2/3, positives 8/(2·2) = 2.
  // Leaf x = 1: one positive (2), one negative (2/3). Leaf x = 0: one positive (2), five negatives (10/3).
  it('rf: a leaf predicts its weighted class share, 2/(2 + 2/3) = 0.75 and 2/(2 + 10/3) = 0.375', () => {
    const {X, y} = stumpData()
    const rf = {...defaults.rf, n_estimators: 1, bootstrap: false, max_depth: 1, max_features: 1}
    const p = fitClassifier(X, y, 2, balanced({algorithm: 'rf', rf}), ctx).predictProba(X)
    expect(p[1]).toBeCloseTo(0.75, 12)
    expect(p[2 * 2 + 1]).toBeCloseTo(0.375, 12)
  })

  it('rf with backend mljs refuses class weights with a clear error', () => {
    const {X, y} = stumpData()
    expect(() => fitClassifier(X, y, 2, balanced({algorithm: 'rf', rf: {...defaults.rf, backend: 'mljs'}}), ctx)).toThrow(ConfigError)
  })

  // Boosting starts at the weighted prior: 6·2/3 = 4 = 2·2, log-odds 0, p = 0.5. One Newton step per leaf
  // with g = w(p − y), h = w·p(1 − p): x = 1: G = −1 + 1/3, H = (2 + 2/3)/4 → −G/H = 1;
  // x = 0: G = 5/3 − 1, H = (10/3 + 2)/4 → −G/H = −1/2.
  for (const algorithm of ['gb', 'xgb'] as const) {
    it(`${algorithm}: one round with rate 1 gives leaf margins 1 and −1/2 from the weighted gradients and hessians`, () => {
      const {X, y} = stumpData()
      const params =
        algorithm === 'gb'
          ? balanced({algorithm, gb: {...defaults.gb, n_estimators: 1, learning_rate: 1, max_depth: 1}})
          : balanced({algorithm, xgb: {...defaults.xgb, n_estimators: 1, eta: 1, max_depth: 1, lambda: 0, min_child_weight: 0}})
      const p = fitClassifier(X, y, 2, params, ctx).predictProba(X)
      expect(p[1]).toBeCloseTo(1 / (1 + Math.exp(-1)), 12)
      expect(p[2 * 2 + 1]).toBeCloseTo(1 / (1 + Math.exp(0.5)), 12)
    })
  }
})

describe('mnb with class_weight balanced', () => {
  it('keeps its class priors (the fit is the unweighted one) and says so once', () => {
    const {X, y} = stumpData()
    const warnings: string[] = []
    const reporter: Reporter = {...silentReporter, warn: m => warnings.push(m)}
    const p = fitClassifier(X, y, 2, balanced({algorithm: 'mnb'}), {seed: 1, reporter}).predictProba(X)
    // Hand-computed MNB (α = 1, one feature): every class has P(x|c) = 1, so the posterior is the prior 2/8.
    expect(p[2 * 7 + 1]).toBeCloseTo(2 / 8, 12)
    expect(warnings).toEqual([expect.stringMatching(/class_weight=balanced does not change mnb/)])
  })
})
