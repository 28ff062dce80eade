import type {Bundle, BundleMeta, Explanation, Prediction} from '../../../src/core/bundle/types.js'
import {validateParams} from '../../../src/core/config/index.js'

const defaults = validateParams({})

/**
 * A tiny in-memory Bundle for tests of the holder's logic (swaps, failures) where the model itself does not
 * matter: a word list decides, so the answers are predictable. `behaviour` breaks it on purpose.
 */
export function fakeBundle(dir: string, behaviour: {throwOnPredict?: boolean; badProbabilities?: boolean} = {}): Bundle {
  const meta: BundleMeta = {
    format: 'sentiops-bundle',
    formatVersion: 1,
    algorithm: 'lr',
    classNames: ['negative', 'positive'],
    preprocess: defaults.preprocess,
    featurize: defaults.featurize,
    trainParams: {dir},
    seed: 1,
    dataHash: dir,
    nTrain: 2,
    nFeatures: 2,
    versions: {},
  }
  const one = (text: string): Prediction => {
    if (behaviour.throwOnPredict) throw new Error(`fake bundle ${dir} is broken`)
    const p = /good|great|love/i.test(text) ? 0.9 : 0.2
    const probabilities = behaviour.badProbabilities ? {negative: 0.5, positive: 0.9} : {negative: 1 - p, positive: p}
    return p >= 0.5 ? {label: 'positive', score: p, probabilities} : {label: 'negative', score: 1 - p, probabilities}
  }
  return {
    dir,
    meta,
    predict: texts => texts.map(one),
    predictWithSignals(texts) {
      // Words split on spaces; a word is unknown when it is none of the words the fake decides on.
      const words = texts.map(t => t.split(/\s+/).filter(Boolean))
      const unknown = words.map(ws => ws.filter(w => !/^(good|great|love)$/i.test(w)).length)
      return {predictions: texts.map(one), signals: {tokens: Uint32Array.from(words, ws => ws.length), unknown: Uint32Array.from(unknown)}}
    },
    explain(text): Explanation {
      const p = one(text)
      return {...p, target: p.label, method: 'exact', processed: text.toLowerCase(), bias: 0, positive: [], negative: []}
    },
    featureImportances: () => [],
  }
}
