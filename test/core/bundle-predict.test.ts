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
const fixtures = ['amazon', 'imdb', 'yelp'].flatMap(name => (require(`sentiment/test/fixtures/${name}.json`) as Array<{text?: string}>).map(r => r.text ?? ''))
const texts = [...fixtures.slice(0, 1500), '', '!!!', "I can't say it wasn't good", "does n't work , is n't it", 'ÉNORME déception… 😡', 'Ｆｕｌｌｗｉｄｔｈ', 'see https://x.org now', 'x'.repeat(3000), 'the constructor was great'] // "constructor" once crashed the lemmatizer

/** The bundle's files read back the plain way: preprocess → join → vectorizer.transform → predictProba. */
async function referenceProbabilities(dir: string, input: readonly string[]): Promise<Float64Array> {
  const read = async <T>(name: string) => JSON.parse(await readFile(path.join(dir, name), 'utf8')) as T
  const meta = await read<BundleMeta>(BUNDLE_FILES.meta)
  const vectorizer = new Vectorizer(await read<VectorizerState>(BUNDLE_FILES.vectorizer))
  const classifier = loadClassifier(await read<SerializedClassifier>(BUNDLE_FILES.classifier))
  return classifier.predictProba(vectorizer.transform(input.map(createPreprocessor(meta.preprocess))))
}

describe('bundle.predict (token-id path, scratch buffers)', () => {
  const settings: Array<Record<string, unknown>> = [
    {},
    {'preprocess.remove_stopwords': true, 'train.algorithm': 'mnb', 'featurize.method': 'bow'},
    {'preprocess.normalize': 'stem', 'featurize.ngram_max': 3},
    {'preprocess.normalize': 'none', 'preprocess.lowercase': false, 'preprocess.remove_punctuation': false},
  ]
  for (const set of settings) {
    it(`gives the probabilities of preprocess + transform + predictProba (${JSON.stringify(set)})`, async () => {
      const {dir} = await trainModel(await tempDir('sentiops-bundle-'), set)
      const bundle = await loadBundle(dir)
      const expected = await referenceProbabilities(dir, texts)
      const k = bundle.meta.classNames.length
      const batch = bundle.predict(texts)
      // One text at a time, interleaved with batches, so reused scratch buffers cannot leak between calls.
      const single = texts.map((text, i) => (i % 100 === 0 && bundle.predict(texts.slice(0, 50)), bundle.predict([text])[0]!))
      for (let i = 0; i < texts.length; i++) {
        const probabilities = Object.fromEntries(bundle.meta.classNames.map((name, c) => [name, expected[i * k + c]]))
        expect(batch[i]!.probabilities, JSON.stringify(texts[i])).toEqual(probabilities)
        expect(single[i]).toEqual(batch[i])
      }
    }, 60_000)
  }
})
