import {readFile, writeFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {BUNDLE_FILES, loadBundle, type Bundle, type Explanation} from '../../src/core/bundle/index.js'
import type {BundleMeta} from '../../src/core/bundle/types.js'
import {Vectorizer, type VectorizerState} from '../../src/core/features/vectorizer.js'
import {createPreprocessor} from '../../src/core/text/index.js'
import {tempDir, trainModel} from '../serve/support/model.js'

/**
 * `explain` checked against the model itself rather than against `explain`: the exact decompositions (lr, mnb)
 * must add up, with the bias, to the log-odds computed from the bundle's own numbers (weights × the vectorized
 * row, and the predicted probabilities); the occlusion estimates (rf, gb, xgb) must equal the change in log-odds
 * of predicting the text with the token left out.
 */
const require = createRequire(import.meta.url)
const fixture = (name: string) => require(`sentiment/test/fixtures/${name}.json`) as Array<{text: string; class: number}>
const TEXTS = ['amazon', 'imdb', 'yelp'].flatMap(name => fixture(name).slice(0, 80).map(r => r.text))
const ALL = 100_000 // top-k larger than any text: every non-zero contribution is listed

/** The bundle's files read the plain way: preprocessing, vectorizer and classifier JSON. */
async function readBundleFiles(dir: string) {
  const read = async <T>(name: string) => JSON.parse(await readFile(path.join(dir, name), 'utf8')) as T
  const meta = await read<BundleMeta>(BUNDLE_FILES.meta)
  return {
    meta,
    preprocess: createPreprocessor(meta.preprocess),
    vectorizer: new Vectorizer(await read<VectorizerState>(BUNDLE_FILES.vectorizer)),
    classifier: await read<Record<string, number[] | number | string>>(BUNDLE_FILES.classifier),
  }
}
type Files = Awaited<ReturnType<typeof readBundleFiles>>

/** Per-class raw scores of one processed text, from the classifier's JSON and the vectorized row (no model code). */
function rawScores(files: Files, processed: string): number[] {
  const X = files.vectorizer.transform([processed])
  const k = files.meta.classNames.length
  const d = X.cols
  const c = files.classifier
  const scores: number[] = []
  if (c.algorithm === 'lr') {
    const w = c.weights as number[]
    const b = c.intercepts as number[]
    for (let v = 0; v < (k === 2 ? 1 : k); v++) {
      let z = b[v]
      for (let p = X.indptr[0]; p < X.indptr[1]; p++) z += w[v * d + X.indices[p]] * X.data[p]
      scores.push(z)
    }
    return k === 2 ? [0, scores[0]] : scores // binary lr: sigmoid(z) is the second class, so z is the score difference
  }
  const prior = c.classLogPrior as number[]
  const flp = c.featureLogProb as number[]
  for (let cls = 0; cls < k; cls++) {
    let s = prior[cls]
    for (let p = X.indptr[0]; p < X.indptr[1]; p++) s += flp[cls * d + X.indices[p]] * X.data[p]
    scores.push(s)
  }
  return scores
}

const total = (e: Explanation) => e.bias + [...e.positive, ...e.negative].reduce((s, t) => s + t.contribution, 0)
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length

describe('exact contributions (lr, mnb, two classes): bias + Σ contributions = log-odds of the predicted class', () => {
  const settings: Array<Record<string, unknown>> = [
    {'train.algorithm': 'lr'},
    {'train.algorithm': 'lr', 'featurize.method': 'bow', 'featurize.ngram_max': 2},
    {'train.algorithm': 'mnb'},
    // Word counts: with character n-grams too, bag-of-words MNB saturates most probabilities (p < 1e-9 on one side).
    {'train.algorithm': 'mnb', 'featurize.method': 'bow', 'featurize.analyzer': 'word', 'preprocess.remove_stopwords': true},
  ]
  for (const set of settings) {
    it(JSON.stringify(set), async () => {
      const {dir} = await trainModel(await tempDir('sentiops-explain-'), set)
      const bundle = await loadBundle(dir)
      const files = await readBundleFiles(dir)
      let checked = 0
      for (const text of TEXTS) {
        const e = bundle.explain(text, ALL)
        expect(e.method).toBe('exact')
        const processed = files.preprocess(text)
        expect(e.processed).toBe(processed)
        const target = files.meta.classNames.indexOf(e.target)
        const [s0, s1] = rawScores(files, processed)
        const fromWeights = target === 1 ? s1 - s0 : s0 - s1
        expect(total(e), text).toBeCloseTo(fromWeights, 9)
        // The same log-odds from the probabilities predict() gives: ln(p / (1 - p)), both p from the model.
        const p = bundle.predict([text])[0]!.probabilities
        const pTarget = p[e.target]
        const pOther = p[files.meta.classNames[1 - target]]
        if (Math.min(pTarget, pOther) > 1e-9) {
          expect(total(e), text).toBeCloseTo(Math.log(pTarget / pOther), 6)
          checked++
        }
      }
      expect(checked).toBeGreaterThan(TEXTS.length * 0.9)
    }, 120_000)
  }
})

describe('exact contributions with three classes: bias + Σ = ln p(c) − mean over the other classes of ln p(o)', () => {
  let cwd: string
  beforeAll(async () => {
    cwd = await tempDir('sentiops-explain-k3-')
    // Three classes: which site a review comes from.
    const rows = ['amazon', 'imdb', 'yelp'].flatMap((name, label) => fixture(name).map(r => `"${r.text.replaceAll('"', '""')}",${label}`))
    await writeFile(path.join(cwd, 'three.csv'), `text,label\n${rows.join('\n')}\n`)
  })

  async function check(algorithm: 'lr' | 'mnb'): Promise<void> {
    const {dir} = await trainModel(cwd, {
      'train.algorithm': algorithm,
      'ingest.source': 'three.csv',
      'ingest.class_names': ['amazon', 'imdb', 'yelp'],
      'train.model_dir': `models/${algorithm}`,
      ...(algorithm === 'lr' ? {'train.lr.nb_scale': false} : {}), // NB scaling is for two classes only
    })
    const bundle: Bundle = await loadBundle(dir)
    const names = bundle.meta.classNames
    expect(names).toHaveLength(3)
    for (const text of TEXTS) {
      const e = bundle.explain(text, ALL)
      const c = names.indexOf(e.target)
      const lnp = names.map(n => Math.log(bundle.predict([text])[0]!.probabilities[n]))
      const others = lnp.filter((_, o) => o !== c)
      expect(total(e), text).toBeCloseTo(lnp[c] - mean(others), 6)
    }
  }

  it('mnb', () => check('mnb'), 120_000)
  it('lr', () => check('lr'), 120_000)
})

describe('occlusion (rf, gb, xgb): each contribution is the change in log-odds with that token left out', () => {
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z))
  // Votes of a forest are often exactly 0 or 1: explain states log-odds with p clamped to [1e-12, 1 − 1e-12].
  const logOdds = (p: number) => Math.log(Math.min(Math.max(p, 1e-12), 1 - 1e-12) / (1 - Math.min(Math.max(p, 1e-12), 1 - 1e-12)))
  for (const algorithm of ['rf', 'gb', 'xgb'] as const) {
    it(algorithm, async () => {
      const {dir} = await trainModel(await tempDir('sentiops-occlusion-'), {'train.algorithm': algorithm, [`train.${algorithm}.n_estimators`]: 40})
      const bundle = await loadBundle(dir)
      const {loadClassifier} = await import('../../src/core/models/index.js')
      const files = await readBundleFiles(dir)
      const classifier = loadClassifier(files.classifier as never)
      const proba = (processed: string) => classifier.predictProba(files.vectorizer.transform([processed]))
      let changed = 0
      for (const text of TEXTS.slice(0, 120)) {
        const e = bundle.explain(text, ALL)
        expect(e.method).toBe('occlusion')
        expect(e.bias).toBe(0)
        const processed = files.preprocess(text)
        expect(e.processed).toBe(processed)
        const target = files.meta.classNames.indexOf(e.target)
        const pFull = proba(processed)[target]
        expect(pFull).toBeCloseTo(e.score, 12)
        const tokens = processed === '' ? [] : processed.split(' ')
        const reported = new Map([...e.positive, ...e.negative].map(t => [t.token, t.contribution]))
        for (const token of new Set(tokens)) {
          const pWithout = proba(tokens.filter(t => t !== token).join(' '))[target]
          const contribution = reported.get(token)
          if (contribution === undefined) {
            // Not listed: leaving the token out does not move the prediction.
            expect(pWithout, `${token} in ${text}`).toBe(pFull)
            continue
          }
          changed++
          // Undo the reported log-odds change from the full prediction: that is the prediction without the token.
          expect(sigmoid(logOdds(pFull) - contribution), `${token} in ${text}`).toBeCloseTo(pWithout, 9)
          expect(Math.sign(contribution)).toBe(Math.sign(pFull - pWithout))
        }
        for (const token of reported.keys()) expect(tokens).toContain(token)
      }
      expect(changed).toBeGreaterThan(50)
    }, 180_000)
  }
})
