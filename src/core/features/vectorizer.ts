import type {FeaturizeParams} from '../config/params.js'
import {DataError} from '../errors.js'
import {IntBuffer, NgramIndex} from './ngram-index.js'
import type {CsrMatrix} from './sparse.js'

/** What the bundle stores of a fitted vectorizer: plain JSON. */
export interface VectorizerState {
  method: 'bow' | 'tfidf'
  ngramMin: number
  ngramMax: number
  sublinearTf: boolean
  binary: boolean
  /** Terms in column order (sorted, as scikit-learn does). */
  vocabulary: string[]
  /** Smoothed idf per column (tfidf only). */
  idf?: number[]
}

/**
 * Bag-of-words / TF-IDF over the space-separated tokens that the preprocessor produced.
 * TF-IDF follows scikit-learn's TfidfVectorizer: smooth idf = ln((1+n)/(1+df)) + 1, optional sublinear tf
 * (1 + ln tf), rows L2-normalized. BoW gives raw counts (or 0/1 with `binary`).
 * N-grams are interned as integers (NgramIndex), so counting never builds n-gram strings.
 */
export class Vectorizer {
  private readonly index = new NgramIndex()
  /** Node of the index → column, -1 for prefixes that are not terms. */
  private column: Int32Array
  private readonly idf?: Float64Array

  constructor(readonly state: VectorizerState) {
    const nodes = this.index.internAll(state.vocabulary)
    this.column = new Int32Array(this.index.size).fill(-1)
    for (let col = 0; col < nodes.length; col++) this.column[nodes[col]!] = col
    if (state.idf) this.idf = Float64Array.from(state.idf)
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
    const {n, offsets} = counts
    const {state, column} = chooseVocabulary(counts, params)
    const vectorizer = new Vectorizer(state)
    // Occurrences become columns in place (-1: not a term), counted to size the values exactly.
    const all = counts.occurrences.data
    const total = counts.occurrences.length
    counts.occurrences = new IntBuffer(0)
    let kept = 0
    for (let p = 0; p < total; p++) {
      const c = column[all[p]]
      all[p] = c
      if (c >= 0) kept++
    }
    // A row's entries never outnumber its occurrences and are written after its occurrences were read, so the
    // indices can overwrite the occurrence buffer as it goes.
    const X = vectorizer.buildMatrix(
      n,
      (d, out) => {
        for (let p = offsets[d]; p < offsets[d + 1]; p++) if (all[p] >= 0) out.push(all[p])
      },
      {indices: all, data: new Float64Array(kept)},
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

  /** The id of a token of the vocabulary's n-grams, or -1: the unit `transformIdsTransient` takes. */
  tokenId(word: string): number {
    return this.index.token(word, false)
  }

  /**
   * transformTransient() of texts given as token ids (`fill` appends row r's ids, -1 for unknown tokens):
   * prediction resolves each distinct raw token once (bundle/token-ids.ts) and skips strings altogether.
   */
  transformIdsTransient(rows: number, fill: (row: number, ids: IntBuffer) => void): CsrMatrix {
    const {ngramMin, ngramMax} = this.state
    const ids = scratchIds
    const nodes = scratchNodes
    return this.buildMatrix(
      rows,
      (d, out) => {
        ids.clear()
        fill(d, ids)
        nodes.clear()
        this.index.collectIds(ids.data, ids.length, ngramMin, ngramMax, false, nodes)
        this.pushColumns(nodes, out)
      },
      false,
    )
  }

  private columnsOf(docs: readonly string[]): (row: number, out: IntBuffer) => void {
    const {ngramMin, ngramMax} = this.state
    const nodes = scratchNodes
    return (d, out) => {
      nodes.clear()
      this.index.collect(docs[d], ngramMin, ngramMax, false, nodes)
      this.pushColumns(nodes, out)
    }
  }

  /** The columns of the n-gram nodes that are vocabulary terms. */
  private pushColumns(nodes: IntBuffer, out: IntBuffer): void {
    for (let p = 0; p < nodes.length; p++) {
      const c = this.column[nodes.data[p]]
      if (c >= 0) out.push(c)
    }
  }

  /** Turns each row's column occurrences into weighted, sorted CSR entries. */
  private buildMatrix(rows: number, columnsOf: (row: number, out: IntBuffer) => void, copy: boolean | {indices: Int32Array; data: Float64Array} = true): CsrMatrix {
    const {method, sublinearTf, binary} = this.state
    const idf = this.idf
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
      insertionOrSort(sorted, n)
      if (nnz + n > indices.length) {
        const size = Math.max(indices.length * 2, nnz + n)
        indices = resizeInt(indices, size, 0)
        data = resizeFloat(data, size)
      }
      const start = nnz
      for (let k = 0; k < n; ) {
        let j = k + 1
        while (j < n && sorted[j] === sorted[k]) j++
        let v = binary ? 1 : j - k
        if (method === 'tfidf') {
          if (sublinearTf && !binary && v !== 1) v = 1 + Math.log(v) // 1 + ln 1 is 1 exactly: most counts skip the log
          v *= idf![sorted[k]]
        }
        indices[nnz] = sorted[k]
        data[nnz] = v
        nnz++
        k = j
      }
      if (method === 'tfidf') {
        let norm = 0
        for (let p = start; p < nnz; p++) norm += data[p] * data[p]
        if (norm > 0) {
          norm = Math.sqrt(norm)
          for (let p = start; p < nnz; p++) data[p] /= norm
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

const MAX_SCRATCH = 1 << 20
let scratchIndices: Int32Array = new Int32Array(1024)
const scratchIndptr = new Int32Array(1025)
let scratchData: Float64Array = new Float64Array(1024)
// Reused between calls (transform and buildMatrix are synchronous, so they never overlap).
const scratchNodes = new IntBuffer(256)
const scratchIds = new IntBuffer(256)
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

/** N-gram occurrences of the training documents with their document and total frequencies, by index node. */
export interface NgramCounts {
  index: NgramIndex
  /** Number of documents. */
  n: number
  /** The nodes of document d are occurrences[offsets[d] .. offsets[d + 1]). */
  occurrences: IntBuffer
  offsets: Int32Array
  df: Int32Array
  tf: Float64Array
}

/** Counts the n-grams of `docs` (space-separated tokens): the first half of fitting, the only one that reads them. */
export function countNgrams(docs: readonly string[], params: FeaturizeParams): NgramCounts {
  const {ngram_min: nmin, ngram_max: nmax} = params
  const index = new NgramIndex()
  let all = new IntBuffer(Math.max(1024, docs.length * 16))
  const offsets = new Int32Array(docs.length + 1)
  let df: Int32Array = new Int32Array(1024)
  let tf: Float64Array = new Float64Array(1024)
  let stamp: Int32Array = new Int32Array(1024).fill(-1)
  for (let d = 0; d < docs.length; d++) {
    const start = all.length
    // Doubling the buffer would hold twice the final occurrences at once: grow it to what the documents so far
    // predict for all of them instead.
    if (all.data.length - start < 4096 && d > 0) all = all.withCapacity(Math.ceil((start / d) * docs.length * 1.05) + 4096)
    index.collect(docs[d], nmin, nmax, true, all)
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
  return {index, n: docs.length, occurrences: all, offsets, df, tf}
}

/** The terms kept after min_df, max_df and max_features, in text order, and the column of each index node. */
function chooseVocabulary({index, n, df, tf}: NgramCounts, params: FeaturizeParams): {state: VectorizerState; column: Int32Array} {
  const {ngram_min: nmin, ngram_max: nmax} = params
  // As scikit-learn: a fraction is compared unrounded (df >= min_df * n); values above 1 are document counts.
  const minDocs = params.min_df >= 1 ? params.min_df : params.min_df * n
  const maxDocs = params.max_df <= 1 ? params.max_df * n : params.max_df
  let kept: number[] = []
  for (let id = 0; id < index.size; id++) if (df[id] >= minDocs && df[id] <= maxDocs && (nmin <= 1 || depth(index, id) >= nmin)) kept.push(id)
  const order = textOrder(index, nmax)
  if (params.max_features > 0 && kept.length > params.max_features) kept = mostFrequent(kept, tf, params.max_features, order)
  if (kept.length === 0) {
    throw new DataError(`featurize: no term is left after min_df=${params.min_df} / max_df=${params.max_df} on ${n} texts; lower featurize.min_df or check preprocess settings`)
  }
  kept = order.sort(kept)
  const column = new Int32Array(index.size).fill(-1)
  kept.forEach((id, col) => (column[id] = col))
  const state: VectorizerState = {
    method: params.method,
    ngramMin: nmin,
    ngramMax: nmax,
    sublinearTf: params.sublinear_tf,
    binary: params.binary,
    vocabulary: kept.map(id => index.text(id)),
    idf: params.method === 'tfidf' ? kept.map(id => Math.log((1 + n) / (1 + df[id])) + 1) : undefined,
  }
  return {state, column}
}

/** The `limit` most frequent terms; ties at the cut broken by the term's text, so the result is deterministic. */
function mostFrequent(ids: number[], tf: Float64Array, limit: number, order: TextOrder): number[] {
  const counts = Float64Array.from(ids, id => tf[id]).sort()
  const cut = counts[counts.length - limit]
  const above = ids.filter(id => tf[id] > cut)
  const tied = order.sort(ids.filter(id => tf[id] === cut))
  return [...above, ...tied.slice(0, limit - above.length)]
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
  const aboveSpace = tokens.every(t => {
    for (let i = 0; i < t.length; i++) if (t.charCodeAt(i) <= 0x20) return false
    return true
  })
  if (nmax > 2 || !aboveSpace || tokens.length >= 1 << 26) {
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
  return {
    sort(nodes) {
      const keys = Float64Array.from(nodes, key)
      const byKey = new Map<number, number>()
      nodes.forEach((id, i) => byKey.set(keys[i], id))
      return Array.from(keys.sort(), k => byKey.get(k)!)
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
