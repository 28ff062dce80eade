import {createRequire} from 'node:module'

// Required on first use: the package carries 60 languages' lists, and the default pipeline keeps stopwords.
const require = createRequire(import.meta.url)

/**
 * Negations carry sentiment ("not good"), so they survive stopword removal when `keep_negations` is on.
 * `n't` contractions are expanded to "not" before punctuation removal, so they end up here too.
 */
export const NEGATIONS: readonly string[] = ['not', 'no', 'nor', 'never', 'cannot', 'none', 'nothing', 'nobody', 'neither', 'nowhere', 'without']

/**
 * Words in stopword's English list that we keep by default (params preprocess.keep_words):
 * contrast ("but") and intensifiers ("very", "too", "more", "most", "only") change the polarity or strength
 * of what follows; measured on MR, dropping them costs accuracy (see README design notes).
 */
export const DEFAULT_KEEP_WORDS: readonly string[] = ['but', 'very', 'too', 'more', 'most', 'only']

export function buildStopwordSet(keepNegations: boolean, keepWords: readonly string[]): Set<string> {
  const {eng} = require('stopword') as {eng: string[]}
  const set = new Set<string>(eng)
  if (keepNegations) for (const w of NEGATIONS) set.delete(w)
  for (const w of keepWords) set.delete(w.toLowerCase())
  return set
}
