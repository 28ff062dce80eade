import type {Algorithm, FeaturizeParams, PreprocessParams} from '../config/params.js'
import type {TrainingProfile} from '../monitor/profile.js'

/** One prediction, as `predict`, `serve` (/predict) and `sentiops predict` all return it. */
export interface Prediction {
  /** Class name, e.g. "positive". */
  label: string
  /** Probability of the predicted class. */
  score: number
  /** Class name → probability. */
  probabilities: Record<string, number>
}

export interface TokenContribution {
  /** The feature (a token or n-gram, after preprocessing). */
  token: string
  /** Additive contribution to the log-odds of `target` (positive = pushes towards it). */
  contribution: number
}

export interface Explanation extends Prediction {
  /** The class the contributions are for (the predicted class). */
  target: string
  /** exact: linear decomposition (lr, mnb); occlusion: change in log-odds when the token is left out (trees). */
  method: 'exact' | 'occlusion'
  /** The text after the shared preprocessing. */
  processed: string
  /** Intercept/prior part of the score. */
  bias: number
  positive: TokenContribution[]
  negative: TokenContribution[]
}

/** Per text: its words after preprocessing and how many of them are in no vocabulary term. */
export interface TextSignals {
  tokens: Uint32Array
  unknown: Uint32Array
}

/** What bundle.json records about how and on what the model was made. */
export interface BundleMeta {
  format: 'sentiops-bundle'
  formatVersion: 1
  algorithm: Algorithm
  classNames: string[]
  preprocess: PreprocessParams
  featurize: FeaturizeParams
  /** Model params of the algorithm (e.g. train.lr). */
  trainParams: Record<string, unknown>
  seed: number
  /** md5 of the training split file. */
  dataHash: string
  nTrain: number
  nFeatures: number
  /** Library versions: sentiops, node and the text libraries that change tokens. */
  versions: Record<string, string>
  /**
   * Two classes only: the class-1 probability above which class 1 is predicted (absent = 0.5). Chosen by train
   * when evaluate.threshold is auto; predict, serve and evaluate all decide with it.
   */
  threshold?: number
  /** What inputs and predictions looked like on the test split: the reference of `sentiops drift` and serve. */
  profile?: TrainingProfile
}

/**
 * A loaded model bundle: the one object through which train/evaluate/predict/serve/explain predict, so every
 * caller shares the same preprocessing and vectorizer (no training–serving skew).
 */
export interface Bundle {
  readonly dir: string
  readonly meta: BundleMeta
  /** Predictions for raw texts (preprocessed here). Empty-after-cleaning texts get the class prior. */
  predict(texts: readonly string[]): Prediction[]
  /** predict() plus, per text, the inputs of the drift signals, from the same preprocessing pass. */
  predictWithSignals(texts: readonly string[]): {predictions: Prediction[]; signals: TextSignals}
  /** Per-token contributions for one raw text; topK per side (default 10). */
  explain(text: string, topK?: number): Explanation
  /** The topK most important features (gain for trees, |weight| for linear models), normalized to sum 1 over all. */
  featureImportances(topK?: number): Array<{token: string; importance: number}>
}
