import type {PreprocessParams} from '../config/params.js'
import {loadNormalizer} from './normalizers.js'
import {buildStopwordSet, NEGATIONS} from './stopwords.js'

/** Cleans one raw text into space-separated tokens. The only text pipeline: train, evaluate, predict and serve use it. */
export type Preprocessor = (text: string) => string

/**
 * Two sets of the same patterns: Unicode-aware ones, and ASCII ones that V8 runs several times faster.
 * Pure-ASCII texts (most English reviews) take the ASCII set; the results are identical for ASCII input.
 */
export interface Patterns {
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

export const UNICODE: Patterns = {
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

export const ASCII: Patterns = {
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

export function createPreprocessor(params: PreprocessParams, stages: TokenStages = createTokenStages(params)): Preprocessor {
  const tokenize = tokenizerOf(stages)
  return (raw: string): string => tokenize(raw).join(' ')
}

/** Cleans one raw text into its tokens: always `preprocess(text).split(' ')` for a non-empty result. */
type Tokenizer = (text: string) => string[]

/**
 * The preprocessor in its two stages. `split` does everything that needs the whole text (Unicode
 * normalization, lowercasing, URLs, negation contractions, punctuation and numbers) and returns the raw
 * tokens; `words` is what one raw token becomes (nothing for a stopword, else its lemma or stem), a pure
 * function of the token, so prediction may cache it per token (see bundle/token-ids.ts).
 */
export interface TokenStages {
  split(text: string): string[]
  /** One word as a string (the common case, no array to allocate), else a list: [] for a stopword. */
  words(token: string): string | readonly string[]
}

const NO_WORDS: readonly string[] = []

export function createTokenStages(params: PreprocessParams): TokenStages {
  const stopwords = params.remove_stopwords ? buildStopwordSet(params.keep_negations, params.keep_words) : undefined
  const normalize = loadNormalizer(params.normalize)
  const split = (raw: string): string[] => {
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
    if (params.mark_negation) t = markClauseEnds(t, params.remove_punctuation)
    const tokens = ascii ? asciiTokens(t, params.remove_punctuation, params.remove_numbers) : regexTokens(t, re, apostrophes, params.remove_punctuation, params.remove_numbers)
    return params.mark_negation ? markNegationScopes(tokens, params.lowercase) : tokens
  }
  const hostWords = (token: string): string | readonly string[] => {
    if (token === '' || stopwords?.has(token)) return NO_WORDS
    const word = normalize ? normalize(token) : token
    // Lemmas are checked too: "does" → "do" and "was" → "be" are stopwords.
    if (word !== token && stopwords?.has(word)) return NO_WORDS
    // A normalizer's output with a space in it (or none at all) splits as the joined text would.
    return word === '' || word.includes(' ') ? word.split(' ') : word
  }
  // A marked token is its host word's words, each with the marker: lemma then prefix, and a stopword host is
  // dropped marked or not.
  const words = params.mark_negation
    ? (token: string): string | readonly string[] => {
        if (!token.startsWith(NEG_PREFIX)) return hostWords(token)
        const host = hostWords(token.slice(NEG_PREFIX.length))
        return typeof host === 'string' ? NEG_PREFIX + host : host.map(w => (w === '' ? w : NEG_PREFIX + w))
      }
    : hostWords
  return {split, words}
}

/** The marker of a token in the scope of a negation (Das & Chen 2001; Pang, Lee & Vaithyanathan 2002). */
export const NEG_PREFIX = 'NEG_'

/**
 * Words that open a negation scope, after the text pipeline's own rewriting: `n't` is expanded to "not" when
 * keep_negations is on; without it, "don't" becomes "dont" and "does n't" becomes "does nt" (NLTK's list of
 * apostrophe-less forms, plus the bare "nt").
 */
export const NEGATION_CUES: ReadonlySet<string> = new Set([
  ...NEGATIONS,
  ...['nt', 'noone', 'havent', 'hasnt', 'hadnt', 'cant', 'couldnt', 'shouldnt', 'wont', 'wouldnt', 'dont', 'doesnt', 'didnt', 'isnt', 'arent', 'aint', 'wasnt', 'werent', 'mustnt', 'neednt'],
])

/** A clause end between tokens: a character no tokenizer keeps or splits on (a control character). */
const CLAUSE_END = '\u0001'
/** Clause punctuation [.:;!?,], except a '.' or ',' between two digits ("3.5", "1,000"). */
const CLAUSE_PUNCT = /[:;!?]|(?<![0-9])[.,]|[.,](?![0-9])/g

/**
 * Puts a clause-end token after each clause punctuation, before punctuation is removed or kept: the scope of a
 * negation is decided on the text as written. A control character in the input is a space.
 */
function markClauseEnds(t: string, removePunctuation: boolean): string {
  if (t.includes(CLAUSE_END)) t = t.replaceAll(CLAUSE_END, ' ')
  return t.replace(CLAUSE_PUNCT, removePunctuation ? ` ${CLAUSE_END} ` : `$& ${CLAUSE_END} `)
}

/**
 * NLTK's mark_negation on the tokens, with [.:;!?,] as clause ends: after a negation cue, every token up to
 * the next clause end gets NEG_ (a cue inside a scope is marked too, as in NLTK); clause-end tokens are dropped.
 */
function markNegationScopes(tokens: string[], lowercased: boolean): string[] {
  const out: string[] = []
  let scope = false
  for (const token of tokens) {
    if (token === CLAUSE_END) {
      scope = false
      continue
    }
    if (scope) out.push(NEG_PREFIX + token)
    else {
      out.push(token)
      if (NEGATION_CUES.has(lowercased ? token : token.toLowerCase())) scope = true
    }
  }
  return out
}

/** The preprocessor before its final join: the raw tokens of `split`, each turned into its `words`. */
function tokenizerOf({split, words}: TokenStages): Tokenizer {
  return (raw: string): string[] => {
    const out: string[] = []
    for (const token of split(raw)) {
      const w = words(token)
      if (typeof w === 'string') out.push(w)
      else for (const x of w) out.push(x)
    }
    return out
  }
}

/**
 * Punctuation, number and whitespace handling with regular expressions (any text): possessive 's and
 * apostrophes removed, other punctuation and symbols and digits become spaces, then split on whitespace.
 */
export function regexTokens(t: string, re: Patterns, apostrophes: boolean, removePunctuation: boolean, removeNumbers: boolean): string[] {
  if (removePunctuation) {
    if (apostrophes) t = t.replace(re.possessive, '').replace(re.apostrophe, '')
    t = t.replace(re.punct, ' ')
  }
  if (removeNumbers) t = t.replace(re.number, ' ')
  return t.split(re.space).filter(token => token !== '')
}

/**
 * The same as regexTokens for pure-ASCII text, in one pass over the characters: no intermediate strings.
 * The hot path of training and serving; a test checks it against regexTokens on real and adversarial texts.
 */
export function asciiTokens(t: string, removePunctuation: boolean, removeNumbers: boolean): string[] {
  const out: string[] = []
  const breaks = SPACE | (removePunctuation ? PUNCT : 0) | (removeNumbers ? DIGIT : 0)
  let token = '' // pieces of the current token joined across removed apostrophes
  let start = -1 // start of the current piece, -1 when none
  const n = t.length
  // No closures: the loop's state stays in registers, not in a context object (2-3x faster here).
  for (let i = 0; i < n; i++) {
    const c = t.charCodeAt(i)
    const kind = c < 128 ? CHAR_CLASS[c]! : 0
    if (kind === 0) {
      if (start < 0) start = i
      continue
    }
    if (removePunctuation && (kind & APOSTROPHE) !== 0) {
      if (start >= 0) token += t.slice(start, i)
      start = -1
      // /'s\b/: an apostrophe, a lower-case s, then no word character.
      if (c === 39 && t.charCodeAt(i + 1) === 115 && !isWordChar(t.charCodeAt(i + 2))) i++
      continue
    }
    if ((kind & breaks) !== 0) {
      if (start >= 0) token += t.slice(start, i)
      start = -1
      if (token !== '') out.push(token)
      token = ''
      continue
    }
    if (start < 0) start = i
  }
  if (start >= 0) token += t.slice(start, n)
  if (token !== '') out.push(token)
  return out
}

const SPACE = 1
const PUNCT = 2
const DIGIT = 4
const APOSTROPHE = 8
/** Per ASCII code: whitespace, punctuation/symbol (the \p{P}\p{S} of the range), digit, apostrophe bits. */
const CHAR_CLASS = Uint8Array.from({length: 128}, (_, c) => (isSpace(c) ? SPACE : 0) | (isPunct(c) ? PUNCT : 0) | (c >= 48 && c <= 57 ? DIGIT : 0) | (c === 39 || c === 96 ? APOSTROPHE : 0))

function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13)
}

/** ASCII punctuation and symbols: what [\p{P}\p{S}] matches below 128. */
function isPunct(c: number): boolean {
  return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)
}

/** \w of a regular expression: [A-Za-z0-9_]. NaN (past the end) is not a word character. */
function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95
}

/** Applies the training-time filter: cleaned texts shorter than `min_length` characters are dropped. */
export function keepForTraining(cleaned: string, params: PreprocessParams): boolean {
  return cleaned.length >= params.min_length
}
