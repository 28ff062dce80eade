/** The typed shape of params.yaml: one section per pipeline stage. Defaults live in ./schema.ts. */

export type TextNormalizer = 'lemma' | 'stem' | 'none'
export type FeatureMethod = 'bow' | 'tfidf'
export type Algorithm = 'lr' | 'mnb' | 'rf' | 'gb' | 'xgb'
export const ALGORITHMS: readonly Algorithm[] = ['lr', 'mnb', 'rf', 'gb', 'xgb']

export interface IngestParams {
  /** A path, a glob, several of them separated by commas, an http(s) URL, s3://bucket/key or builtin:uci. */
  source: string
  /** A fixed test set, in the same forms as `source` ('' = split `source` by test_size). */
  test_source: string
  /** auto (by extension / content type), csv, tsv, json, jsonl. */
  format: 'auto' | 'csv' | 'tsv' | 'json' | 'jsonl'
  text_column: string
  label_column: string
  /** Raw label → class index. Empty: labels must already be 0/1 (or 0..k-1). */
  label_map: Record<string, number>
  /** Class index → class name, used in reports and predictions. */
  class_names: string[]
  encoding: 'utf-8' | 'windows-1252' | 'latin1'
  test_size: number
  seed: number
  /** Folder for train.csv and test.csv. */
  out_dir: string
  /** HTTP(S) download timeout and retries. */
  timeout_ms: number
  retries: number
}

export interface PreprocessParams {
  lowercase: boolean
  remove_urls: boolean
  remove_numbers: boolean
  remove_punctuation: boolean
  remove_stopwords: boolean
  /** Keep not/no/never/nor/cannot and n't contractions even when stopwords are removed. */
  keep_negations: boolean
  /** Tokens after a negation, up to the next punctuation, get a NEG_ prefix (Das & Chen 2001; Pang et al. 2002). */
  mark_negation: boolean
  /** Extra words to keep although the stopword list has them. */
  keep_words: string[]
  /** lemma: wink-lemmatizer; stem: Porter (natural); none. */
  normalize: TextNormalizer
  /** Texts shorter than this many characters after cleaning are dropped from training. */
  min_length: number
  out_dir: string
}

export interface FeaturizeParams {
  method: FeatureMethod
  /** word n-grams, character n-grams inside word boundaries (char_wb), or both side by side. */
  analyzer: 'word' | 'char_wb' | 'word+char'
  char_ngram_min: number
  char_ngram_max: number
  ngram_min: number
  ngram_max: number
  /** 0 = no cap. */
  max_features: number
  /** An integer ≥ 1 is a document count; a number in (0,1) is a fraction of documents. */
  min_df: number
  max_df: number
  sublinear_tf: boolean
  binary: boolean
  out_dir: string
}

export interface LrParams {
  C: number
  max_iter: number
  tol: number
  /**
   * NB-LR (Wang & Manning 2012, "NBSVM" with a logistic loss): scale each feature by its naive Bayes
   * log-count ratio before fitting. Binary problems only. The ratios are folded into the weights, so the saved
   * model is a plain logistic regression.
   */
  nb_scale: boolean
  /** Smoothing of the log-count ratios. */
  nb_alpha: number
}

export interface MnbParams {
  alpha: number
  /** sparse (default) or mljs: ml-naivebayes on a dense matrix, for small problems only. */
  backend: 'sparse' | 'mljs'
}

export interface RfParams {
  n_estimators: number
  max_depth: number
  min_samples_leaf: number
  max_features: 'sqrt' | 'log2' | number
  bootstrap: boolean
  criterion: 'gini' | 'entropy'
  backend: 'sparse' | 'mljs'
}

export interface GbParams {
  n_estimators: number
  learning_rate: number
  max_depth: number
  subsample: number
  min_samples_leaf: number
}

export interface XgbParams {
  n_estimators: number
  eta: number
  max_depth: number
  lambda: number
  alpha: number
  gamma: number
  min_child_weight: number
  subsample: number
  colsample_bytree: number
  max_bin: number
}

export interface TrainParams {
  algorithm: Algorithm
  seed: number
  model_dir: string
  /** balanced: weight each class by n / (k · n_class), as scikit-learn's class_weight='balanced'. */
  class_weight: 'none' | 'balanced'
  lr: LrParams
  mnb: MnbParams
  rf: RfParams
  gb: GbParams
  xgb: XgbParams
}

export interface EvaluateParams {
  /** Binary decision threshold on P(class 1), or auto: chosen by train on out-of-fold predictions. */
  threshold: number | 'auto'
  threshold_objective: 'macro_f1' | 'f1' | 'accuracy' | 'balanced_accuracy'
  threshold_folds: number
  metrics_file: string
  plots_dir: string
}

export interface RegisterParams {
  model_name: string
  stage: 'None' | 'Staging' | 'Production' | 'Archived'
  alias: string
  archive_existing: boolean
  /** e.g. ["f1>=0.75"]. */
  gates: string[]
  against: string
  min_delta: number
  /** Labeled data both models are scored on when `against` is set with a significance level. */
  data: string
  /** 0 = compare single numbers (min_delta); e.g. 0.05 = promote only when better at that significance. */
  significance: number
}

export interface CompareParams {
  /** Paired-bootstrap resamples for the confidence intervals. */
  resamples: number
  seed: number
  confidence: number
}

export interface MonitorParams {
  /** PSI above this marks a signal as drifted (0.2: the usual rule of thumb). */
  psi_threshold: number
  /** Largest allowed absolute change of any predicted class share. */
  class_shift_threshold: number
  /** Largest allowed accuracy drop (labeled data only). */
  accuracy_drop_threshold: number
  /** serve: recent requests kept for live drift; 0 = live drift off. */
  window: number
  /** Fewer texts than this: drift is not judged (too noisy). */
  min_samples: number
}

export interface ServeParams {
  host: string
  port: number
  model: string
  /** Seconds between registry polls; 0 = no watching. */
  watch_interval: number
  body_limit: number
  max_text_length: number
  max_batch: number
  grace_period_ms: number
  cors_origin: string
}

export interface Params {
  ingest: IngestParams
  preprocess: PreprocessParams
  featurize: FeaturizeParams
  train: TrainParams
  evaluate: EvaluateParams
  register: RegisterParams
  serve: ServeParams
  compare: CompareParams
  monitor: MonitorParams
  experiment: ExperimentParams
  /** Raw `cloud:` section; typed and validated by src/core/cloud/config.ts. */
  cloud: Record<string, unknown>
}

export interface ExperimentParams {
  name: string
  cv: number
  parallel: number
  metric: string
  /** Dotted params key → values to try, e.g. {"train.algorithm": ["lr", "mnb"]}. */
  grid: Record<string, unknown[]>
}
