#!/usr/bin/env node
// One sentiops training run in one Node process, the counterpart of ../shared/bench/sk_train.py:
// load → preprocess → stratified split → vectorize → fit → predict → metrics. Prints one JSON line.
// Imports the compiled library (dist/), so no TypeScript compilation is timed. Run `npm run build` first.
//   node bench/train-once.mjs DATA.csv [--algo lr|mnb|rf|gb|xgb] [--features tfidf|bow] [--max-features 5000]
//        [--ngram 1|2] [--seed 42] [--profile baseline|default] [--scale N] [--set key=value ...]
// --profile baseline: the seed/scikit-learn pipeline (no lemmatization, unigrams, plain tf, 5,000 features).
// --profile default:  params.yaml defaults (lemmas, uni+bigrams, sublinear tf, 50k features, C = 4).
// --scale N: repeat the data set to N texts (labelled as such in the output) and time preprocess+featurize+fit.
const T_START = performance.now()
import {parseArgs} from 'node:util'
const {loadParams} = await import('../dist/core/config/index.js')
const {readSplit, stratifiedSplit} = await import('../dist/core/data/index.js')
const {createPreprocessor, keepForTraining} = await import('../dist/core/text/index.js')
const {Vectorizer} = await import('../dist/core/features/vectorizer.js')
const {fitClassifier} = await import('../dist/core/models/index.js')
const {computeMetrics} = await import('../dist/core/evaluation/index.js')
const {silentReporter} = await import('../dist/core/reporter.js')
const T_IMPORTED = performance.now()

const {values: a, positionals} = parseArgs({
  allowPositionals: true,
  options: {
    algo: {type: 'string', default: 'lr'},
    features: {type: 'string'},
    'max-features': {type: 'string'},
    ngram: {type: 'string'},
    seed: {type: 'string', default: '42'},
    profile: {type: 'string', default: 'baseline'},
    scale: {type: 'string'},
    set: {type: 'string', multiple: true, default: []},
  },
})
const data = positionals[0]
const seed = Number(a.seed)
const set = [`train.algorithm=${a.algo}`, `train.seed=${seed}`]
if (a.profile === 'baseline') {
  set.push('preprocess.normalize=none', 'preprocess.remove_stopwords=true', 'featurize.ngram_max=1', 'featurize.sublinear_tf=false', 'featurize.max_features=5000', 'train.lr.C=1', 'train.lr.nb_scale=false')
} else if (a.profile !== 'default') throw new Error(`unknown --profile ${a.profile}`)
if (a.features) set.push(`featurize.method=${a.features}`)
else if (a.profile === 'baseline') set.push(`featurize.method=${a.algo === 'mnb' ? 'bow' : 'tfidf'}`)
if (a['max-features']) set.push(`featurize.max_features=${a['max-features']}`)
if (a.ngram) set.push(`featurize.ngram_max=${a.ngram}`)
const {params} = await loadParams({cwd: '/nonexistent', overrides: [...set, ...a.set], env: {}})

const t = {import: (T_IMPORTED - T_START) / 1000}
const lap = (name, since) => (t[name] = (performance.now() - since) / 1000)
const out = {tool: 'sentiops', dataset: data, algo: a.algo, features: params.featurize.method, max_features: params.featurize.max_features,
  ngram: params.featurize.ngram_max, seed, profile: a.profile}

let t0 = performance.now()
let rows = await readSplit(data)
lap('load', t0)
if (a.scale) {
  const n = Number(a.scale)
  const base = rows
  rows = Array.from({length: n}, (_, i) => base[i % base.length])
  out.scale = `${base.length} texts repeated to ${n}`
}
out.n_rows = rows.length

t0 = performance.now()
const clean = createPreprocessor(params.preprocess)
const texts = []
const labels = []
for (const r of rows) {
  const c = clean(r.text)
  if (keepForTraining(c, params.preprocess)) {
    texts.push(c)
    labels.push(r.label)
  }
}
lap('preprocess', t0)
out.n_kept = texts.length

const fit = (trainTexts, trainLabels, algorithm) => {
  let s = performance.now()
  const {vectorizer, X} = Vectorizer.fitTransform(trainTexts, params.featurize)
  lap(a.scale ? `vectorize_${algorithm}` : 'vectorize', s)
  s = performance.now()
  const model = fitClassifier(X, Int32Array.from(trainLabels), 2, {...params.train, algorithm}, {seed, reporter: silentReporter})
  lap(a.scale ? `fit_${algorithm}` : 'fit', s)
  return {vectorizer, model}
}

if (a.scale) {
  // Scale mode: the whole set is training data; LR on TF-IDF and MNB on BoW, one after the other.
  for (const algorithm of ['lr', 'mnb']) {
    params.featurize.method = algorithm === 'mnb' ? 'bow' : 'tfidf'
    fit(texts, labels, algorithm)
  }
  out.mode = 'scale'
} else {
  out.mode = 'holdout'
  t0 = performance.now()
  const plan = stratifiedSplit(labels, params.ingest.class_names, 0.2, seed, data)
  const pick = idx => Array.from(idx, i => texts[i])
  const pickY = idx => Array.from(idx, i => labels[i])
  const trainTexts = pick(plan.train)
  const testTexts = pick(plan.test)
  lap('split', t0)
  out.n_train = trainTexts.length
  out.n_test = testTexts.length
  const {vectorizer, model} = fit(trainTexts, pickY(plan.train), a.algo)
  out.vocab_size = vectorizer.nFeatures
  t0 = performance.now()
  const proba = model.predictProba(vectorizer.transform(testTexts))
  lap('predict', t0)
  const m = computeMetrics({yTrue: pickY(plan.test), proba, nClasses: 2, classNames: params.ingest.class_names})
  out.metrics = Object.fromEntries(['accuracy', 'precision', 'recall', 'f1', 'roc_auc'].map(k => [k, Math.round(m[k] * 1e4) / 1e4]))
}
t.total_in_process = (performance.now() - T_START) / 1000
out.timings_s = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, Math.round(v * 1e4) / 1e4]))
out.peak_rss_mb = Math.round(process.resourceUsage().maxRSS / 1024)
out.versions = {node: process.versions.node}
console.log(JSON.stringify(out))
