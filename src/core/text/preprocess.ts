import type {PreprocessParams} from '../config/params.js'
import {loadNormalizer} from './normalizers.js'
import {buildStopwordSet} from './stopwords.js'

/** Cleans one raw text into space-separated tokens. The only text pipeline: train, evaluate, predict and serve use it. */
export type Preprocessor = (text: string) => string

/**
 * Two sets of the same patterns: Unicode-aware ones, and ASCII ones that V8 runs several times faster.
 * Pure-ASCII texts (most English reviews) take the ASCII set; the results are identical for ASCII input.
 */
interface Patterns {
  url: RegExp
  splitNt: RegExp // tokenized corpora write "does n't"
  special: Array<[RegExp, string]>
  nt: RegExp
  possessive: RegExp // "it's", "film's": the clitic carries no sentiment
  apostrophe: RegExp
  punct: RegExp
  number: RegExp
  space: RegExp
}

const UNICODE: Patterns = {
  url: /\b(?:https?:\/\/|www\.)\S+/giu,
  splitNt: /\s+n['’]t\b/giu,
  special: [
    [/\bcan['’]t\b/giu, 'can not'],
    [/\bwon['’]t\b/giu, 'will not'],
    [/\bshan['’]t\b/giu, 'shall not'],
    [/\bain['’]t\b/giu, 'is not'],
  ],
  nt: /n['’]t\b/giu,
  possessive: /['’]s\b/gu,
  apostrophe: /['’`]/gu,
  punct: /[\p{P}\p{S}]+/gu,
  number: /\p{N}+/gu,
  space: /\s+/u,
}

const ASCII: Patterns = {
  url: /\b(?:https?:\/\/|www\.)\S+/gi,
  splitNt: /\s+n't\b/gi,
  special: [
    [/\bcan't\b/gi, 'can not'],
    [/\bwon't\b/gi, 'will not'],
    [/\bshan't\b/gi, 'shall not'],
    [/\bain't\b/gi, 'is not'],
  ],
  nt: /n't\b/gi,
  possessive: /'s\b/g,
  apostrophe: /['`]/g,
  punct: /[!-/:-@[-`{-~]+/g, // ASCII punctuation and symbols: the \p{P}\p{S} of the ASCII range
  number: /[0-9]+/g,
  space: /\s+/,
}

const NON_ASCII = /[^\x00-\x7f]/

export function createPreprocessor(params: PreprocessParams): Preprocessor {
  const stopwords = params.remove_stopwords ? buildStopwordSet(params.keep_negations, params.keep_words) : undefined
  const normalize = loadNormalizer(params.normalize)
  return (raw: string): string => {
    const ascii = !NON_ASCII.test(raw)
    const re = ascii ? ASCII : UNICODE
    let t = ascii ? raw : raw.normalize('NFC')
    if (params.lowercase) t = t.toLowerCase()
    // Cheap substring checks skip patterns that cannot match.
    if (params.remove_urls && (t.includes('http') || t.includes('www.') || t.includes('HTTP') || t.includes('WWW.'))) t = t.replace(re.url, ' ')
    const apostrophes = t.includes("'") || t.includes('’') || t.includes('`')
    if (params.keep_negations && apostrophes && /n['’]t/i.test(t)) {
      t = t.replace(re.splitNt, "n't")
      for (const [pattern, by] of re.special) t = t.replace(pattern, by)
      t = t.replace(re.nt, ' not')
    }
    if (params.remove_punctuation) {
      if (apostrophes) t = t.replace(re.possessive, '').replace(re.apostrophe, '')
      t = t.replace(re.punct, ' ')
    }
    if (params.remove_numbers) t = t.replace(re.number, ' ')
    const out: string[] = []
    for (const token of t.split(re.space)) {
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
