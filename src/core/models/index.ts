import {ALGORITHMS, type Algorithm, type TrainParams} from '../config/params.js'
import {BugError, UserError} from '../errors.js'
import type {CsrMatrix} from '../features/sparse.js'
import type {AlgorithmSpec, Classifier, FitContext, SerializedClassifier} from './classifier.js'
import {lrSpec} from './lr.js'
import {gbSpec} from './gb.js'
import {mnbSpec} from './mnb.js'
import {rfSpec} from './rf.js'
import {xgbSpec} from './xgb.js'

export type {Classifier, SerializedClassifier, FitContext, AlgorithmSpec} from './classifier.js'

const SPECS: Partial<Record<Algorithm, AlgorithmSpec<never>>> = {
  lr: lrSpec as AlgorithmSpec<never>,
  mnb: mnbSpec as AlgorithmSpec<never>,
  rf: rfSpec as AlgorithmSpec<never>,
  gb: gbSpec as AlgorithmSpec<never>,
  xgb: xgbSpec as AlgorithmSpec<never>,
}

export function algorithmSpec(name: string): AlgorithmSpec<never> {
  const spec = SPECS[name as Algorithm]
  if (!spec) {
    const known = ALGORITHMS.filter(a => SPECS[a]).join(', ')
    throw new UserError(`unknown algorithm "${name}"; valid algorithms: ${known}`)
  }
  return spec
}

/**
 * Fits train.algorithm with its section of params (train.lr, train.mnb, ...) and train.class_weight
 * (balanced: rows weighted by their class, see `balancedSampleWeights`; for mnb, uniform class priors).
 */
export function fitClassifier(X: CsrMatrix, y: Int32Array, nClasses: number, train: TrainParams, ctx: FitContext): Classifier {
  const spec = algorithmSpec(train.algorithm)
  const algoParams = train[train.algorithm] as never
  if (train.class_weight !== 'balanced') return spec.fit(X, y, nClasses, algoParams, ctx)
  if (train.algorithm === 'mnb') return spec.fit(X, y, nClasses, algoParams, {...ctx, uniformClassPriors: true})
  return spec.fit(X, y, nClasses, algoParams, {...ctx, sampleWeight: balancedSampleWeights(y, nClasses)})
}

/**
 * scikit-learn's class_weight='balanced' as per-row weights: a row of class c weighs n / (k · n_c), with k the
 * number of classes present in y, so every class carries the same total weight and the weights sum to n.
 */
export function balancedSampleWeights(y: Int32Array, nClasses: number): Float64Array {
  const counts = new Float64Array(nClasses)
  for (const c of y) counts[c]++
  const present = counts.filter(n => n > 0).length
  return Float64Array.from(y, c => y.length / (present * counts[c]))
}

export function loadClassifier(json: SerializedClassifier): Classifier {
  const spec = algorithmSpec(json.algorithm)
  const model = spec.load(json)
  if (model.nClasses !== json.nClasses || model.nFeatures !== json.nFeatures) throw new BugError(`classifier ${json.algorithm} loaded with the wrong shape`)
  return model
}
