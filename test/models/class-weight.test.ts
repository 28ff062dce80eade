import {spawnSync} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {loadParams} from '../../src/core/config/index.js'
import type {TrainParams} from '../../src/core/config/params.js'
import {ConfigError} from '../../src/core/errors.js'
import {csrFromRows, toDense, type CsrMatrix} from '../../src/core/features/sparse.js'
import {algorithmSpec, balancedSampleWeights, fitClassifier} from '../../src/core/models/index.js'
import type {Reporter} from '../../src/core/reporter.js'
import {silentReporter} from '../../src/core/reporter.js'

const defaults = (await loadParams({cwd: '/nonexistent-dir', env: {}})).params.train
const ctx = {seed: 3, reporter: silentReporter}
const sklearn = spawnSync('/usr/bin/python3', ['-c', 'import sklearn'], {encoding: 'utf8'}).status === 0

/** Runs a Python script (lines) under Debian's python3 with `input` as JSON on stdin; its stdout is JSON. */
function runSklearn<T>(lines: string[], input: unknown): T {
  const run = spawnSync('/usr/bin/python3', ['-c', ['import json, sys', 'd = json.load(sys.stdin)', ...lines].join('\n')], {input: JSON.stringify(input), encoding: 'utf8'})
  expect(run.status, run.stderr).toBe(0)
  return JSON.parse(run.stdout) as T
}

function csrFromDense(dense: number[][], cols: number): CsrMatrix {
  return csrFromRows(dense.map(row => new Map(row.flatMap((v, j) => (v ? [[j, v] as [number, number]] : [])))), cols)
}
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
  const X = csrFromDense(dense, 3)
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
    const Xr = csrFromDense(rows.map(i => toDense(X)[i]), X.cols)
    const yr = Int32Array.from(rows, i => y[i])
    const plain = fitClassifier(Xr, yr, 2, {...defaults, algorithm: 'lr', class_weight: 'none', lr: {...lr, C: (lr.C * 8) / 12}}, ctx).predictProba(X)
    for (let i = 0; i < weighted.length; i++) expect(weighted[i]).toBeCloseTo(plain[i], 7)
  })

  it('three classes (L-BFGS softmax): the weighted optimality condition holds for every class vector', () => {
    const dense = [[1, 0], [0.9, 0.2], [1.1, 0.1], [0.8, 0], [1, 0.3], [0.7, 0.4], [0, 1], [0.2, 1.1], [0.5, 0.5], [0.1, 0.2]]
    const y = Int32Array.from([0, 0, 0, 0, 0, 0, 1, 1, 2, 0])
    const X = csrFromDense(dense, 2)
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

  it.skipIf(!sklearn)('matches scikit-learn LogisticRegression(class_weight="balanced") (skipped without Debian python3-sklearn)', () => {
    const {X, y, dense} = imbalancedData()
    const C = 2
    const oracle = runSklearn<{coef: number[]; intercept: number; proba: number[]}>(
      [
        'from sklearn.linear_model import LogisticRegression',
        'm = LogisticRegression(C=d["C"], class_weight="balanced", tol=1e-12, max_iter=100000).fit(d["X"], d["y"])',
        'print(json.dumps({"coef": m.coef_[0].tolist(), "intercept": float(m.intercept_[0]), "proba": m.predict_proba(d["X"])[:, 1].tolist()}))',
      ],
      {C, X: dense, y: Array.from(y)},
    )
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
  return {X: csrFromDense(rows, 2), y: Int32Array.from([1, 0, 1, 0, 0, 0, 0, 0])}
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

describe('gb split search with class_weight balanced: friedman_mse with the weighted node sizes', () => {
  // y = [1, 1, 0, 0, 0, 0, 0, 0]: positives weigh 8/(2·2) = 2, negatives 8/(2·6) = 2/3; the weighted prior is
  // 4 : 4, so p = 0.5, g = w(p − y) = −1 (positive) or 1/3 (negative), h = w/4 = 1/2 or 1/6.
  // Feature 0 is 1 on row 0 only, feature 1 on rows 0–3. Score G_L²/W_L + G_R²/W_R (root G = 0):
  //   feature 0: G_L = −1,   W_L = 2,    W_R = 6    → 1/2 + 1/6 = 2/3     (with row counts 1, 7: 1 + 1/7 = 8/7)
  //   feature 1: G_L = −4/3, W_L = 16/3, W_R = 8/3  → (16/9)(3/16 + 3/8) = 1 (with row counts 4, 4: 8/9)
  // so weights pick feature 1 where row counts would pick feature 0. Leaves −G/H: (4/3)/(4/3) = 1 and −(4/3)/(2/3) = −2.
  const X = csrFromDense([[1, 1], [0, 1], [0, 1], [0, 1], [0, 0], [0, 0], [0, 0], [0, 0]], 2)
  const y = Int32Array.from([1, 1, 0, 0, 0, 0, 0, 0])
  const gb = {...defaults.gb, n_estimators: 1, learning_rate: 1, max_depth: 1, min_samples_leaf: 1, subsample: 1}

  it('splits on the feature the weighted sizes prefer (feature 1) and gets leaf margins 1 and −2 (hand-computed)', () => {
    const model = fitClassifier(X, y, 2, balanced({algorithm: 'gb', gb}), ctx)
    const tree = (model.toJSON() as unknown as {trees: Array<{feature: number[]}>}).trees[0]
    expect(tree.feature).toEqual([1])
    const p = model.predictProba(X)
    for (let r = 0; r < 8; r++) expect(p[2 * r + 1]).toBeCloseTo(1 / (1 + Math.exp(r < 4 ? -1 : 2)), 12)
    expect(Array.from(model.featureImportances!())).toEqual([0, 1])
  })

  it('min_samples_leaf counts rows, not weight: with 2, row 0 alone (weight 2) is no leaf', () => {
    // y = [1, 0 × 7]: the positive weighs 4, negatives 4/7. Feature 0 isolates the positive (the best split by far),
    // but its left side is one row; feature 1 (rows 0, 1) is the best allowed split.
    const X1 = csrFromDense([[1, 1], [0, 1], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0], [0, 0]], 2)
    const y1 = Int32Array.from([1, 0, 0, 0, 0, 0, 0, 0])
    const model = fitClassifier(X1, y1, 2, balanced({algorithm: 'gb', gb: {...gb, min_samples_leaf: 2}}), ctx)
    expect((model.toJSON() as unknown as {trees: Array<{feature: number[]}>}).trees[0].feature).toEqual([1])
  })

  it('without weights the split search is unchanged: feature 0 by row counts (8/7 > 8/9)', () => {
    const model = fitClassifier(X, y, 2, {...defaults, algorithm: 'gb', class_weight: 'none', gb}, ctx)
    expect((model.toJSON() as unknown as {trees: Array<{feature: number[]}>}).trees[0].feature).toEqual([0])
  })

  it.skipIf(!sklearn)('matches scikit-learn GradientBoostingClassifier.fit(sample_weight=balanced) (skipped without Debian python3-sklearn)', () => {
    // 60 rows, 3 integer features 0..9 (exact in sklearn's float32), 1 in 4 positive with noise; 3 rounds of depth 2.
    let state = 12345
    const next = (): number => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648
    const dense: number[][] = []
    const labels: number[] = []
    for (let i = 0; i < 60; i++) {
      const row = [0, 1, 2].map(() => Math.floor(next() * 10))
      dense.push(row)
      labels.push(row[0] + row[1] > 12 || next() < 0.1 ? 1 : 0)
    }
    const yy = Int32Array.from(labels)
    const XX = csrFromDense(dense, 3)
    const params = {n_estimators: 3, learning_rate: 0.5, max_depth: 2}
    const oracle = runSklearn<{feature: number; threshold: number; proba: number[]}>(
      [
        'from sklearn.ensemble import GradientBoostingClassifier',
        'from sklearn.utils.class_weight import compute_sample_weight',
        'w = compute_sample_weight("balanced", d["y"])',
        'm = GradientBoostingClassifier(random_state=0, **d["params"]).fit(d["X"], d["y"], sample_weight=w)',
        't = m.estimators_[0, 0].tree_',
        'print(json.dumps({"feature": int(t.feature[0]), "threshold": float(t.threshold[0]), "proba": m.predict_proba(d["X"])[:, 1].tolist()}))',
      ],
      {X: dense, y: labels, params},
    )
    const model = fitClassifier(XX, yy, 2, balanced({algorithm: 'gb', gb: {...gb, ...params}}), ctx)
    const tree = (model.toJSON() as unknown as {trees: Array<{feature: number[]; threshold: number[]}>}).trees[0]
    expect(tree.feature[0]).toBe(oracle.feature)
    expect(tree.threshold[0]).toBeCloseTo(oracle.threshold, 6)
    const p = model.predictProba(XX)
    oracle.proba.forEach((q, i) => expect(p[2 * i + 1]).toBeCloseTo(q, 9))
  })
})

describe('mnb with class_weight balanced: uniform class priors (sklearn fit_prior=False)', () => {
  it('stores priors log(1/2) and predicts from the words alone, also after a save/load round trip (hand-computed)', () => {
    const {X, y} = stumpData()
    const warnings: string[] = []
    const reporter: Reporter = {...silentReporter, warn: m => warnings.push(m)}
    const model = fitClassifier(X, y, 2, balanced({algorithm: 'mnb'}), {seed: 1, reporter})
    const json = model.toJSON() as unknown as {classLogPrior: number[]}
    expect(json.classLogPrior).toEqual([Math.log(1 / 2), Math.log(1 / 2)])
    // One feature, α = 1: P(x|c) = 1 in both classes, so the posterior is the prior: 1/2 (plain mnb: 2/8).
    const reloaded = algorithmSpec('mnb').load(JSON.parse(JSON.stringify(model.toJSON())))
    for (const m of [model, reloaded]) expect(m.predictProba(X)[2 * 7 + 1]).toBeCloseTo(1 / 2, 12)
    expect(warnings).toEqual([])
  })

  it('three classes, one of them absent from y: log(1/2) for the two present, as np.unique(y) (hand-computed)', () => {
    const X = csrFromRows([new Map([[0, 1]]), new Map([[0, 2]]), new Map([[1, 1]])], 2)
    const model = fitClassifier(X, Int32Array.from([0, 0, 2]), 3, balanced({algorithm: 'mnb'}), ctx)
    const prior = (model.toJSON() as unknown as {classLogPrior: number[]}).classLogPrior
    expect(prior[0]).toBe(Math.log(1 / 2))
    expect(prior[2]).toBe(Math.log(1 / 2))
    // Through the bundle's JSON the absent class keeps probability 0 (JSON has no -Infinity: it is written as null).
    const reloaded = algorithmSpec('mnb').load(JSON.parse(JSON.stringify(model.toJSON())))
    expect(reloaded.predictProba(X)[1]).toBe(0)
  })

  it('backend mljs gets the same uniform priors', () => {
    const {X, y} = stumpData()
    const model = fitClassifier(X, y, 2, balanced({algorithm: 'mnb', mnb: {...defaults.mnb, backend: 'mljs'}}), ctx)
    expect((model.toJSON() as unknown as {classLogPrior: number[]}).classLogPrior).toEqual([Math.log(1 / 2), Math.log(1 / 2)])
  })

  it.skipIf(!sklearn)('predicts as scikit-learn MultinomialNB(fit_prior=False) on a small count matrix (skipped without Debian python3-sklearn)', () => {
    const counts = [
      [2, 0, 1, 0],
      [1, 1, 0, 0],
      [0, 0, 3, 1],
      [3, 1, 0, 0],
      [0, 2, 0, 2],
      [1, 0, 0, 4],
      [0, 0, 1, 1],
    ]
    const labels = [0, 0, 1, 0, 0, 2, 0]
    const alpha = 0.5
    const oracle = runSklearn<{prior: number[]; proba: number[][]}>(
      [
        'from sklearn.naive_bayes import MultinomialNB',
        'm = MultinomialNB(alpha=d["alpha"], fit_prior=False).fit(d["X"], d["y"])',
        'print(json.dumps({"prior": m.class_log_prior_.tolist(), "proba": m.predict_proba(d["X"]).tolist()}))',
      ],
      {X: counts, y: labels, alpha},
    )
    const X = csrFromDense(counts, 4)
    const model = fitClassifier(X, Int32Array.from(labels), 3, balanced({algorithm: 'mnb', mnb: {...defaults.mnb, alpha}}), ctx)
    const json = model.toJSON() as unknown as {classLogPrior: number[]}
    oracle.prior.forEach((v, c) => expect(json.classLogPrior[c]).toBeCloseTo(v, 12))
    const p = model.predictProba(X)
    oracle.proba.forEach((row, i) => row.forEach((q, c) => expect(p[3 * i + c]).toBeCloseTo(q, 10)))
  })
})
