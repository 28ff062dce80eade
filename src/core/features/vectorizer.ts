import type {FeaturizeParams} from '../config/params.js'
import {DataError, UserError} from '../errors.js'
import {CharWbCounter, IntBuffer, NgramIndex} from './ngram-index.js'
import type {CsrMatrix} from './sparse.js'

export type Analyzer = FeaturizeParams['analyzer']

/** What the bundle stores of a fitted vectorizer: plain JSON. */
export interface VectorizerState {
  method: 'bow' | 'tfidf'
  ngramMin: number
  ngramMax: number
  sublinearTf: boolean
  binary: boolean
  /** Absent (bundles of word n-grams, and from before character n-grams): word. */
  analyzer?: Analyzer
  /** Character n-gram range (char_wb, word+char). */
  charMin?: number
  charMax?: number
  /** word+char: the first `wordTerms` columns are the word n-grams, the rest the character n-grams. */
  wordTerms?: number
  /** Terms in column order (sorted, as scikit-learn does; word+char: each part sorted). */
  vocabulary: string[]
  /** Smoothed idf per column (tfidf only). */
  idf?: number[]
}

/**
 * Bag-of-words / TF-IDF over the space-separated tokens that the preprocessor produced.
 * TF-IDF follows scikit-learn's TfidfVectorizer: smooth idf = ln((1+n)/(1+df)) + 1, optional sublinear tf
 * (1 + ln tf), rows L2-normalized. BoW gives raw counts (or 0/1 with `binary`).
 * The analyzer is word n-grams, character n-grams inside word boundaries (scikit-learn's 'char_wb'), or both
 * side by side (word+char: scikit-learn's FeatureUnion of the two vectorizers, each part with its own
 * min_df / max_df / max_features and each part's rows L2-normalized on their own).
 * N-grams are interned as integers (NgramIndex), so counting never builds n-gram strings.
 */
export class Vectorizer {
  readonly analyzer: Analyzer
  /** Columns [0, wordTerms) are word n-grams, the rest character n-grams. */
  private readonly wordTerms: number
  private readonly idf?: Float64Array
  private terms?: TermLookup

  /** `lazy`: the term indexes are built on first use (fitting builds its matrix without them). */
  constructor(
    readonly state: VectorizerState,
    lazy = false,
  ) {
    this.analyzer = state.analyzer ?? 'word'
    const terms = state.vocabulary
    this.wordTerms = this.analyzer === 'word' ? terms.length : this.analyzer === 'char_wb' ? 0 : (state.wordTerms ?? 0)
    if (state.idf) this.idf = Float64Array.from(state.idf)
    if (!lazy) this.terms = termLookup(terms, this.wordTerms)
  }

  /** The vocabulary's term indexes. */
  private get lookup(): TermLookup {
    return (this.terms ??= termLookup(this.state.vocabulary, this.wordTerms))
  }

  get nFeatures(): number {
    return this.state.vocabulary.length
  }

  static fitTransform(docs: readonly string[], params: FeaturizeParams): {vectorizer: Vectorizer; X: CsrMatrix} {
    return Vectorizer.fitCounted(countNgrams(docs, params), params)
  }

  /**
   * The second half of fitTransform: chooses the vocabulary from the counts and builds the matrix. The counts
   * are consumed (their occurrence buffer becomes the matrix's indices), and the documents are not needed: a
   * caller that drops them after countNgrams() frees their memory before the matrix is built.
   */
  static fitCounted(counts: NgramCounts, params: FeaturizeParams): {vectorizer: Vectorizer; X: CsrMatrix} {
    const {n} = counts
    const chosen = counts.parts.map(part => chooseVocabulary(part, n, params))
    const analyzer = params.analyzer
    const state: VectorizerState = {
      method: params.method,
      ngramMin: params.ngram_min,
      ngramMax: params.ngram_max,
      sublinearTf: params.sublinear_tf,
      binary: params.binary,
      // Word bundles keep the fields they always had (the same params give the same bytes as before).
      ...(analyzer === 'word' ? {} : {analyzer, charMin: params.char_ngram_min, charMax: params.char_ngram_max}),
      ...(analyzer === 'word+char' ? {wordTerms: chosen[0]!.vocabulary.length} : {}),
      vocabulary: chosen.length === 1 ? chosen[0]!.vocabulary : chosen.flatMap(c => c.vocabulary),
      idf: params.method === 'tfidf' ? chosen.flatMap(c => c.idf!) : undefined,
    }
    const vectorizer = new Vectorizer(state, true)
    const rowStart = new Int32Array(n + 1)
    const sorted = sortedColumns(counts, chosen, rowStart, state.vocabulary.length)
    const kept = rowStart[n]
    const X = vectorizer.buildMatrix(
      n,
      (d, out) => out.pushRange(sorted, rowStart[d], rowStart[d + 1]),
      {indices: sorted, data: new Float64Array(kept)},
      true,
    )
    return {vectorizer, X}
  }

  transform(docs: readonly string[]): CsrMatrix {
    return this.buildMatrix(docs.length, this.columnsOf(docs), true)
  }

  /**
   * transform() into reused scratch buffers: the matrix is valid only until the next transform of any
   * vectorizer, and its indices/data arrays may be longer than its entries (indptr bounds them). For callers
   * that consume the rows at once: prediction, where allocating three typed arrays per request costs more
   * than the arithmetic.
   */
  transformTransient(docs: readonly string[]): CsrMatrix {
    return this.buildMatrix(docs.length, this.columnsOf(docs), false)
  }

  /** The id of a token of the vocabulary's word n-grams, or -1: the unit `transformIdsTransient` takes (word). */
  tokenId(word: string): number {
    return this.lookup.index.token(word, false)
  }

  /**
   * What one word is in `transformIdsTransient`'s input for the char_wb and word+char analyzers, and whether
   * it is in the vocabulary. char_wb: the columns of its character n-grams (known when it has one); word+char:
   * its token id, the number of its character columns, those columns (known by the word part).
   */
  wordSegment(word: string): {ids: Int32Array; known: boolean} {
    const nodes = scratchSegment
    nodes.clear()
    const both = this.analyzer === 'word+char'
    const token = both ? this.tokenId(word) : -1
    if (both) {
      nodes.push(token)
      nodes.push(0)
    }
    const head = nodes.length
    const {chars, charColumn} = this.lookup
    chars.collectCharWbWord(word, 0, word.length, this.state.charMin!, this.state.charMax!, false, nodes)
    // Nodes → columns in place, the unknown ones dropped.
    let end = head
    for (let p = head; p < nodes.length; p++) {
      const c = charColumn[nodes.data[p]]
      if (c >= 0) nodes.data[end++] = c
    }
    if (both) nodes.data[1] = end - head
    return {ids: nodes.data.slice(0, end), known: both ? token >= 0 : end > head}
  }

  /**
   * transformTransient() of texts given as token ids (`fill` appends row r's ids; word: a token id per word,
   * -1 for unknown words; otherwise each word's `wordSegment`): prediction resolves each distinct raw token
   * once (bundle/token-ids.ts) and skips strings altogether.
   */
  transformIdsTransient(rows: number, fill: (row: number, ids: IntBuffer) => void): CsrMatrix {
    const {ngramMin, ngramMax} = this.state
    const ids = scratchIds
    const nodes = scratchNodes
    const analyzer = this.analyzer
    const words = analyzer === 'word' ? ids : scratchWordIds
    const {index, column} = this.lookup
    return this.buildMatrix(
      rows,
      (d, out) => {
        ids.clear()
        fill(d, ids)
        if (analyzer === 'char_wb') {
          out.pushAll(ids.data, 0, ids.length)
          return
        }
        if (analyzer === 'word+char') {
          words.clear()
          for (let p = 0; p < ids.length; ) {
            words.push(ids.data[p])
            const end = p + 2 + ids.data[p + 1]
            out.pushRange(ids.data, p + 2, end)
            p = end
          }
        }
        nodes.clear()
        index.collectIds(words.data, words.length, ngramMin, ngramMax, false, nodes)
        this.pushColumns(nodes, out, column)
      },
      false,
    )
  }

  private columnsOf(docs: readonly string[]): (row: number, out: IntBuffer) => void {
    const {ngramMin, ngramMax, charMin, charMax} = this.state
    const nodes = scratchNodes
    const words = this.analyzer !== 'char_wb'
    const chars = this.analyzer !== 'word'
    const {index, column, chars: charIndex, charColumn} = this.lookup
    return (d, out) => {
      if (words) {
        nodes.clear()
        index.collect(docs[d], ngramMin, ngramMax, false, nodes)
        this.pushColumns(nodes, out, column)
      }
      if (chars) {
        nodes.clear()
        charIndex.collectCharWb(docs[d], charMin!, charMax!, false, nodes)
        this.pushColumns(nodes, out, charColumn)
      }
    }
  }

  /** The columns of the n-gram nodes that are vocabulary terms. */
  private pushColumns(nodes: IntBuffer, out: IntBuffer, column: Int32Array): void {
    for (let p = 0; p < nodes.length; p++) {
      const c = column[nodes.data[p]]
      if (c >= 0) out.push(c)
    }
  }

  /** Turns each row's column occurrences into weighted, sorted CSR entries (`presorted`: they come sorted). */
  private buildMatrix(
    rows: number,
    columnsOf: (row: number, out: IntBuffer) => void,
    copy: boolean | {indices: Int32Array; data: Float64Array} = true,
    presorted = false,
  ): CsrMatrix {
    const {method, sublinearTf, binary} = this.state
    const idf = this.idf
    // word+char: each part's entries are L2-normalized on their own (FeatureUnion of two TfidfVectorizers):
    // 81.5% on MR's test split against 79.6% with the union's rows normalized as one.
    const split = this.analyzer === 'word+char' ? this.wordTerms : -1
    const indptr = copy || rows + 1 > scratchIndptr.length ? new Int32Array(rows + 1) : scratchIndptr
    // Entries are gathered in reused scratch arrays and copied out once at their final size: serving transforms
    // one text per request, where fresh zero-filled buffers cost more than the arithmetic. Fitting passes
    // arrays big enough for every entry (`copy` = {indices, data}): the matrix is their first nnz entries.
    const target = typeof copy === 'object' ? copy : undefined
    let indices = target ? target.indices : scratchIndices
    let data = target ? target.data : scratchData
    let nnz = 0
    const cols = scratchColumns
    for (let r = 0; r < rows; r++) {
      cols.clear()
      columnsOf(r, cols)
      const n = cols.length
      const sorted = cols.data
      if (!presorted) insertionOrSort(sorted, n)
      if (nnz + n > indices.length) {
        const size = Math.max(indices.length * 2, nnz + n)
        indices = resizeInt(indices, size, 0)
        data = resizeFloat(data, size)
      }
      const start = nnz
      let middle = -1 // first entry of the character part (word+char)
      for (let k = 0; k < n; ) {
        let j = k + 1
        while (j < n && sorted[j] === sorted[k]) j++
        let v = binary ? 1 : j - k
        if (method === 'tfidf') {
          if (sublinearTf && !binary && v !== 1) v = 1 + Math.log(v) // 1 + ln 1 is 1 exactly: most counts skip the log
          v *= idf![sorted[k]]
        }
        if (middle < 0 && split >= 0 && sorted[k] >= split) middle = nnz
        indices[nnz] = sorted[k]
        data[nnz] = v
        nnz++
        k = j
      }
      if (method === 'tfidf') {
        if (split < 0) normalize(data, start, nnz)
        else {
          if (middle < 0) middle = nnz
          normalize(data, start, middle)
          normalize(data, middle, nnz)
        }
      }
      indptr[r + 1] = nnz
    }
    if (target) return {rows, cols: this.nFeatures, indptr, indices: indices.subarray(0, nnz), data: data.subarray(0, nnz)}
    const out = copy ? {rows, cols: this.nFeatures, indptr, indices: indices.slice(0, nnz), data: data.slice(0, nnz)} : {rows, cols: this.nFeatures, indptr, indices, data}
    // Keep grown scratch arrays for the next call, unless a huge batch made them huge.
    if (indices.length <= MAX_SCRATCH) {
      scratchIndices = indices
      scratchData = data
    }
    return out
  }
}

/**
 * The matrix's column indices, row after row in ascending order (rowStart receives each row's start). The counts
 * are consumed: their occurrence buffers become columns in place (-1: not a term), and the counts are emptied so
 * that the n-gram indexes and the occurrence buffers are garbage before the caller allocates the matrix's values.
 */
function sortedColumns(counts: NgramCounts, chosen: ReadonlyArray<{vocabulary: string[]; column: Int32Array}>, rowStart: Int32Array, columns: number): Int32Array {
  const n = counts.n
  const parts = counts.parts
  counts.parts = []
  let offset = 0
  const occurrences = parts.map((part, i) => {
    const all = part.occurrences.data
    part.occurrences = new IntBuffer(0)
    const column = chosen[i]!.column
    const offsets = part.offsets
    for (let d = 0; d < n; d++) {
      let kept = 0
      for (let p = offsets[d]; p < offsets[d + 1]; p++) {
        const c = column[all[p]]
        if (c < 0) all[p] = -1
        else {
          all[p] = c + offset
          kept++
        }
      }
      rowStart[d + 1] += kept
    }
    offset += chosen[i]!.vocabulary.length
    return {all, offsets}
  })
  for (let d = 0; d < n; d++) rowStart[d + 1] += rowStart[d]
  // One part: its occurrence buffer (at least as long as the entries) receives the sorted rows, which become the
  // matrix's indices in place: a row's entries never outnumber its occurrences and are written after they were read.
  const sorted = occurrences.length === 1 ? occurrences[0]!.all : new Int32Array(rowStart[n])
  sortRowsByColumn(occurrences, rowStart, columns, sorted)
  return sorted
}

/** Occurrences per block of rows in sortRowsByColumn: its scratch stays a few MB on any corpus. */
const SORT_BLOCK = 1 << 20

/**
 * Writes each row's column occurrences (`parts`: -1 = not a term) in ascending order to
 * sorted[rowStart[d], rowStart[d + 1]) without sorting row by row: per block of rows, a counting sort by
 * column (the rows bucketed by column, then read back column by column into their rows). A block's occurrences
 * are all read before its rows are written, and a row never lands after its own occurrences, so `sorted` may be
 * the occurrence buffer of a single part.
 */
export function sortRowsByColumn(
  parts: ReadonlyArray<{all: Int32Array; offsets: Int32Array}>,
  rowStart: Int32Array,
  columns: number,
  sorted: Int32Array,
  block = SORT_BLOCK,
): void {
  const n = rowStart.length - 1
  let longest = 0
  for (let d = 0; d < n; d++) longest = Math.max(longest, rowStart[d + 1] - rowStart[d])
  const rowsByColumn = new Int32Array(Math.min(rowStart[n], Math.max(block, longest)))
  const next = new Int32Array(columns + 1) // per column: its bucket's start, then (filled) its end
  const fill = new Int32Array(n)
  for (let first = 0; first < n; ) {
    let end = first + 1
    while (end < n && rowStart[end + 1] - rowStart[first] <= rowsByColumn.length) end++
    next.fill(0)
    for (const {all, offsets} of parts) for (let p = offsets[first]; p < offsets[end]; p++) if (all[p] >= 0) next[all[p] + 1]++
    for (let c = 0; c < columns; c++) next[c + 1] += next[c]
    for (const {all, offsets} of parts) {
      for (let d = first; d < end; d++) for (let p = offsets[d]; p < offsets[d + 1]; p++) if (all[p] >= 0) rowsByColumn[next[all[p]]++] = d
    }
    for (let d = first; d < end; d++) fill[d] = rowStart[d]
    for (let c = 0, p = 0; c < columns; c++) for (; p < next[c]; p++) sorted[fill[rowsByColumn[p]]++] = c
    first = end
  }
}

/** The vocabulary as index nodes: word n-grams, and character n-grams (each one token of its own index). */
interface TermLookup {
  index: NgramIndex
  /** Node of the word index → column, -1 for prefixes that are not terms. */
  column: Int32Array
  chars: NgramIndex
  charColumn: Int32Array
}

function termLookup(terms: readonly string[], wordTerms: number): TermLookup {
  const index = new NgramIndex()
  const nodes = index.internAll(wordTerms === terms.length ? terms : terms.slice(0, wordTerms))
  const column = new Int32Array(index.size).fill(-1)
  for (let col = 0; col < nodes.length; col++) column[nodes[col]!] = col
  const chars = new NgramIndex()
  const charNodes = new Int32Array(terms.length - wordTerms)
  for (let col = wordTerms; col < terms.length; col++) charNodes[col - wordTerms] = chars.unigram(chars.token(terms[col]!, true), true)
  const charColumn = new Int32Array(chars.size).fill(-1)
  charNodes.forEach((node, i) => (charColumn[node] = wordTerms + i))
  return {index, column, chars, charColumn}
}

/** Scales data[start, end) to unit L2 norm (an all-zero range stays as it is). */
function normalize(data: Float64Array, start: number, end: number): void {
  let norm = 0
  for (let p = start; p < end; p++) norm += data[p] * data[p]
  if (norm > 0) {
    norm = Math.sqrt(norm)
    for (let p = start; p < end; p++) data[p] /= norm
  }
}

const MAX_SCRATCH = 1 << 20
let scratchIndices: Int32Array = new Int32Array(1024)
const scratchIndptr = new Int32Array(1025)
let scratchData: Float64Array = new Float64Array(1024)
// Reused between calls (transform and buildMatrix are synchronous, so they never overlap).
const scratchNodes = new IntBuffer(256)
const scratchIds = new IntBuffer(256)
const scratchWordIds = new IntBuffer(256)
const scratchSegment = new IntBuffer(256)
const scratchColumns = new IntBuffer(256)

/** Sorts the first n entries ascending; insertion sort for the short rows of single texts (no allocation). */
function insertionOrSort(a: Int32Array, n: number): void {
  if (n > 64) {
    a.subarray(0, n).sort()
    return
  }
  for (let i = 1; i < n; i++) {
    const v = a[i]
    let j = i - 1
    while (j >= 0 && a[j] > v) {
      a[j + 1] = a[j]
      j--
    }
    a[j + 1] = v
  }
}

/** N-gram occurrences of one part (word or character n-grams) of the training documents, by index node. */
export interface PartCounts {
  kind: 'word' | 'char'
  index: NgramIndex
  /** The nodes of document d are occurrences[offsets[d] .. offsets[d + 1]). */
  occurrences: IntBuffer
  offsets: Int32Array
  df: Int32Array
  tf: Float64Array
}

/** The training documents' n-gram counts: one part per analyzer (word+char: word, then char). */
export interface NgramCounts {
  /** Number of documents. */
  n: number
  parts: PartCounts[]
}

/** Counts the n-grams of `docs` (space-separated tokens): the first half of fitting, the only one that reads them. */
export function countNgrams(docs: readonly string[], params: FeaturizeParams): NgramCounts {
  const kinds: Array<PartCounts['kind']> = params.analyzer === 'word' ? ['word'] : params.analyzer === 'char_wb' ? ['char'] : ['word', 'char']
  if (params.analyzer !== 'word' && params.char_ngram_min > params.char_ngram_max) {
    throw new UserError(`featurize.char_ngram_min (${params.char_ngram_min}) is above featurize.char_ngram_max (${params.char_ngram_max})`)
  }
  return {n: docs.length, parts: kinds.map(kind => countPart(docs, kind, params))}
}

function countPart(docs: readonly string[], kind: PartCounts['kind'], params: FeaturizeParams): PartCounts {
  const [nmin, nmax] = kind === 'word' ? [params.ngram_min, params.ngram_max] : [params.char_ngram_min, params.char_ngram_max]
  const index = new NgramIndex()
  let all = new IntBuffer(Math.max(1024, docs.length * 16))
  const offsets = new Int32Array(docs.length + 1)
  let df: Int32Array = new Int32Array(1024)
  let tf: Float64Array = new Float64Array(1024)
  let stamp: Int32Array = new Int32Array(1024).fill(-1)
  const chars = kind === 'char' ? new CharWbCounter(index, nmin, nmax) : undefined
  for (let d = 0; d < docs.length; d++) {
    const start = all.length
    // Doubling the buffer would hold twice the final occurrences at once: grow it to what the documents so far
    // predict for all of them instead.
    if (all.data.length - start < 4096 && d > 0) all = all.withCapacity(Math.ceil((start / d) * docs.length * 1.05) + 4096)
    if (kind === 'word') index.collect(docs[d], nmin, nmax, true, all)
    else chars!.collect(docs[d], all)
    if (index.size > df.length) {
      const size = Math.max(index.size, df.length * 2)
      df = resizeInt(df, size, 0)
      tf = resizeFloat(tf, size)
      stamp = resizeInt(stamp, size, -1)
    }
    const ids = all.data
    for (let p = start; p < all.length; p++) {
      const id = ids[p]
      tf[id]++
      if (stamp[id] !== d) {
        stamp[id] = d
        df[id]++
      }
    }
    offsets[d + 1] = all.length
  }
  return {kind, index, occurrences: all, offsets, df, tf}
}

/** The terms kept after min_df, max_df and max_features, in text order, and the column of each index node. */
function chooseVocabulary({kind, index, df, tf}: PartCounts, n: number, params: FeaturizeParams): {vocabulary: string[]; idf?: number[]; column: Int32Array} {
  // A character n-gram is one token of its index: a unigram node, sorted by its text.
  const [nmin, nmax] = kind === 'word' ? [params.ngram_min, params.ngram_max] : [1, 1]
  // As scikit-learn: a fraction is compared unrounded (df >= min_df * n); values above 1 are document counts.
  const minDocs = params.min_df >= 1 ? params.min_df : params.min_df * n
  const maxDocs = params.max_df <= 1 ? params.max_df * n : params.max_df
  let kept: number[] = []
  for (let id = 0; id < index.size; id++) if (df[id] >= minDocs && df[id] <= maxDocs && (nmin <= 1 || depth(index, id) >= nmin)) kept.push(id)
  const order = textOrder(index, nmax)
  if (params.max_features > 0 && kept.length > params.max_features) kept = mostFrequent(kept, tf, params.max_features, order)
  if (kept.length === 0) {
    const what = kind === 'word' ? 'term' : 'character n-gram'
    throw new DataError(`featurize: no ${what} is left after min_df=${params.min_df} / max_df=${params.max_df} on ${n} texts; lower featurize.min_df or check preprocess settings`)
  }
  kept = order.sort(kept)
  const column = new Int32Array(index.size).fill(-1)
  kept.forEach((id, col) => (column[id] = col))
  return {
    vocabulary: kept.map(id => index.text(id)),
    idf: params.method === 'tfidf' ? kept.map(id => Math.log((1 + n) / (1 + df[id])) + 1) : undefined,
    column,
  }
}

/** The `limit` most frequent terms; ties at the cut broken by the term's text, so the result is deterministic. */
function mostFrequent(ids: number[], tf: Float64Array, limit: number, order: TextOrder): number[] {
  const cut = nthLargest(ids, tf, limit)
  const above = ids.filter(id => tf[id] > cut)
  const tied = order.sort(ids.filter(id => tf[id] === cut))
  return [...above, ...tied.slice(0, limit - above.length)]
}

/** The `limit`-th largest count of `ids` (limit ≤ ids.length): the term counts are whole, so a histogram finds it. */
function nthLargest(ids: readonly number[], tf: Float64Array, limit: number): number {
  let max = 0
  for (let i = 0; i < ids.length; i++) max = Math.max(max, tf[ids[i]!])
  if (max > 1 << 24) {
    const counts = Float64Array.from(ids, id => tf[id]).sort()
    return counts[counts.length - limit]
  }
  const histogram = new Int32Array(max + 1)
  for (let i = 0; i < ids.length; i++) histogram[tf[ids[i]!]]++
  let atLeast = 0
  for (let v = max; v > 0; v--) {
    atLeast += histogram[v]
    if (atLeast >= limit) return v
  }
  return 0
}

/** Sorts n-gram nodes by their text in code-unit order (Python's sorted(), scikit-learn's vocabulary order). */
interface TextOrder {
  sort(nodes: number[]): number[]
}

/**
 * Text order without building the texts when it can: for n-grams of at most two tokens whose characters all
 * sort after the space, comparing "a b" with "ab c" is comparing the token pairs (a, b) and (ab, c), so a
 * node's place is a number from the ranks of its tokens. Otherwise the texts are built and sorted natively.
 */
function textOrder(index: NgramIndex, nmax: number): TextOrder {
  const tokens = index.tokenTexts()
  const aboveSpace = nmax > 1 && tokens.every(t => {
    for (let i = 0; i < t.length; i++) if (t.charCodeAt(i) <= 0x20) return false
    return true
  })
  // Unigrams only (character n-grams): a node's place is its token's rank, whatever its characters.
  if (nmax > 2 || (nmax > 1 && !aboveSpace) || tokens.length >= 1 << 26) {
    return {
      sort(nodes) {
        const byText = new Map(nodes.map(id => [index.text(id), id]))
        return [...byText.keys()].sort().map(text => byText.get(text)!)
      },
    }
  }
  const rank = new Int32Array(tokens.length)
  tokens.map((text, id) => ({text, id})).sort((a, b) => compareStrings(a.text, b.text)).forEach(({id}, r) => (rank[id] = r))
  // rank(first) · 2^26 + (rank(second) + 1), 0 for a unigram: exact in a double, and a unigram precedes its bigrams.
  const key = (node: number): number => {
    const prefix = index.prefixOf[node]
    return prefix === -1 ? rank[index.tokenOf[node]] * 0x4000000 : rank[index.tokenOf[prefix]] * 0x4000000 + rank[index.tokenOf[node]] + 1
  }
  // A key names its node: the tokens of its ranks, looked up in the index (a Map keyed by the keys, doubles
  // above 2^31, hashes far slower).
  const tokenByRank = new Int32Array(tokens.length)
  rank.forEach((r, token) => (tokenByRank[r] = token))
  const nodeOf = (k: number): number => {
    const first = Math.floor(k / 0x4000000)
    const second = k - first * 0x4000000
    const unigram = index.unigram(tokenByRank[first], false)
    return second === 0 ? unigram : index.extend(unigram, tokenByRank[second - 1], false)
  }
  return {
    sort(nodes) {
      return Array.from(Float64Array.from(nodes, key).sort(), nodeOf)
    },
  }
}

function depth(index: NgramIndex, node: number): number {
  let n = 0
  for (let x = node; x !== -1; x = index.prefixOf[x]) n++
  return n
}

/** Code-unit order, like Python's sorted() on BMP text and scikit-learn's vocabulary order. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

/** Word n-grams of a space-separated token string, joined by single spaces (like scikit-learn's analyzer). */
export function ngrams(doc: string, nmin: number, nmax: number): string[] {
  if (doc === '') return []
  const tokens = doc.split(' ')
  const out: string[] = []
  for (let n = nmin; n <= nmax; n++) {
    for (let i = 0; i + n <= tokens.length; i++) out.push(n === 1 ? tokens[i] : tokens.slice(i, i + n).join(' '))
  }
  return out
}

function resizeInt(a: Int32Array, size: number, fill: number): Int32Array {
  const b = new Int32Array(size)
  b.set(a.subarray(0, Math.min(a.length, size)))
  if (fill !== 0) b.fill(fill, a.length)
  return b
}

function resizeFloat(a: Float64Array, size: number): Float64Array {
  const b = new Float64Array(size)
  b.set(a.subarray(0, Math.min(a.length, size)))
  return b
}
