import type {Algorithm} from '../config/params.js'
import type {Reporter} from '../reporter.js'
import type {CsrMatrix} from '../features/sparse.js'

/**
 * A fitted classifier. Every algorithm (lr, mnb, rf, gb, xgb) implements this, is saved as plain JSON in the
 * model bundle (no code, no eval) and is loaded back by its `load` function.
 */
export interface Classifier {
  readonly algorithm: Algorithm
  readonly nClasses: number
  readonly nFeatures: number
  /** Class probabilities, row-major: out[i * nClasses + c]. */
  predictProba(X: CsrMatrix): Float64Array
  /** Plain JSON (numbers, strings, arrays, objects): same model → same JSON, byte for byte. */
  toJSON(): SerializedClassifier
  /** Per-feature importance (gain for trees, |coefficient| spread for linear models), length nFeatures. */
  featureImportances(): Float64Array
  /**
   * Exact additive contributions of each non-zero feature of one row to the score of class `c` vs the rest
   * (log-odds for LR, log-likelihood ratio for MNB). Undefined for models that have no exact decomposition.
   */
  contributions?(X: CsrMatrix, row: number, c: number): Array<{feature: number; value: number}>
}

export interface SerializedClassifier {
  algorithm: Algorithm
  nClasses: number
  nFeatures: number
  [key: string]: unknown
}

export interface FitContext {
  seed: number
  reporter: Reporter
  signal?: AbortSignal
  /**
   * Per-row weights in the loss (train.class_weight balanced: n / (k · n_class) by the row's class); absent when
   * every row weighs 1 (the two-class Newton path then does no extra work). mnb takes `uniformClassPriors` instead.
   */
  sampleWeight?: Float64Array
  /**
   * mnb under train.class_weight balanced: every class present in y gets prior 1/k (balanced weights give each
   * class the same total weight), as scikit-learn's MultinomialNB(fit_prior=False). Other learners ignore it.
   */
  uniformClassPriors?: boolean
}

/** One algorithm: how to fit it from params and how to load it back from the bundle's JSON. */
export interface AlgorithmSpec<P> {
  readonly name: Algorithm
  readonly description: string
  fit(X: CsrMatrix, y: Int32Array, nClasses: number, params: P, ctx: FitContext): Classifier
  load(json: SerializedClassifier): Classifier
}
