import {createHash} from 'node:crypto'
import {type FileHandle, open} from 'node:fs/promises'
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
  // The parts are written one after the other: joining them would hold a second copy of the matrix at the peak.
  await writeFileAtomic(file, parts)
}

/** Bytes of the magic line and the JSON header read first; a header is a few dozen. */
const HEAD_BYTES = 4096

/**
 * Reads the file straight into one aligned array per part (positional reads): the matrix is in memory once,
 * not also as the file's bytes. `md5` is the MD5 of the whole file (the bundle's data hash), taken on the way.
 */
export async function readCsrFile(file: string): Promise<{X: CsrMatrix; labels: Int32Array; md5: string}> {
  let handle: FileHandle
  try {
    handle = await open(file, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new DataError(`feature matrix not found: ${file}`, {suggestions: ['run `sentiops featurize` first (or `sentiops repro`)']})
    throw error
  }
  try {
    const size = (await handle.stat()).size
    const head = Buffer.alloc(Math.min(HEAD_BYTES, size))
    await readFully(handle, head, 0)
    const headerEnd = head.indexOf(0x0a, MAGIC.length)
    if (head.subarray(0, MAGIC.length).toString() !== MAGIC || headerEnd === -1) throw new DataError(`${file} is not a sentiops feature matrix`)
    const header = JSON.parse(head.subarray(MAGIC.length, headerEnd).toString()) as {rows: number; cols: number; nnz: number}
    let offset = headerEnd + 1
    offset += (8 - (offset % 8)) % 8
    const parts = [new Int32Array(header.rows + 1), new Int32Array(header.nnz), new Float64Array(header.nnz), new Int32Array(header.rows)] as const
    if (offset + parts.reduce((sum, part) => sum + part.byteLength, 0) > size) throw new DataError(`${file} is truncated`)
    const md5 = createHash('md5').update(head.subarray(0, offset))
    for (const part of parts) {
      const bytes = new Uint8Array(part.buffer, part.byteOffset, part.byteLength)
      await readFully(handle, bytes, offset)
      md5.update(bytes)
      offset += part.byteLength
    }
    if (offset < size) {
      // Bytes after the labels are no part of the matrix, but of the file its hash stands for.
      const rest = Buffer.alloc(size - offset)
      await readFully(handle, rest, offset)
      md5.update(rest)
    }
    const [indptr, indices, data, labels] = parts
    return {X: {rows: header.rows, cols: header.cols, indptr, indices, data}, labels, md5: md5.digest('hex')}
  } finally {
    await handle.close()
  }
}

/** Fills `target` from the file at `position` (a read may return fewer bytes than asked). */
async function readFully(handle: FileHandle, target: Uint8Array, position: number): Promise<void> {
  for (let done = 0; done < target.length; ) {
    const {bytesRead} = await handle.read(target, done, target.length - done, position + done)
    if (bytesRead === 0) throw new DataError('feature matrix file ended early')
    done += bytesRead
  }
}

function bytes(a: Int32Array | Float64Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength)
}

function pad(length: number): Buffer {
  return Buffer.alloc((8 - (length % 8)) % 8)
}
