import {readFile} from 'node:fs/promises'
import {createRequire} from 'node:module'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {BUNDLE_FILES, loadBundle} from '../../src/core/bundle/index.js'
import type {BundleMeta} from '../../src/core/bundle/types.js'
import {Vectorizer, type VectorizerState} from '../../src/core/features/vectorizer.js'
import {loadClassifier} from '../../src/core/models/index.js'
import type {SerializedClassifier} from '../../src/core/models/classifier.js'
import {createPreprocessor} from '../../src/core/text/index.js'
import {tempDir, trainModel} from '../serve/support/model.js'

const require = createRequire(import.meta.url)
const fixtures = ['amazon', 'imdb'].flatMap(name => (require(`sentiment/test/fixtures/${name}.json`) as Array<{text?: string}>).map(r => r.text ?? ''))
const texts = [...fixtures.slice(0, 600), '', '!!!', "I can't say it wasn't good, really", "does n't work , is n't it", 'ÉNORME déception… 😡', 'not NEG_bad at all', 'ǂǂǂ and ǂǂ', 'x'.repeat(500)]

async function readBundleFiles(dir: string) {
  const read = async <T>(name: string) => JSON.parse(await readFile(path.join(dir, name), 'utf8')) as T
  return {meta: await read<BundleMeta>(BUNDLE_FILES.meta), state: await read<VectorizerState>(BUNDLE_FILES.vectorizer), classifier: await read<SerializedClassifier>(BUNDLE_FILES.classifier)}
}

/** scikit-learn's char_wb n-grams of one word (" word " windows; a padded word no longer than n once, whole). */
function charWbGrams(word: string, nmin: number, nmax: number): string[] {
  const w = ` ${word} `
  const out: string[] = []
  for (let n = nmin; n <= nmax; n++) {
    if (n >= w.length) {
      out.push(w)
      break
    }
    for (let i = 0; i + n <= w.length; i++) out.push(w.slice(i, i + n))
  }
  return out
}

describe('bundle.predict with character n-grams and negation marks (token-id path)', () => {
  const settings: Array<Record<string, unknown>> = [
    {'featurize.analyzer': 'char_wb'},
    {'featurize.analyzer': 'word+char', 'preprocess.mark_negation': true},
    {'featurize.analyzer': 'word', 'preprocess.mark_negation': true, 'preprocess.remove_stopwords': true},
    {'featurize.analyzer': 'char_wb', 'featurize.char_ngram_min': 1, 'featurize.char_ngram_max': 3, 'preprocess.mark_negation': true, 'preprocess.normalize': 'none', 'preprocess.lowercase': false, 'preprocess.remove_punctuation': false},
    {'featurize.analyzer': 'word+char', 'featurize.method': 'bow', 'train.algorithm': 'mnb', 'preprocess.normalize': 'stem'},
  ]
  for (const set of settings) {
    it(`gives the probabilities of preprocess + transform + predictProba, and the drift signals (${JSON.stringify(set)})`, async () => {
      const {dir} = await trainModel(await tempDir('sentiops-analyzers-'), set)
      const bundle = await loadBundle(dir)
      const {meta, state, classifier} = await readBundleFiles(dir)
      expect(state.analyzer ?? 'word').toBe(set['featurize.analyzer'])
      const preprocess = createPreprocessor(meta.preprocess)
      if (set['preprocess.mark_negation'] === true) expect(texts.map(preprocess).filter(t => t.includes('NEG_')).length).toBeGreaterThan(20)
      const expected = loadClassifier(classifier).predictProba(new Vectorizer(state).transform(texts.map(preprocess)))
      const k = meta.classNames.length
      const batch = bundle.predict(texts)
      const single = texts.map((text, i) => (i % 100 === 0 && bundle.predict(texts.slice(0, 30)), bundle.predict([text])[0]!))
      for (let i = 0; i < texts.length; i++) {
        expect(batch[i]!.probabilities, JSON.stringify(texts[i])).toEqual(Object.fromEntries(meta.classNames.map((name, c) => [name, expected[i * k + c]])))
        expect(single[i]).toEqual(batch[i])
      }
      // Oracle of the signals from the stored vocabulary: a word is known to the word part when some term has
      // it as a token, to char_wb when some term is one of its character n-grams.
      const analyzer = state.analyzer ?? 'word'
      const wordPart = analyzer === 'char_wb' ? [] : state.vocabulary.slice(0, analyzer === 'word' ? undefined : state.wordTerms)
      const wordTokens = new Set(wordPart.flatMap(term => term.split(' ')))
      const charTerms = new Set(state.vocabulary.slice(wordPart.length))
      const known = (word: string) => (analyzer === 'char_wb' ? charWbGrams(word, state.charMin!, state.charMax!).some(g => charTerms.has(g)) : wordTokens.has(word))
      const {predictions, signals} = bundle.predictWithSignals(texts)
      expect(predictions).toEqual(batch)
      let unknownSeen = 0
      texts.forEach((text, i) => {
        const words = preprocess(text).split(' ').filter(w => w !== '')
        expect(signals.tokens[i], text).toBe(words.length)
        expect(signals.unknown[i], text).toBe(words.filter(w => !known(w)).length)
        unknownSeen += signals.unknown[i]!
      })
      // With 1-grams every word has the term " " (its padding): char_wb 1..n knows every word.
      if (analyzer !== 'char_wb' || state.charMin! > 1) expect(unknownSeen).toBeGreaterThan(0)
      else expect(unknownSeen).toBe(0)
    }, 90_000)
  }

  it('counts a made-up word as unknown for char_wb only when none of its character n-grams is a term (hand-checked)', async () => {
    const {dir} = await trainModel(await tempDir('sentiops-analyzers-'), {'featurize.analyzer': 'char_wb'})
    const bundle = await loadBundle(dir)
    // "ǂǂǂ" (a click letter) shares no character with English text; "filmz" shares " fi", "fil", "ilm"...
    const {signals} = bundle.predictWithSignals(['a good filmz ǂǂǂ', 'ǂǂǂ ǂǂǂ', ''])
    expect(Array.from(signals.tokens)).toEqual([4, 2, 0])
    expect(Array.from(signals.unknown)).toEqual([1, 2, 0])
  }, 60_000)
})
