import type {FeaturizeParams} from '../config/params.js'
import {DataError} from '../errors.js'
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
 */
export class Vectorizer {
  private readonly index: Map<string, number>

  constructor(readonly state: VectorizerState) {
    this.index = new Map(state.vocabulary.map((term, i) => [term, i]))
  }

  get nFeatures(): number {
    return this.state.vocabulary.length
  }

  static fitTransform(docs: readonly string[], params: FeaturizeParams): {vectorizer: Vectorizer; X: CsrMatrix} {
    const {ngram_min: nmin, ngram_max: nmax} = params
    // Pass 1: give every n-gram a provisional id, remember each doc's ids, count df and total frequency.
    const provisional = new Map<string, number>()
    const terms: string[] = []
    let df: Int32Array = new Int32Array(1024)
    let tf: Float64Array = new Float64Array(1024)
    const docIds: Int32Array[] = []
    let stamp: Int32Array = new Int32Array(1024).fill(-1)
    for (let d = 0; d < docs.length; d++) {
      const grams = ngrams(docs[d], nmin, nmax)
      const ids = new Int32Array(grams.length)
      for (let g = 0; g < grams.length; g++) {
        let id = provisional.get(grams[g])
        if (id === undefined) {
          id = terms.length
          provisional.set(grams[g], id)
          terms.push(grams[g])
          if (id >= df.length) {
            df = growInt(df, 0)
            tf = growFloat(tf)
            stamp = growInt(stamp, -1)
          }
        }
        ids[g] = id
        tf[id]++
        if (stamp[id] !== d) {
          stamp[id] = d
          df[id]++
        }
      }
      docIds.push(ids)
    }
    const n = docs.length
    // As scikit-learn: a fraction is compared unrounded (df >= min_df * n); values above 1 are document counts.
    const minDocs = params.min_df >= 1 ? params.min_df : params.min_df * n
    const maxDocs = params.max_df <= 1 ? params.max_df * n : params.max_df
    let kept: number[] = []
    for (let id = 0; id < terms.length; id++) if (df[id] >= minDocs && df[id] <= maxDocs) kept.push(id)
    if (params.max_features > 0 && kept.length > params.max_features) {
      // Most frequent terms first; ties broken by term so the vocabulary is deterministic.
      kept.sort((a, b) => tf[b] - tf[a] || (terms[a] < terms[b] ? -1 : 1))
      kept = kept.slice(0, params.max_features)
    }
    kept.sort((a, b) => (terms[a] < terms[b] ? -1 : terms[a] > terms[b] ? 1 : 0))
    if (kept.length === 0) {
      throw new DataError(`featurize: no term is left after min_df=${params.min_df} / max_df=${params.max_df} on ${n} texts; lower featurize.min_df or check preprocess settings`)
    }
    const column = new Int32Array(terms.length).fill(-1)
    kept.forEach((id, col) => (column[id] = col))
    const vocabulary = kept.map(id => terms[id])
    const idf = params.method === 'tfidf' ? kept.map(id => Math.log((1 + n) / (1 + df[id])) + 1) : undefined
    const vectorizer = new Vectorizer({
      method: params.method,
      ngramMin: nmin,
      ngramMax: nmax,
      sublinearTf: params.sublinear_tf,
      binary: params.binary,
      vocabulary,
      idf,
    })
    const X = vectorizer.buildMatrix(docIds.length, d => {
      const ids = docIds[d]
      const cols: number[] = []
      for (let g = 0; g < ids.length; g++) {
        const c = column[ids[g]]
        if (c >= 0) cols.push(c)
      }
      return cols
    })
    return {vectorizer, X}
  }

  transform(docs: readonly string[]): CsrMatrix {
    const {ngramMin, ngramMax} = this.state
    return this.buildMatrix(docs.length, d => {
      const cols: number[] = []
      for (const gram of ngrams(docs[d], ngramMin, ngramMax)) {
        const c = this.index.get(gram)
        if (c !== undefined) cols.push(c)
      }
      return cols
    })
  }

  /** Turns each row's column occurrences into weighted, sorted CSR entries. */
  private buildMatrix(rows: number, columnsOf: (row: number) => number[]): CsrMatrix {
    const {method, sublinearTf, binary, idf} = this.state
    const indptr = new Int32Array(rows + 1)
    let indices: Int32Array = new Int32Array(Math.max(16, rows * 8))
    let data: Float64Array = new Float64Array(indices.length)
    let nnz = 0
    for (let r = 0; r < rows; r++) {
      const cols = columnsOf(r)
      cols.sort((a, b) => a - b)
      if (nnz + cols.length > indices.length) {
        const size = Math.max(indices.length * 2, nnz + cols.length)
        const i2 = new Int32Array(size)
        i2.set(indices.subarray(0, nnz))
        const d2 = new Float64Array(size)
        d2.set(data.subarray(0, nnz))
        indices = i2
        data = d2
      }
      const start = nnz
      for (let k = 0; k < cols.length; ) {
        let j = k + 1
        while (j < cols.length && cols[j] === cols[k]) j++
        const count = j - k
        let v = binary ? 1 : count
        if (method === 'tfidf') {
          if (sublinearTf && !binary) v = 1 + Math.log(v)
          v *= idf![cols[k]]
        }
        indices[nnz] = cols[k]
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
    return {rows, cols: this.nFeatures, indptr, indices: indices.slice(0, nnz), data: data.slice(0, nnz)}
  }
}

/** Word n-grams of a space-separated token string, joined by single spaces (like scikit-learn's analyzer). */
export function ngrams(doc: string, nmin: number, nmax: number): string[] {
  if (doc === '') return []
  const tokens = doc.split(' ')
  if (nmin === 1 && nmax === 1) return tokens
  const out: string[] = []
  for (let n = nmin; n <= nmax; n++) {
    for (let i = 0; i + n <= tokens.length; i++) out.push(n === 1 ? tokens[i] : tokens.slice(i, i + n).join(' '))
  }
  return out
}

function growInt(a: Int32Array, fill: number): Int32Array {
  const b = new Int32Array(a.length * 2)
  b.set(a)
  if (fill !== 0) b.fill(fill, a.length)
  return b
}

function growFloat(a: Float64Array): Float64Array {
  const b = new Float64Array(a.length * 2)
  b.set(a)
  return b
}
