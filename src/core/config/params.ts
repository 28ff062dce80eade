/** The typed shape of params.yaml: one section per pipeline stage. Defaults live in ./schema.ts. */

export type TextNormalizer = 'lemma' | 'stem' | 'none'
export type FeatureMethod = 'bow' | 'tfidf'
export type Algorithm = 'lr' | 'mnb' | 'rf' | 'gb' | 'xgb'
export const ALGORITHMS: readonly Algorithm[] = ['lr', 'mnb', 'rf', 'gb', 'xgb']

export interface IngestParams {
  /** A path, a glob, several of them separated by commas, an http(s) URL, s3://bucket/key or builtin:uci. */
  source: string
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
  lr: LrParams
  mnb: MnbParams
  rf: RfParams
  gb: GbParams
  xgb: XgbParams
}

export interface EvaluateParams {
  threshold: number
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
