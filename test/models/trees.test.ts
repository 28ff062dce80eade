import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import {describe, expect, it} from 'vitest'
import {loadParams} from '../../src/core/config/index.js'
import type {GbParams, RfParams, XgbParams} from '../../src/core/config/params.js'
import {ConfigError, DataError, UserError} from '../../src/core/errors.js'
import {csrFromRows, selectRows, type CsrMatrix} from '../../src/core/features/sparse.js'
import type {AlgorithmSpec, Classifier, SerializedClassifier} from '../../src/core/models/classifier.js'
import {gbSpec} from '../../src/core/models/gb.js'
import {MLJS_MAX_WORK} from '../../src/core/models/mljs-forest.js'
import {rfSpec} from '../../src/core/models/rf.js'
import {thresholdBetween} from '../../src/core/models/trees/bins.js'
import {Rng} from '../../src/core/models/trees/rng.js'
import type {TreeJSON} from '../../src/core/models/trees/tree.js'
import {xgbSpec} from '../../src/core/models/xgb.js'
import {silentReporter} from '../../src/core/reporter.js'

const defaults = (await loadParams({cwd: '/nonexistent-dir', env: {}})).params.train
const ctx = (seed = 7) => ({seed, reporter: silentReporter})

// Small, fast settings; each test overrides what it is about.
const rf: RfParams = {...defaults.rf, n_estimators: 30}
const gb: GbParams = {...defaults.gb, n_estimators: 40, learning_rate: 0.3}
const xgb: XgbParams = {...defaults.xgb, n_estimators: 30}

type Learner = {name: string; spec: AlgorithmSpec<never>; params: unknown}
const learners: Learner[] = [
  {name: 'rf', spec: rfSpec as AlgorithmSpec<never>, params: rf},
  {name: 'gb', spec: gbSpec as AlgorithmSpec<never>, params: gb},
  {name: 'xgb', spec: xgbSpec as AlgorithmSpec<never>, params: xgb},
]
const fit = (l: Learner, X: CsrMatrix, y: Int32Array, k = 2, params: unknown = l.params, seed = 7): Classifier =>
  l.spec.fit(X, y, k, params as never, ctx(seed))

/**
 * Text-like sparse rows: `nnz` random features out of `cols` with positive values, plus the signal features
 * that `make` sets; `label` decides the class from the row.
 */
function sparseData(
  n: number,
  cols: number,
  seed: number,
  make: (rng: Rng, row: Map<number, number>) => number,
  nnz = 6,
): {X: CsrMatrix; y: Int32Array} {
  const rng = new Rng(seed)
  const rows: Array<Map<number, number>> = []
  const y = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    const row = new Map<number, number>()
    for (let j = 0; j < nnz; j++) row.set(4 + rng.nextInt(cols - 4), 0.05 + rng.nextFloat())
    y[i] = make(rng, row)
    rows.push(row)
  }
  return {X: csrFromRows(rows, cols), y}
}

function split(d: {X: CsrMatrix; y: Int32Array}, nTrain: number) {
  const idx = (from: number, to: number) => Int32Array.from({length: to - from}, (_, i) => from + i)
  const tr = idx(0, nTrain)
  const te = idx(nTrain, d.y.length)
  return {Xtr: selectRows(d.X, tr), ytr: d.y.slice(0, nTrain), Xte: selectRows(d.X, te), yte: d.y.slice(nTrain)}
}

function accuracy(model: Classifier, X: CsrMatrix, y: Int32Array): number {
  const p = model.predictProba(X)
  const k = model.nClasses
  let ok = 0
  for (let i = 0; i < y.length; i++) {
    let best = 0
    for (let c = 1; c < k; c++) if (p[i * k + c] > p[i * k + best]) best = c
    if (best === y[i]) ok++
  }
  return ok / y.length
}

/** y = 1 when feature 0 is stored with a value above 0.5 (absent counts as 0). */
const thresholdTask = (seed: number) =>
  sparseData(900, 60, seed, (rng, row) => {
    if (rng.nextFloat() < 0.7) row.set(0, rng.nextFloat())
    return (row.get(0) ?? 0) > 0.5 ? 1 : 0
  })

/**
 * y = (feature 0 present) XOR (feature 1 present), XOR-like: a and b are unbalanced (30% / 70%) so each has
 * some marginal signal for a greedy learner, but only the two-level interaction separates the classes.
 * (With 50/50 the root has no signal at all; scikit-learn's forest also stays near 0.7 there.)
 */
const xorTask = (seed: number) =>
  sparseData(900, 60, seed, (rng, row) => {
    const a = rng.nextFloat() < 0.3
    const b = rng.nextFloat() < 0.7
    if (a) row.set(0, 0.2 + rng.nextFloat())
    if (b) row.set(1, 0.2 + rng.nextFloat())
    return a !== b ? 1 : 0
  })

describe.each(learners)('$name on sparse rows', l => {
  it('learns a threshold on one feature among noise features', () => {
    const {Xtr, ytr, Xte, yte} = split(thresholdTask(1), 600)
    expect(accuracy(fit(l, Xtr, ytr), Xte, yte)).toBeGreaterThan(0.95)
  })

  it('learns an XOR of two features being present', () => {
    const {Xtr, ytr, Xte, yte} = split(xorTask(2), 600)
    expect(accuracy(fit(l, Xtr, ytr), Xte, yte)).toBeGreaterThan(0.95)
  })

  it('learns a feature that takes negative, zero and positive values (zero sits between them)', () => {
    const d = sparseData(800, 40, 3, (rng, row) => {
      const u = rng.nextFloat()
      if (u < 0.35) row.set(0, -0.1 - rng.nextFloat())
      else if (u < 0.7) row.set(0, 0.1 + rng.nextFloat())
      return (row.get(0) ?? 0) >= 0 ? 1 : 0
    })
    const {Xtr, ytr, Xte, yte} = split(d, 500)
    expect(accuracy(fit(l, Xtr, ytr), Xte, yte)).toBeGreaterThan(0.95)
  })

  it('is deterministic: same params, data and seed give byte-identical JSON', () => {
    const {X, y} = xorTask(4)
    const a = JSON.stringify(fit(l, X, y).toJSON())
    const b = JSON.stringify(fit(l, X, y).toJSON())
    expect(a).toBe(b)
  })

  it('loads back from its JSON and predicts identically', () => {
    const {Xtr, ytr, Xte} = split(xorTask(5), 600)
    const model = fit(l, Xtr, ytr)
    const json = JSON.parse(JSON.stringify(model.toJSON())) as SerializedClassifier
    const loaded = l.spec.load(json)
    expect(loaded.predictProba(Xte)).toEqual(model.predictProba(Xte))
    expect(loaded.featureImportances()).toEqual(model.featureImportances())
    expect(JSON.stringify(loaded.toJSON())).toBe(JSON.stringify(model.toJSON()))
  })

  it('gain importances point at the informative feature and sum to 1', () => {
    const {X, y} = thresholdTask(6)
    const imp = fit(l, X, y).featureImportances()
    expect(imp).toHaveLength(60)
    const top = imp.indexOf(Math.max(...imp))
    expect(top).toBe(0)
    expect(imp[0]).toBeGreaterThan(0.5)
    expect(imp.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 10)
  })

  it('handles three classes natively (probabilities sum to 1)', () => {
    const d = sparseData(600, 30, 8, (rng, row) => {
      const c = rng.nextInt(3)
      row.set(c, 0.5 + rng.nextFloat())
      return c
    })
    const {Xtr, ytr, Xte, yte} = split(d, 400)
    const model = fit(l, Xtr, ytr, 3)
    expect(model.nClasses).toBe(3)
    expect(accuracy(model, Xte, yte)).toBeGreaterThan(0.95)
    const p = model.predictProba(Xte)
    for (let i = 0; i < yte.length; i++) expect(p[3 * i] + p[3 * i + 1] + p[3 * i + 2]).toBeCloseTo(1, 12)
    expect(JSON.stringify(l.spec.load(JSON.parse(JSON.stringify(model.toJSON()))).toJSON())).toBe(JSON.stringify(model.toJSON()))
  })

  it('rejects training data with one class, naming it', () => {
    const X = csrFromRows([new Map([[0, 1]]), new Map([[1, 1]])], 2)
    expect(() => fit(l, X, Int32Array.of(1, 1))).toThrow(DataError)
    expect(() => fit(l, X, Int32Array.of(1, 1))).toThrow(/one class only \(1: 2 rows\)/)
  })

  it('rejects non-finite feature values and a matrix of the wrong width at prediction', () => {
    const X = csrFromRows([new Map([[0, Number.NaN]]), new Map([[1, 1]])], 2)
    expect(() => fit(l, X, Int32Array.of(0, 1))).toThrow(/non-finite value \(NaN\) at row 0, column 0/)
    const {X: good, y} = thresholdTask(9)
    const model = fit(l, good, y)
    expect(() => model.predictProba(csrFromRows([new Map([[0, 1]])], 61))).toThrow(/expects 60 features but the matrix has 61/)
  })

  it('stops when the signal is aborted', () => {
    const {X, y} = thresholdTask(10)
    const controller = new AbortController()
    controller.abort()
    expect(() => l.spec.fit(X, y, 2, l.params as never, {...ctx(), signal: controller.signal})).toThrow(/abort/i)
  })
})

describe('hyperparameters outside their range (defensive checks behind the schema)', () => {
  const {X, y} = thresholdTask(11)
  it.each([
    ['rf', rfSpec, {...rf, max_depth: -1}, /train\.rf\.max_depth must be an integer ≥ 0 \(got -1\)/],
    ['rf', rfSpec, {...rf, max_features: 1.5}, /train\.rf\.max_features must be a number with 0 < max_features ≤ 1 \(got 1\.5\)/],
    ['gb', gbSpec, {...gb, learning_rate: 0}, /train\.gb\.learning_rate must be a number with learning_rate > 0 \(got 0\)/],
    ['gb', gbSpec, {...gb, subsample: 1.5}, /train\.gb\.subsample must be a number with 0 < subsample ≤ 1/],
    ['xgb', xgbSpec, {...xgb, eta: -0.1}, /train\.xgb\.eta must be a number with eta > 0/],
    ['xgb', xgbSpec, {...xgb, max_depth: 0}, /train\.xgb\.max_depth must be an integer ≥ 1 \(got 0\)/],
    ['xgb', xgbSpec, {...xgb, lambda: -1}, /train\.xgb\.lambda must be a number with lambda ≥ 0/],
    ['xgb', xgbSpec, {...xgb, max_bin: 1}, /train\.xgb\.max_bin must be an integer in 2\.\.65535/],
  ] as const)('%s: %s', (_name, spec, params, message) => {
    const run = () => (spec as AlgorithmSpec<never>).fit(X, y, 2, params as never, ctx())
    expect(run).toThrow(ConfigError)
    expect(run).toThrow(message)
  })
})

describe('random forest', () => {
  it('with every feature and no bootstrap, an unlimited tree fits distinct rows exactly', () => {
    const {X, y} = sparseData(300, 80, 12, rng => rng.nextInt(2)) // labels are pure noise
    const model = fit(learners[0], X, y, 2, {...rf, n_estimators: 1, bootstrap: false, max_features: 1})
    expect(accuracy(model, X, y)).toBe(1)
  })

  it('depends on the seed, and max_depth bounds every tree', () => {
    const {X, y} = xorTask(13)
    const a = JSON.stringify(fit(learners[0], X, y, 2, rf, 1).toJSON())
    const b = JSON.stringify(fit(learners[0], X, y, 2, rf, 2).toJSON())
    expect(a).not.toBe(b)
    const shallow = fit(learners[0], X, y, 2, {...rf, max_depth: 2}).toJSON() as unknown as {trees: TreeJSON[]}
    for (const t of shallow.trees) expect(t.feature.length).toBeLessThanOrEqual(3)
  })

  it('entropy works as well as Gini', () => {
    const {Xtr, ytr, Xte, yte} = split(xorTask(14), 600)
    expect(accuracy(fit(learners[0], Xtr, ytr, 2, {...rf, criterion: 'entropy'}), Xte, yte)).toBeGreaterThan(0.95)
  })
})

describe('xgb regularization and sparsity', () => {
  const {X, y} = xorTask(15)
  const leafValues = (m: Classifier) => (m.toJSON() as unknown as {trees: TreeJSON[]}).trees.flatMap(t => t.value)
  const splits = (m: Classifier) => (m.toJSON() as unknown as {trees: TreeJSON[]}).trees.reduce((s, t) => s + t.feature.length, 0)

  it('a huge lambda shrinks every leaf weight to almost zero', () => {
    const model = xgbSpec.fit(X, y, 2, {...xgb, lambda: 1e9}, ctx())
    for (const v of leafValues(model)) expect(Math.abs(v)).toBeLessThan(1e-6)
  })

  it('alpha zeroes leaves whose gradient sum is below it', () => {
    const model = xgbSpec.fit(X, y, 2, {...xgb, alpha: 1e6}, ctx())
    expect(leafValues(model).every(v => v === 0)).toBe(true)
  })

  it('gamma prunes splits whose loss reduction is below it', () => {
    const free = splits(xgbSpec.fit(X, y, 2, xgb, ctx()))
    const some = splits(xgbSpec.fit(X, y, 2, {...xgb, gamma: 5}, ctx()))
    const all = splits(xgbSpec.fit(X, y, 2, {...xgb, gamma: 1e6}, ctx()))
    expect(some).toBeLessThan(free)
    expect(some).toBeGreaterThan(0)
    expect(all).toBe(0)
  })

  it('min_child_weight above the total hessian leaves single-leaf trees', () => {
    expect(splits(xgbSpec.fit(X, y, 2, {...xgb, min_child_weight: 1e6}, ctx()))).toBe(0)
  })

  it('learns the default direction of absent entries (one split where gb needs two)', () => {
    // y = 1 when feature 0 is absent or above 0.5: absent rows belong with the high values.
    const d = sparseData(600, 30, 16, (rng, row) => {
      if (rng.nextFloat() < 0.6) row.set(0, rng.nextFloat())
      return !row.has(0) || row.get(0)! > 0.5 ? 1 : 0
    })
    const stump = xgbSpec.fit(d.X, d.y, 2, {...xgb, n_estimators: 1, max_depth: 1, eta: 1}, ctx())
    const tree = (stump.toJSON() as unknown as {trees: TreeJSON[]}).trees[0]
    expect(tree.feature).toEqual([0])
    expect(tree.defaultLeft).toEqual([0])
    expect(tree.threshold[0]).toBeGreaterThan(0.4)
    expect(tree.threshold[0]).toBeLessThan(0.6)
    expect(accuracy(stump, d.X, d.y)).toBe(1)
    const gbStump = gbSpec.fit(d.X, d.y, 2, {...gb, n_estimators: 1, max_depth: 1, learning_rate: 1}, ctx())
    expect(accuracy(gbStump, d.X, d.y)).toBeLessThan(0.9)
  })

  it('binary features (one bin each, histograms by subtraction) and subsampling still learn', () => {
    const d = sparseData(900, 60, 17, (rng, row) => {
      for (const f of row.keys()) row.set(f, 1)
      const a = rng.nextFloat() < 0.3
      const b = rng.nextFloat() < 0.7
      if (a) row.set(0, 1)
      if (b) row.set(1, 1)
      return a !== b ? 1 : 0
    })
    const {Xtr, ytr, Xte, yte} = split(d, 600)
    const params = {...xgb, subsample: 0.8, colsample_bytree: 0.9}
    expect(accuracy(xgbSpec.fit(Xtr, ytr, 2, params, ctx()), Xte, yte)).toBeGreaterThan(0.95)
    expect(accuracy(gbSpec.fit(Xtr, ytr, 2, {...gb, subsample: 0.8}, ctx()), Xte, yte)).toBeGreaterThan(0.95)
  })
})

describe('model JSON', () => {
  const {X, y} = xorTask(18)
  it('is compact parallel arrays per tree', () => {
    const json = xgbSpec.fit(X, y, 2, xgb, ctx()).toJSON() as unknown as {trees: TreeJSON[]}
    expect(Object.keys(json.trees[0]).sort()).toEqual(['defaultLeft', 'feature', 'left', 'right', 'threshold', 'value'])
  })

  it('rejects a tree whose child points back up (it could loop forever)', () => {
    const json = JSON.parse(JSON.stringify(rfSpec.fit(X, y, 2, rf, ctx()).toJSON())) as {trees: TreeJSON[]}
    json.trees[2].left[1] = 0
    expect(() => rfSpec.load(json as unknown as SerializedClassifier)).toThrow(/model JSON is invalid: rf model trees\[2\]\.left\[1\] = 0 is neither a later node/)
  })

  it('rejects missing arrays and feature indices out of range', () => {
    const good = JSON.stringify(gbSpec.fit(X, y, 2, gb, ctx()).toJSON())
    const noTrees = {...JSON.parse(good), trees: undefined}
    expect(() => gbSpec.load(noTrees)).toThrow(/gb model trees is not an array/)
    const badFeature = JSON.parse(good) as {trees: TreeJSON[]}
    badFeature.trees[0].feature[0] = 60
    expect(() => gbSpec.load(badFeature as unknown as SerializedClassifier)).toThrow(/trees\[0\]\.feature\[0\] = 60 is not a feature index 0\.\.59/)
  })
})

describe('split thresholds', () => {
  it('lie strictly above the left value and at most the right one, near the midpoint, with few digits', () => {
    const rng = new Rng(19)
    for (let i = 0; i < 2000; i++) {
      const a = rng.nextFloat() * 10 ** (rng.nextInt(6) - 3)
      const b = a + rng.nextFloat() * 10 ** -rng.nextInt(12)
      if (!(b > a)) continue
      const t = thresholdBetween(a, b)
      expect(t).toBeGreaterThan(a)
      expect(t).toBeLessThanOrEqual(b)
    }
    expect(thresholdBetween(0, 0.2242)).toBe(0.11) // midpoint 0.1121, within 1% of the gap
    expect(thresholdBetween(1, 1 + 2 ** -52)).toBe(1 + 2 ** -52)
  })
})

describe('backend mljs (ml-random-forest, small dense problems)', () => {
  const mljs: RfParams = {...rf, backend: 'mljs', n_estimators: 10, max_features: 1}

  it('learns a tiny dense threshold problem and serves it through the same forest code', () => {
    const d = sparseData(120, 4, 20, (rng, row) => {
      row.clear()
      for (let f = 0; f < 4; f++) row.set(f, rng.nextFloat())
      return row.get(0)! > 0.5 ? 1 : 0
    })
    const {Xtr, ytr, Xte, yte} = split(d, 80)
    const model = rfSpec.fit(Xtr, ytr, 2, mljs, ctx())
    expect(accuracy(model, Xte, yte)).toBeGreaterThan(0.9)
    expect((model.toJSON() as unknown as {backend: string}).backend).toBe('mljs')
    const loaded = rfSpec.load(JSON.parse(JSON.stringify(model.toJSON())))
    expect(loaded.predictProba(Xte)).toEqual(model.predictProba(Xte))
    expect(model.featureImportances().indexOf(Math.max(...model.featureImportances()))).toBe(0)
  })

  it('refuses a problem above its size limit before training, saying why', () => {
    const {X, y} = thresholdTask(21)
    const params = {...mljs, n_estimators: 100}
    const run = () => rfSpec.fit(X, y, 2, params, ctx())
    expect(run).toThrow(UserError)
    expect(run).toThrow(/train\.rf\.backend = mljs is for small dense problems: 900 rows × 60 features × 100 trees .*limit 1\.0e9.*Use train\.rf\.backend: sparse/)
    expect(100 * 900 * 900 * 60).toBeGreaterThan(MLJS_MAX_WORK)
  })

  it('refuses entropy, which ml-random-forest does not have', () => {
    const {X, y} = thresholdTask(22)
    expect(() => rfSpec.fit(selectRows(X, [0, 1, 2, 3, 4, 5]), y.slice(0, 6), 2, {...mljs, criterion: 'entropy'}, ctx())).toThrow(
      /criterion = entropy is not supported by train\.rf\.backend = mljs/,
    )
  })
})

describe('real review text (sentiment package fixture: 1,000 Amazon reviews)', () => {
  const require = createRequire(import.meta.url)
  const reviews = JSON.parse(readFileSync(require.resolve('sentiment/test/fixtures/amazon.json'), 'utf8')) as Array<{text: string; class: number}>
  const tokens = reviews.map(r => r.text.toLowerCase().match(/[a-z']+/g) ?? [])
  const isTrain = (i: number) => i % 5 !== 0
  const df = new Map<string, number>()
  tokens.forEach((t, i) => isTrain(i) && new Set(t).forEach(w => df.set(w, (df.get(w) ?? 0) + 1)))
  const vocab = new Map([...df].filter(([, n]) => n >= 2).map(([w], j) => [w, j]))
  const rows = tokens.map(t => {
    const row = new Map<number, number>()
    for (const w of t) if (vocab.has(w)) row.set(vocab.get(w)!, (row.get(vocab.get(w)!) ?? 0) + 1)
    const norm = Math.sqrt([...row.values()].reduce((s, v) => s + v * v, 0)) || 1
    for (const [j, v] of row) row.set(j, v / norm)
    return row
  })
  const X = csrFromRows(rows, vocab.size)
  const y = Int32Array.from(reviews, r => r.class)
  const trainIdx = reviews.map((_, i) => i).filter(isTrain)
  const testIdx = reviews.map((_, i) => i).filter(i => !isTrain(i))

  it.each(learners)('$name beats the majority class clearly on held-out reviews', l => {
    const model = fit(l, selectRows(X, trainIdx), Int32Array.from(trainIdx, i => y[i]), 2, {...(l.params as object), n_estimators: 60})
    expect(accuracy(model, selectRows(X, testIdx), Int32Array.from(testIdx, i => y[i]))).toBeGreaterThan(0.68)
  })
})
