/**
 * JSON Schema of params.yaml, with the defaults. Ajv fills missing keys from `default`, so a params.yaml only
 * needs the values a user wants to change.
 */
const bool = (d: boolean) => ({type: 'boolean', default: d})
const int = (d: number, minimum?: number, maximum?: number) => ({type: 'integer', default: d, ...(minimum === undefined ? {} : {minimum}), ...(maximum === undefined ? {} : {maximum})})
const num = (d: number, extra: Record<string, number> = {}) => ({type: 'number', default: d, ...extra})
const str = (d: string) => ({type: 'string', default: d})
const oneOf = (d: string, values: string[]) => ({type: 'string', enum: values, default: d})
const section = (properties: Record<string, unknown>) => ({type: 'object', additionalProperties: false, default: {}, properties})

export const paramsSchema = {
  type: 'object',
  // DVC projects keep several tools' params in one file: other top-level sections are left alone (the
  // sections below stay strict, so a typo inside them still names its key path).
  additionalProperties: true,
  properties: {
    ingest: section({
      source: {type: 'string', pattern: '\\S', default: 'builtin:uci'},
      // A fixed test set (same forms and mapping as source); when set, test_size does not apply.
      test_source: str(''),
      format: oneOf('auto', ['auto', 'csv', 'tsv', 'json', 'jsonl']),
      text_column: str('text'),
      label_column: str('label'),
      label_map: {type: 'object', additionalProperties: {type: 'integer', minimum: 0}, default: {}},
      class_names: {type: 'array', items: {type: 'string', pattern: '\\S'}, minItems: 2, default: ['negative', 'positive']},
      encoding: oneOf('utf-8', ['utf-8', 'windows-1252', 'latin1']),
      test_size: num(0.2, {exclusiveMinimum: 0, exclusiveMaximum: 1}),
      seed: int(42, 0),
      out_dir: str('data/raw'),
      timeout_ms: int(30_000, 1),
      retries: int(3, 0, 10),
    }),
    preprocess: section({
      lowercase: bool(true),
      remove_urls: bool(true),
      remove_numbers: bool(true),
      remove_punctuation: bool(true),
      remove_stopwords: bool(false),
      keep_negations: bool(true),
      mark_negation: bool(true),
      keep_words: {type: 'array', items: {type: 'string'}, default: ['but', 'very', 'too', 'more', 'most', 'only']},
      normalize: oneOf('lemma', ['lemma', 'stem', 'none']),
      min_length: int(3, 0),
      out_dir: str('data/interim'),
    }),
    featurize: section({
      method: oneOf('tfidf', ['bow', 'tfidf']),
      analyzer: oneOf('word+char', ['word', 'char_wb', 'word+char']),
      char_ngram_min: int(3, 1, 10),
      char_ngram_max: int(4, 1, 10),
      ngram_min: int(1, 1, 5),
      ngram_max: int(2, 1, 5),
      max_features: int(50_000, 0),
      min_df: num(1, {exclusiveMinimum: 0}),
      max_df: num(1, {exclusiveMinimum: 0}),
      sublinear_tf: bool(true),
      binary: bool(false),
      out_dir: str('data/processed'),
    }),
    train: section({
      algorithm: oneOf('lr', ['lr', 'mnb', 'rf', 'gb', 'xgb']),
      seed: int(42, 0),
      model_dir: str('models/model'),
      class_weight: oneOf('none', ['none', 'balanced']),
      lr: section({C: num(30, {exclusiveMinimum: 0}), max_iter: int(200, 1), tol: num(1e-4, {exclusiveMinimum: 0}), nb_scale: bool(true), nb_alpha: num(1, {exclusiveMinimum: 0})}),
      mnb: section({alpha: num(1, {exclusiveMinimum: 0}), backend: oneOf('sparse', ['sparse', 'mljs'])}),
      rf: section({
        n_estimators: int(100, 1),
        max_depth: int(0, 0),
        min_samples_leaf: int(1, 1),
        max_features: {anyOf: [{type: 'string', enum: ['sqrt', 'log2']}, {type: 'number', exclusiveMinimum: 0, maximum: 1}], default: 'sqrt'},
        bootstrap: bool(true),
        criterion: oneOf('gini', ['gini', 'entropy']),
        backend: oneOf('sparse', ['sparse', 'mljs']),
      }),
      gb: section({
        n_estimators: int(100, 1),
        learning_rate: num(0.1, {exclusiveMinimum: 0}),
        max_depth: int(3, 1),
        subsample: num(1, {exclusiveMinimum: 0, maximum: 1}),
        min_samples_leaf: int(1, 1),
      }),
      xgb: section({
        n_estimators: int(100, 1),
        eta: num(0.3, {exclusiveMinimum: 0}),
        max_depth: int(6, 1),
        lambda: num(1, {minimum: 0}),
        alpha: num(0, {minimum: 0}),
        gamma: num(0, {minimum: 0}),
        min_child_weight: num(1, {minimum: 0}),
        subsample: num(1, {exclusiveMinimum: 0, maximum: 1}),
        colsample_bytree: num(1, {exclusiveMinimum: 0, maximum: 1}),
        max_bin: int(256, 2, 65_535),
      }),
    }),
    evaluate: section({
      threshold: {anyOf: [{type: 'number', minimum: 0, maximum: 1}, {type: 'string', enum: ['auto']}], default: 0.5},
      threshold_objective: oneOf('macro_f1', ['macro_f1', 'f1', 'accuracy', 'balanced_accuracy']),
      threshold_folds: int(5, 2, 20),
      metrics_file: str('reports/metrics.json'),
      plots_dir: str('reports/plots'),
    }),
    register: section({
      model_name: {type: 'string', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$', default: 'sentiment'},
      stage: oneOf('None', ['None', 'Staging', 'Production', 'Archived']),
      alias: {type: 'string', pattern: '^([A-Za-z_][A-Za-z0-9_-]*)?$', default: ''},
      archive_existing: bool(false),
      gates: {type: 'array', items: {type: 'string', pattern: '\\S'}, default: []},
      against: str(''),
      min_delta: num(0),
      data: str(''),
      significance: num(0, {minimum: 0, maximum: 1}),
    }),
    compare: section({
      resamples: int(2000, 100, 1_000_000),
      seed: int(42, 0),
      confidence: num(0.95, {exclusiveMinimum: 0, exclusiveMaximum: 1}),
    }),
    monitor: section({
      psi_threshold: num(0.2, {exclusiveMinimum: 0}),
      class_shift_threshold: num(0.1, {exclusiveMinimum: 0, maximum: 1}),
      accuracy_drop_threshold: num(0.05, {exclusiveMinimum: 0, maximum: 1}),
      window: int(1000, 0),
      min_samples: int(300, 1),
    }),
    serve: section({
      host: str('0.0.0.0'),
      port: int(8080, 0, 65_535),
      model: str('models/model'),
      watch_interval: num(0, {minimum: 0}),
      body_limit: int(1_048_576, 1),
      max_text_length: int(10_000, 1),
      max_batch: int(256, 1),
      grace_period_ms: int(10_000, 0),
      cors_origin: str(''),
    }),
    // Build, push, cluster, deploy and teardown settings: validated with their own schema by src/core/cloud/config.ts.
    cloud: {type: 'object', default: {}},
    experiment: section({
      name: str('sentiment-grid'),
      cv: int(5, 2, 50),
      parallel: int(1, 1, 64),
      metric: str('accuracy'),
      grid: {type: 'object', additionalProperties: {type: 'array', minItems: 1}, default: {}},
    }),
  },
} as const
