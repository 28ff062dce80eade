import {createRequire} from 'node:module'
import type {TextNormalizer} from '../config/params.js'
import {requireWinkLemmatizer} from './wink-snapshot.js'

const require = createRequire(import.meta.url)

type WordFn = (word: string) => string

/** Memo caches stay bounded: serving sees unbounded vocabularies and must not grow without limit. */
const MAX_CACHE = 200_000

function memo(fn: WordFn): WordFn {
  const cache = new Map<string, string>()
  return word => {
    let out = cache.get(word)
    if (out === undefined) {
      out = fn(word)
      if (cache.size >= MAX_CACHE) cache.clear()
      cache.set(word, out)
    }
    return out
  }
}

interface WinkLemmatizer {
  noun(w: string): string
  verb(w: string): string
  adjective(w: string): string
}

/**
 * The word normalizer. `lemma` uses wink-lemmatizer (WordNet-based) without POS tags: verb, then noun, then
 * adjective (e.g. loved→love, movies→movie, better→good). Verb first, because noun first turns "does" into "doe". `stem` is natural's Porter stemmer, imported by
 * sub-path because `natural` as a whole costs ~400 ms and prints dotenv lines on stdout.
 */
export function loadNormalizer(kind: TextNormalizer): WordFn | undefined {
  if (kind === 'none') return undefined
  // One per kind and process: a pure function of the word, so every preprocessor shares its cache (repro's
  // evaluate and the training profile find the words that preprocessing already lemmatized).
  let fn = loaded.get(kind)
  if (fn === undefined) {
    fn = createNormalizer(kind)
    loaded.set(kind, fn)
  }
  return fn
}

const loaded = new Map<TextNormalizer, WordFn>()

function createNormalizer(kind: 'stem' | 'lemma'): WordFn {
  if (kind === 'stem') {
    const porter = require('natural/lib/natural/stemmers/porter_stemmer.js') as {stem(w: string): string}
    return memo(w => porter.stem(w))
  }
  const wink = requireWinkLemmatizer<WinkLemmatizer>()
  return memo(w => {
    const v = wink.verb(w)
    if (v !== w) return v
    const n = wink.noun(w)
    if (n !== w) return n
    return wink.adjective(w)
  })
}
