import {describe, expect, it} from 'vitest'
import {bundleFromParts, type BundleMeta, type Prediction} from '../../src/core/bundle/index.js'
import {loadParams} from '../../src/core/config/index.js'
import {Vectorizer} from '../../src/core/features/vectorizer.js'
import {fitClassifier} from '../../src/core/models/index.js'
import {buildTrainingProfile, quantileProfile, signalValues} from '../../src/core/monitor/profile.js'
import {silentReporter} from '../../src/core/reporter.js'
import {createPreprocessor} from '../../src/core/text/index.js'

describe('quantileProfile: decile edges (sorted value at ceil(i·n/10) − 1), deduplicated, with shares', () => {
  it('1..20: edges every second value, a tenth in every bin', () => {
    // n = 20: edge i = sorted[2i − 1] = 2i for i = 1..9; each bin holds two of the twenty values.
    const values = Array.from({length: 20}, (_, i) => 20 - i) // given unsorted
    const p = quantileProfile(values)
    expect(p.edges).toEqual([2, 4, 6, 8, 10, 12, 14, 16, 18])
    expect(p.shares).toEqual(Array(10).fill(0.1))
  })

  it('discrete values: one bin per value; the edge at the maximum is dropped, so no bin is empty', () => {
    // six 0s, two 1s, two 5s (n = 10): edges sorted[i − 1] = 0,0,0,0,0,0,1,1,5 → 0, 1, 5; 5 is the maximum,
    // (5, inf) would hold nothing → edges 0, 1: (-inf, 0] 6/10, (0, 1] 2/10, (1, inf) 2/10
    const p = quantileProfile([1, 0, 5, 0, 0, 1, 0, 5, 0, 0])
    expect(p.edges).toEqual([0, 1])
    expect(p.shares).toEqual([0.6, 0.2, 0.2])
  })

  it('fewer values than bins: every value but the largest becomes an edge', () => {
    // n = 3: ceil(3i/10) − 1 = 0 for i = 1..3, 1 for i = 4..6, 2 for i = 7..9 → edges 1, 2, 3; 3 is the maximum
    const p = quantileProfile([3, 1, 2])
    expect(p.edges).toEqual([1, 2])
    expect(p.shares).toEqual([1 / 3, 1 / 3, 1 / 3])
  })

  it('one value repeated: a single bin', () => {
    expect(quantileProfile([7, 7, 7])).toEqual({edges: [], shares: [1]})
  })

  it('no values: one bin holding everything', () => {
    expect(quantileProfile([])).toEqual({edges: [], shares: [1]})
  })
})

describe('signalValues: the one definition of the per-text drift signals', () => {
  const twoClasses = ['negative', 'positive']
  const negative: Prediction = {label: 'negative', score: 0.7, probabilities: {negative: 0.7, positive: 0.3}}

  it('text length in characters of the raw text, words, unknown share, and P(class 1) for two classes', () => {
    // "héllo wörld!" is 12 characters; 4 words of which 1 unknown → 0.25; P(positive) = 0.3 though negative won
    expect(signalValues('héllo wörld!', 4, 1, negative, twoClasses)).toEqual({text_length: 12, token_count: 4, oov_rate: 0.25, score: 0.3})
  })

  it('a text with no words has oov_rate 0', () => {
    expect(signalValues('!!!', 0, 0, negative, twoClasses).oov_rate).toBe(0)
  })

  it('more than two classes: the largest probability', () => {
    const p: Prediction = {label: 'neutral', score: 0.5, probabilities: {negative: 0.2, neutral: 0.5, positive: 0.3}}
    expect(signalValues('ok', 1, 0, p, ['negative', 'neutral', 'positive']).score).toBe(0.5)
  })
})

describe('buildTrainingProfile on a real tiny bundle', async () => {
  const {params} = await loadParams({cwd: '/nonexistent-dir', env: {}})
  // Whole words only (no character n-grams, no negation marks): the hand-counted unknown words below rely on it.
  const preprocess = {...params.preprocess, normalize: 'none' as const, remove_stopwords: false, mark_negation: false}
  const featurize = {...params.featurize, analyzer: 'word' as const, ngram_max: 1}
  const clean = createPreprocessor(preprocess)
  const train = ['good great fine', 'great good', 'fine good great', 'bad awful poor', 'awful bad', 'poor bad awful']
  const y = Int32Array.from([1, 1, 1, 0, 0, 0])
  const {vectorizer, X} = Vectorizer.fitTransform(train.map(clean), featurize)
  const classifier = fitClassifier(X, y, 2, {...params.train, algorithm: 'mnb'}, {seed: 1, reporter: silentReporter})
  const meta = {format: 'sentiops-bundle', formatVersion: 1, algorithm: 'mnb', classNames: ['negative', 'positive'], preprocess, featurize} as BundleMeta
  const bundle = bundleFromParts('/tmp/unused', {meta, vectorizer, classifier})

  // text (characters, words, unknown words): "movie", "film" and "plot" are not in the vocabulary
  const rows = [
    {text: 'good', label: 1}, //                     4 chars, 1 word, 0 unknown
    {text: 'good movie', label: 1}, //              10 chars, 2 words, 1 unknown
    {text: 'bad', label: 0}, //                      3 chars, 1 word, 0 unknown
    {text: 'bad film plot', label: 0}, //           13 chars, 3 words, 2 unknown
    {text: 'great great great great', label: 1}, // 23 chars, 4 words, 0 unknown
  ]
  const profile = buildTrainingProfile(bundle, rows)

  it('bins text length, words and the unknown share by deciles of the five texts', () => {
    // n = 5: edge i = sorted[ceil(i/2) − 1] → sorted[0,0,1,1,2,2,3,3,4]
    // lengths 3,4,10,13,23 → every length but the largest (23: nothing above it) is an edge, a fifth per bin
    expect(profile.signals.text_length).toEqual({edges: [3, 4, 10, 13], shares: [0.2, 0.2, 0.2, 0.2, 0.2]})
    // words 1,1,2,3,4 → edges 1,1,1,1,2,2,3,3,4 → 1,2,3 (4 is the largest); two texts have one word
    expect(profile.signals.token_count).toEqual({edges: [1, 2, 3], shares: [0.4, 0.2, 0.2, 0.2]})
    // unknown shares 0,0,0,1/2,2/3 → edges 0,0,0,0,0,0,1/2,1/2,2/3 → 0, 1/2 (2/3 is the largest)
    expect(profile.signals.oov_rate).toEqual({edges: [0, 0.5], shares: [0.6, 0.2, 0.2]})
  })

  it('records the unknown-word share, class mix, label mix and accuracy', () => {
    expect(profile.n).toBe(5)
    expect(profile.oovShare).toBeCloseTo(3 / 11, 12) // 3 unknown of 11 words
    // every text has a known word of its own class only, so the model gets all five right
    expect(profile.classMix).toEqual({negative: 0.4, positive: 0.6})
    expect(profile.labelMix).toEqual({negative: 0.4, positive: 0.6})
    expect(profile.accuracy).toBe(1)
  })

  it('bins the score P(positive): two values, the negatives\' below 0.5, the positives\' above', () => {
    // After l2 normalization each text is one known word with weight 1 (unknown words add nothing, repeats
    // are sublinear), and good/great/fine mirror bad/awful/poor in training: so the negatives share one score s
    // and the positives 1 − s. sorted s,s,1−s,1−s,1−s → edges s (1−s is the largest); shares 2/5, 3/5.
    const {edges, shares} = profile.signals.score
    expect(edges).toHaveLength(1)
    expect(edges[0]!).toBeLessThan(0.5)
    expect(edges[0]!).toBeCloseTo(1 - bundle.predict(['good'])[0]!.probabilities.positive!, 12) // s = 1 − P(positive | a positive text)
    expect(shares).toEqual([0.4, 0.6])
  })
})
