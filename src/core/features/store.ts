import {readFile} from 'node:fs/promises'
import {DataError} from '../errors.js'
import {writeFileAtomic} from '../fs/atomic.js'
import type {CsrMatrix} from './sparse.js'

const MAGIC = 'SENTIOPS-CSR1\n'

/**
 * A CSR matrix plus labels in one binary file: a magic line, a JSON header line, then little-endian
 * indptr (int32), indices (int32), data (float64) and labels (int32). Loads with no parsing cost.
 */
export async function writeCsrFile(file: string, X: CsrMatrix, labels: Int32Array): Promise<void> {
  const header = Buffer.from(JSON.stringify({rows: X.rows, cols: X.cols, nnz: X.indices.length}) + '\n')
  const parts = [Buffer.from(MAGIC), header, pad(MAGIC.length + header.length), bytes(X.indptr), bytes(X.indices), bytes(X.data), bytes(labels)]
  await writeFileAtomic(file, Buffer.concat(parts))
}

export async function readCsrFile(file: string): Promise<{X: CsrMatrix; labels: Int32Array}> {
  let buf: Buffer
  try {
    buf = await readFile(file)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new DataError(`feature matrix not found: ${file}`, {suggestions: ['run `sentiops featurize` first (or `sentiops repro`)']})
    throw error
  }
  if (buf.subarray(0, MAGIC.length).toString() !== MAGIC) throw new DataError(`${file} is not a sentiops feature matrix`)
  const headerEnd = buf.indexOf(0x0a, MAGIC.length)
  const header = JSON.parse(buf.subarray(MAGIC.length, headerEnd).toString()) as {rows: number; cols: number; nnz: number}
  let offset = headerEnd + 1
  offset += (8 - (offset % 8)) % 8
  const take = <T>(ctor: {new (b: ArrayBuffer, o: number, n: number): T; BYTES_PER_ELEMENT: number}, n: number): T => {
    // Copy into an aligned buffer: Buffer slices may not be aligned to the element size.
    const size = n * ctor.BYTES_PER_ELEMENT
    if (offset + size > buf.length) throw new DataError(`${file} is truncated`)
    const ab = new ArrayBuffer(size)
    new Uint8Array(ab).set(buf.subarray(offset, offset + size))
    offset += size
    return new ctor(ab, 0, n)
  }
  const indptr = take(Int32Array, header.rows + 1)
  const indices = take(Int32Array, header.nnz)
  const data = take(Float64Array, header.nnz)
  const labels = take(Int32Array, header.rows)
  return {X: {rows: header.rows, cols: header.cols, indptr, indices, data}, labels}
}

function bytes(a: Int32Array | Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength)
}

function pad(length: number): Buffer {
  return Buffer.alloc((8 - (length % 8)) % 8)
}
