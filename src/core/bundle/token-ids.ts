import type {IntBuffer} from '../features/ngram-index.js'
import type {Vectorizer} from '../features/vectorizer.js'
import type {TokenStages} from '../text/index.js'

/** The cache stays bounded: serving sees an unbounded stream of new words. */
const MAX_CACHED_TOKENS = 200_000

/** What one raw token appends (char_wb, word+char): its words' segments, how many words, how many unknown. */
interface Segment {
  ids: Int32Array
  words: number
  unknown: number
}

/**
 * Texts → the vectorizer's token ids, through the preprocessor's own two stages: `split` per text, then
 * `words` and the vocabulary lookup once per distinct raw token, cached. The ids are exactly those of
 * `vectorizer.transform([preprocess(text)])` (a test checks it), at one Map lookup per token instead of a
 * normalizer lookup, a join, a split and a vocabulary lookup. Word analyzer: a token id per word; char_wb and
 * word+char: each word's `Vectorizer.wordSegment` (its character n-gram columns resolved once too).
 */
export class TokenIds {
  private readonly cache = new Map<string, number | Int32Array>()
  private readonly segments = new Map<string, Segment>()
  private readonly byWord: boolean

  constructor(
    private readonly stages: TokenStages,
    private readonly vectorizer: Vectorizer,
  ) {
    this.byWord = vectorizer.analyzer === 'word'
  }

  /** Words of the last `append`ed text after preprocessing (the drift signals read them: no second pass). */
  lastTokens = 0
  /**
   * Of those, words in no vocabulary term (out of vocabulary). char_wb: words none of whose character
   * n-grams is a term; word+char: by the word part.
   */
  lastUnknown = 0

  /** Appends the token ids of `text` to `out` (-1 for a word outside the vocabulary: it breaks n-grams). */
  append(text: string, out: IntBuffer): void {
    if (!this.byWord) {
      this.appendSegments(text, out)
      return
    }
    const start = out.length
    for (const token of this.stages.split(text)) {
      let ids = this.cache.get(token)
      if (ids === undefined) {
        ids = this.resolve(token)
        if (this.cache.size >= MAX_CACHED_TOKENS) this.cache.clear()
        this.cache.set(token, ids)
      }
      if (typeof ids === 'number') out.push(ids)
      else for (let i = 0; i < ids.length; i++) out.push(ids[i]!)
    }
    let unknown = 0
    for (let i = start; i < out.length; i++) if (out.data[i]! < 0) unknown++
    this.lastTokens = out.length - start
    this.lastUnknown = unknown
  }

  private resolve(token: string): number | Int32Array {
    const words = this.stages.words(token)
    if (typeof words === 'string') return this.vectorizer.tokenId(words)
    return Int32Array.from(words, word => this.vectorizer.tokenId(word))
  }

  private appendSegments(text: string, out: IntBuffer): void {
    let words = 0
    let unknown = 0
    for (const token of this.stages.split(text)) {
      let segment = this.segments.get(token)
      if (segment === undefined) {
        segment = this.resolveSegment(token)
        if (this.segments.size >= MAX_CACHED_TOKENS) this.segments.clear()
        this.segments.set(token, segment)
      }
      out.pushRange(segment.ids, 0, segment.ids.length)
      words += segment.words
      unknown += segment.unknown
    }
    this.lastTokens = words
    this.lastUnknown = unknown
  }

  private resolveSegment(token: string): Segment {
    const w = this.stages.words(token)
    const words = typeof w === 'string' ? [w] : w
    const parts = words.map(word => this.vectorizer.wordSegment(word))
    const ids = new Int32Array(parts.reduce((sum, p) => sum + p.ids.length, 0))
    let at = 0
    for (const p of parts) {
      ids.set(p.ids, at)
      at += p.ids.length
    }
    return {ids, words: words.length, unknown: parts.filter(p => !p.known).length}
  }
}
