import {createRequire} from 'node:module'
import {describe, expect, it} from 'vitest'
import {loadParams} from '../../src/core/config/index.js'
import {DataError, UserError} from '../../src/core/errors.js'
import {csrFromRows, disposableValues, toDense, type CsrMatrix} from '../../src/core/features/sparse.js'
import {algorithmSpec, fitClassifier, loadClassifier} from '../../src/core/models/index.js'
import {fitLogisticLbfgs} from '../../src/core/models/lr.js'
import {fitLogisticNewton} from '../../src/core/models/newton-lr.js'
import {silentReporter} from '../../src/core/reporter.js'

const train = (await loadParams({cwd: '/nonexistent-dir', env: {}})).params.train
const ctx = {seed: 1, reporter: silentReporter}

/** Class 1 has feature 0 ("good"), class 0 has feature 1 ("bad"); feature 2 is noise in both. */
function toyData(): {X: CsrMatrix; y: Int32Array} {
  const rows: Array<Map<number, number>> = []
  const y: number[] = []
  for (let i = 0; i < 40; i++) {
    const positive = i % 2 === 0
    rows.push(new Map([[positive ? 0 : 1, 1 + (i % 3)], [2, 1]]))
    y.push(positive ? 1 : 0)
  }
  return {X: csrFromRows(rows, 3), y: Int32Array.from(y)}
}

describe('logistic regression (sparse L-BFGS)', () => {
  it('separates the classes and puts the right signs on the weights', () => {
    const {X, y} = toyData()
    const model = fitClassifier(X, y, 2, {...train, algorithm: 'lr'}, ctx)
    const p = model.predictProba(X)
    for (let i = 0; i < y.length; i++) expect(p[i * 2 + y[i]]).toBeGreaterThan(0.8)
    const json = model.toJSON() as unknown as {weights: number[]}
    expect(json.weights[0]).toBeGreaterThan(0)
    expect(json.weights[1]).toBeLessThan(0)
  })

  it('reaches the optimum: the regularized gradient vanishes', () => {
    const {X, y} = toyData()
    const C = 0.5
    const model = fitClassifier(X, y, 2, {...train, algorithm: 'lr', lr: {C, max_iter: 500, tol: 1e-9, nb_scale: false, nb_alpha: 1}}, ctx) as unknown as {weights: Float64Array; intercepts: Float64Array}
    const grad = new Float64Array(3)
    let gb = 0
    const dense = toDense(X)
    dense.forEach((row, i) => {
      const z = row.reduce((s, v, j) => s + v * model.weights[j], model.intercepts[0])
      const r = 1 / (1 + Math.exp(-z)) - y[i]
      row.forEach((v, j) => (grad[j] += r * v))
      gb += r
    })
    // d/dw of C·Σ loss + ||w||²/2
    for (let j = 0; j < 3; j++) expect(Math.abs(C * grad[j] + model.weights[j])).toBeLessThan(1e-4)
    expect(Math.abs(gb)).toBeLessThan(1e-4)
  })

  it('handles k > 2 classes with a softmax', () => {
    const rows = [new Map([[0, 1]]), new Map([[1, 1]]), new Map([[2, 1]])]
    const X = csrFromRows([...rows, ...rows, ...rows], 3)
    const y = Int32Array.from([0, 1, 2, 0, 1, 2, 0, 1, 2])
    const model = fitClassifier(X, y, 3, {...train, algorithm: 'lr', lr: {C: 10, max_iter: 200, tol: 1e-6, nb_scale: false, nb_alpha: 1}}, ctx)
    const p = model.predictProba(X)
    for (let i = 0; i < 3; i++) expect(p[i * 3 + i]).toBeGreaterThan(0.7)
    expect(p[0] + p[1] + p[2]).toBeCloseTo(1, 12)
  })
})

/** Sparse text-like data: 600 rows, 400 columns, ~12 non-zeros a row, labels from a noisy linear rule (seeded LCG). */
function sparseTextLike(): {X: CsrMatrix; y: Int32Array} {
  let state = 12345
  const rand = (): number => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648
  const truth = Array.from({length: 400}, () => rand() * 4 - 2)
  const rows: Array<Map<number, number>> = []
  const y: number[] = []
  for (let i = 0; i < 600; i++) {
    const row = new Map<number, number>()
    for (let k = 0; k < 12; k++) row.set(Math.floor(rand() ** 2 * 400), 0.1 + rand())
    const score = [...row].reduce((s, [j, v]) => s + truth[j] * v, 0)
    rows.push(row)
    y.push(score + (rand() - 0.5) * 3 > 0 ? 1 : 0)
  }
  return {X: csrFromRows(rows, 400), y: Int32Array.from(y)}
}

/** The objective both solvers minimize, written out densely: mean log-loss + ||w||² / (2·C·n). */
function objective(X: CsrMatrix, y: Int32Array, C: number, w: ArrayLike<number>, b: number): number {
  let loss = 0
  toDense(X).forEach((row, i) => {
    const z = row.reduce((s, v, j) => s + v * w[j], b)
    loss += Math.log(1 + Math.exp(y[i] === 1 ? -z : z))
  })
  let norm = 0
  for (let j = 0; j < X.cols; j++) norm += w[j] * w[j]
  return loss / X.rows + norm / (2 * C * X.rows)
}

describe('logistic regression, two classes (truncated Newton)', () => {
  it('finds the hand-computed optimum: w = ln 3 for x = ±1 at C = 2·ln 3, and an unpenalized intercept = logit(3/4)', () => {
    // F(w) = log(1 + e^-w) + w²/(2·C·2); F'(w) = 0 ⇔ σ(−w) = w/(2C) ⇔ (w = ln 3: 1/4 = ln 3/(4·ln 3)).
    const X = csrFromRows([new Map([[0, 1]]), new Map([[0, -1]])], 1)
    const model = fitClassifier(X, Int32Array.from([1, 0]), 2, {...train, algorithm: 'lr', lr: {C: 2 * Math.log(3), max_iter: 50, tol: 1e-12, nb_scale: false, nb_alpha: 1}}, ctx) as unknown as {weights: Float64Array; intercepts: Float64Array}
    expect(model.weights[0]).toBeCloseTo(Math.log(3), 7)
    expect(model.intercepts[0]).toBeCloseTo(0, 7)
    // No features: only the intercept, which the L2 term must not shrink; 3 of 4 positive → b = ln(3/1).
    const empty = csrFromRows([new Map(), new Map(), new Map(), new Map()], 1)
    const fit = fitLogisticNewton(empty, Int32Array.from([1, 1, 1, 0]), 1, {maxIter: 50, gtol: 1e-12})
    expect(fit.intercept).toBeCloseTo(Math.log(3), 7)
    expect(fit.converged).toBe(true)
  })

  it('reaches the L-BFGS optimum (same objective) at C = 30 with the default tol and max_iter', () => {
    const {X, y} = sparseTextLike()
    const C = 30
    const reg = 1 / (C * X.rows)
    const model = fitClassifier(X, y, 2, {...train, algorithm: 'lr', lr: {...train.lr, C, nb_scale: false}}, ctx) as unknown as {weights: Float64Array; intercepts: Float64Array}
    const reference = fitLogisticLbfgs(X, y, 2, reg, {maxIter: 20_000, gtol: 1e-11}, silentReporter)
    const fNewton = objective(X, y, C, model.weights, model.intercepts[0])
    const fLbfgs = objective(X, y, C, reference.weights, reference.intercepts[0])
    expect(Math.abs(fLbfgs - reference.f)).toBeLessThan(1e-12)
    expect(Math.abs(fNewton - fLbfgs)).toBeLessThan(1e-5 * fLbfgs)
    // The same optimum also means the same predictions.
    const probs = (model as unknown as {predictProba(X: CsrMatrix): Float64Array}).predictProba(X)
    let maxDiff = 0
    toDense(X).forEach((row, i) => {
      const z = row.reduce((s, v, j) => s + v * reference.weights[j], reference.intercepts[0])
      maxDiff = Math.max(maxDiff, Math.abs(probs[i * 2 + 1] - 1 / (1 + Math.exp(-z))))
    })
    expect(maxDiff).toBeLessThan(0.01)
  })

  it('NB-LR scales a matrix whose values were given away in place, to the same model bit for bit (hand-scaled oracle)', () => {
    const {X, y} = sparseTextLike()
    const lr = {...train, algorithm: 'lr' as const, lr: {...train.lr, nb_scale: true}}
    const copied = fitClassifier(X, y, 2, lr, ctx).toJSON()
    expect(Array.from(X.data)).toEqual(Array.from(sparseTextLike().X.data)) // not given away: left as it was
    // NB ratios by hand: r_j = ln((p_j/Σp) / (q_j/Σq)), p = α + Σ of column j over class 1, q the same over class 0.
    const p = new Array<number>(X.cols).fill(1)
    const q = new Array<number>(X.cols).fill(1)
    toDense(X).forEach((row, i) => row.forEach((v, j) => ((y[i] === 1 ? p : q)[j] += v)))
    const sp = p.reduce((a, b) => a + b)
    const sq = q.reduce((a, b) => a + b)
    const scaled = Array.from(X.data, (v, k) => v * Math.log(p[X.indices[k]] / sp / (q[X.indices[k]] / sq)))
    disposableValues.add(X.data)
    const inPlace = fitClassifier(X, y, 2, lr, ctx).toJSON()
    expect(inPlace).toEqual(copied)
    Array.from(X.data).forEach((v, k) => expect(v).toBeCloseTo(scaled[k], 12))
    expect(disposableValues.has(X.data)).toBe(false)
  })

  it('reports the Newton and CG step counts and stops on the gradient test', () => {
    const {X, y} = sparseTextLike()
    const fit = fitLogisticNewton(X, y, 1 / (30 * X.rows), {maxIter: 200, gtol: 1e-8})
    expect(fit.converged).toBe(true)
    expect(fit.iterations).toBeLessThan(40)
    expect(fit.cgIterations).toBeGreaterThanOrEqual(fit.iterations)
  })
})

describe('multinomial naive Bayes', () => {
  it('matches scikit-learn MultinomialNB on a hand-checked case', () => {
    // Class 0 counts: f0=2, f1=0; class 1: f0=0, f1=3. alpha=1: P(f0|0)=(2+1)/(2+2)=0.75.
    const X = csrFromRows([new Map([[0, 2]]), new Map([[1, 3]])], 2)
    const model = algorithmSpec('mnb').fit(X, Int32Array.from([0, 1]), 2, {alpha: 1, backend: 'sparse'} as never, ctx)
    const json = model.toJSON() as unknown as {featureLogProb: number[]; classLogPrior: number[]}
    expect(json.featureLogProb[0]).toBeCloseTo(Math.log(0.75), 12)
    expect(json.featureLogProb[3]).toBeCloseTo(Math.log(4 / 5), 12)
    expect(json.classLogPrior[0]).toBeCloseTo(Math.log(0.5), 12)
  })

  it('agrees with ml-naivebayes (the test oracle) on a small dense case', () => {
    const {X, y} = toyData()
    const ours = algorithmSpec('mnb').fit(X, y, 2, {alpha: 1, backend: 'sparse'} as never, ctx)
    const require = createRequire(import.meta.url)
    const {MultinomialNB} = require('ml-naivebayes')
    const oracle = new MultinomialNB()
    oracle.train(toDense(X), Array.from(y))
    const expected: number[] = oracle.predict(toDense(X))
    const p = ours.predictProba(X)
    expect(expected.map((_, i) => (p[i * 2 + 1] > p[i * 2] ? 1 : 0))).toEqual(expected)
    const viaMljs = algorithmSpec('mnb').fit(X, y, 2, {alpha: 1, backend: 'mljs'} as never, ctx)
    const q = viaMljs.predictProba(X)
    for (let i = 0; i < p.length; i++) expect(q[i]).toBeCloseTo(p[i], 10)
  })

  it('refuses the mljs backend above its size limit and with alpha != 1', () => {
    const big = csrFromRows([new Map([[0, 1]]), new Map([[1, 1]])], 3_000_000)
    expect(() => algorithmSpec('mnb').fit(big, Int32Array.from([0, 1]), 2, {alpha: 1, backend: 'mljs'} as never, ctx)).toThrow(UserError)
    expect(() => algorithmSpec('mnb').fit(big, Int32Array.from([0, 1]), 2, {alpha: 1, backend: 'mljs'} as never, ctx)).toThrow(/dense 2 × 3000000 matrix .* limit/)
    const {X, y} = toyData()
    expect(() => algorithmSpec('mnb').fit(X, y, 2, {alpha: 0.5, backend: 'mljs'} as never, ctx)).toThrow(/alpha = 1 only/)
  })
})

describe('every learner', () => {
  for (const name of ['lr', 'mnb'] as const) {
    it(`${name}: load(toJSON()) predicts identically and the JSON is deterministic`, () => {
      const {X, y} = toyData()
      const a = fitClassifier(X, y, 2, {...train, algorithm: name}, ctx)
      const b = fitClassifier(X, y, 2, {...train, algorithm: name}, ctx)
      expect(JSON.stringify(a.toJSON())).toBe(JSON.stringify(b.toJSON()))
      const loaded = loadClassifier(JSON.parse(JSON.stringify(a.toJSON())))
      expect(Array.from(loaded.predictProba(X))).toEqual(Array.from(a.predictProba(X)))
      expect(a.featureImportances().reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12)
    })

    it(`${name}: refuses data with one class only`, () => {
      const {X} = toyData()
      expect(() => fitClassifier(X, new Int32Array(X.rows), 2, {...train, algorithm: name}, ctx)).toThrow(DataError)
      expect(() => fitClassifier(X, new Int32Array(X.rows), 2, {...train, algorithm: name}, ctx)).toThrow(/one class only/)
    })
  }

  it('lists the valid algorithms for an unknown one', () => {
    expect(() => algorithmSpec('svm')).toThrow(/unknown algorithm "svm"; valid algorithms: lr, mnb, rf, gb, xgb/)
  })
})
