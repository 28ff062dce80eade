/**
 * Compressed sparse row (CSR) matrix: the one feature representation every learner consumes.
 * Row i's non-zeros are indices[indptr[i] .. indptr[i+1]) with values data[...]; column indices ascend in a row.
 */
export interface CsrMatrix {
  readonly rows: number
  readonly cols: number
  readonly indptr: Int32Array
  readonly indices: Int32Array
  readonly data: Float64Array
}

/**
 * Value arrays of matrices that their owner reads no more after the fit it passes them to: a learner may
 * overwrite them (lr's NB scaling then scales in place instead of holding a scaled copy as big as the values).
 */
export const disposableValues = new WeakSet<Float64Array>()

/** Builds a CSR matrix from per-row maps of column → value (columns are sorted here). */
export function csrFromRows(rows: ReadonlyArray<ReadonlyMap<number, number>>, cols: number): CsrMatrix {
  let nnz = 0
  for (const r of rows) nnz += r.size
  const indptr = new Int32Array(rows.length + 1)
  const indices = new Int32Array(nnz)
  const data = new Float64Array(nnz)
  let k = 0
  for (let i = 0; i < rows.length; i++) {
    const entries = [...rows[i]].sort((a, b) => a[0] - b[0])
    for (const [c, v] of entries) {
      indices[k] = c
      data[k] = v
      k++
    }
    indptr[i + 1] = k
  }
  return {rows: rows.length, cols, indptr, indices, data}
}

/** The rows `which` of `m`, in that order, as a new CSR matrix. */
export function selectRows(m: CsrMatrix, which: ArrayLike<number>): CsrMatrix {
  let nnz = 0
  for (let i = 0; i < which.length; i++) nnz += m.indptr[which[i] + 1] - m.indptr[which[i]]
  const indptr = new Int32Array(which.length + 1)
  const indices = new Int32Array(nnz)
  const data = new Float64Array(nnz)
  let k = 0
  for (let i = 0; i < which.length; i++) {
    const r = which[i]
    const start = m.indptr[r]
    const end = m.indptr[r + 1]
    indices.set(m.indices.subarray(start, end), k)
    data.set(m.data.subarray(start, end), k)
    k += end - start
    indptr[i + 1] = k
  }
  return {rows: which.length, cols: m.cols, indptr, indices, data}
}

/** Dense row-major copy; only for small matrices (tests, the mljs backends). */
export function toDense(m: CsrMatrix): number[][] {
  const out: number[][] = []
  for (let i = 0; i < m.rows; i++) {
    const row = new Array<number>(m.cols).fill(0)
    for (let p = m.indptr[i]; p < m.indptr[i + 1]; p++) row[m.indices[p]] = m.data[p]
    out.push(row)
  }
  return out
}

/** Column-major (CSC) view: for each column, the rows that have a non-zero and the values. Tree learners use it. */
export interface CscMatrix {
  readonly rows: number
  readonly cols: number
  readonly indptr: Int32Array
  readonly indices: Int32Array
  readonly data: Float64Array
}

export function toCsc(m: CsrMatrix): CscMatrix {
  const counts = new Int32Array(m.cols + 1)
  for (let p = 0; p < m.indices.length; p++) counts[m.indices[p] + 1]++
  for (let c = 0; c < m.cols; c++) counts[c + 1] += counts[c]
  const indptr = counts.slice()
  const next = counts.slice(0, m.cols)
  const indices = new Int32Array(m.indices.length)
  const data = new Float64Array(m.indices.length)
  for (let r = 0; r < m.rows; r++) {
    for (let p = m.indptr[r]; p < m.indptr[r + 1]; p++) {
      const c = m.indices[p]
      const q = next[c]++
      indices[q] = r
      data[q] = m.data[p]
    }
  }
  return {rows: m.rows, cols: m.cols, indptr, indices, data}
}
