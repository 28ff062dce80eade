import type {PreprocessParams} from '../config/params.js'
import {loadNormalizer} from './normalizers.js'
import {buildStopwordSet} from './stopwords.js'

/** Cleans one raw text into space-separated tokens. The only text pipeline: train, evaluate, predict and serve use it. */
export type Preprocessor = (text: string) => string

const URL_RE = /\b(?:https?:\/\/|www\.)\S+/giu
// Expand negated contractions before punctuation goes, so "don't" keeps its "not".
const SPECIAL_NEGATIONS: Array<[RegExp, string]> = [
  [/\bcan['’]t\b/giu, 'can not'],
  [/\bwon['’]t\b/giu, 'will not'],
  [/\bshan['’]t\b/giu, 'shall not'],
  [/\bain['’]t\b/giu, 'is not'],
]
const NT_RE = /n['’]t\b/giu
const SPLIT_NT_RE = /\s+n['’]t\b/giu // tokenized corpora write "does n't"
const POSSESSIVE_RE = /['’]s\b/gu // "it's", "film's": the clitic carries no sentiment
const APOSTROPHE_RE = /['’`]/gu
const PUNCT_RE = /[\p{P}\p{S}]+/gu
const NUMBER_RE = /\p{N}+/gu
const SPACE_RE = /\s+/u

export function createPreprocessor(params: PreprocessParams): Preprocessor {
  const stopwords = params.remove_stopwords ? buildStopwordSet(params.keep_negations, params.keep_words) : undefined
  const normalize = loadNormalizer(params.normalize)
  const expandNegations = params.keep_negations
  return (raw: string): string => {
    let t = raw.normalize('NFC')
    if (params.lowercase) t = t.toLowerCase()
    if (params.remove_urls) t = t.replace(URL_RE, ' ')
    if (expandNegations) {
      t = t.replace(SPLIT_NT_RE, "n't")
      for (const [re, by] of SPECIAL_NEGATIONS) t = t.replace(re, by)
      t = t.replace(NT_RE, ' not')
    }
    if (params.remove_punctuation) t = t.replace(POSSESSIVE_RE, '').replace(APOSTROPHE_RE, '').replace(PUNCT_RE, ' ')
    if (params.remove_numbers) t = t.replace(NUMBER_RE, ' ')
    const out: string[] = []
    for (const token of t.split(SPACE_RE)) {
      if (token === '') continue
      if (stopwords?.has(token)) continue
      const word = normalize ? normalize(token) : token
      // Lemmas are checked too: "does" → "do" and "was" → "be" are stopwords.
      if (word !== token && stopwords?.has(word)) continue
      out.push(word)
    }
    return out.join(' ')
  }
}

/** Applies the training-time filter: cleaned texts shorter than `min_length` characters are dropped. */
export function keepForTraining(cleaned: string, params: PreprocessParams): boolean {
  return cleaned.length >= params.min_length
}
