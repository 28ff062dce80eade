import type {IntBuffer} from '../features/ngram-index.js'
import type {Vectorizer} from '../features/vectorizer.js'
import type {TokenStages} from '../text/index.js'

/** The cache stays bounded: serving sees an unbounded stream of new words. */
const MAX_CACHED_TOKENS = 200_000

/**
 * Texts → the vectorizer's token ids, through the preprocessor's own two stages: `split` per text, then
 * `words` and the vocabulary lookup once per distinct raw token, cached. The ids are exactly those of
 * `vectorizer.transform([preprocess(text)])` (a test checks it), at one Map lookup per token instead of a
 * normalizer lookup, a join, a split and a vocabulary lookup.
 */
export class TokenIds {
  private readonly cache = new Map<string, number | Int32Array>()

  constructor(
    private readonly stages: TokenStages,
    private readonly vectorizer: Vectorizer,
  ) {}

  /** Words of the last `append`ed text after preprocessing (the drift signals read them: no second pass). */
  lastTokens = 0
  /** Of those, words in no vocabulary term (out of vocabulary). */
  lastUnknown = 0

  /** Appends the token ids of `text` to `out` (-1 for a word outside the vocabulary: it breaks n-grams). */
  append(text: string, out: IntBuffer): void {
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
}
