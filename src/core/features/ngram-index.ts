import {DataError} from '../errors.js'

/**
 * Interns tokens and word n-grams as integers, so that counting n-grams over millions of texts needs no
 * string concatenation and no string hashing beyond one Map lookup per token.
 *
 * An n-gram is a chain: its id is looked up from (id of its first n-1 tokens, id of its last token) in an
 * open-addressing hash table of int pairs. Unigram ids are the token ids themselves (prefix -1).
 */
export class NgramIndex {
  private readonly tokens = new Map<string, number>()
  /** Per node id: the prefix node (-1 for a unigram) and the last token. */
  prefixOf: Int32Array = new Int32Array(1024)
  tokenOf: Int32Array = new Int32Array(1024)
  private tokenNode: Int32Array = new Int32Array(1024) // token id → its unigram node id
  private nodes = 0
  private tokenCount = 0
  // Hash table: slots hold node ids (-1 = empty); keys are read back from prefixOf/tokenOf.
  private table: Int32Array = new Int32Array(1 << 12).fill(-1)
  private mask = (1 << 12) - 1
  private readonly tokenStrings: string[] = []

  get size(): number {
    return this.nodes
  }

  /** Token id of `word`, interning it when `add` (else -1 for unknown words). */
  token(word: string, add: boolean): number {
    let id = this.tokens.get(word)
    if (id === undefined) {
      if (!add) return -1
      id = this.tokenCount++
      this.tokens.set(word, id)
      this.tokenStrings.push(word)
      if (id >= this.tokenNode.length) this.tokenNode = grow(this.tokenNode, -1)
      this.tokenNode[id] = -1
    }
    return id
  }

  /** Node of the unigram `token`, or -1. */
  unigram(token: number, add: boolean): number {
    let node = this.tokenNode[token]
    if (node === -1 && add) {
      node = this.newNode(-1, token)
      this.tokenNode[token] = node
    }
    return node
  }

  /** Node of (prefix node, token), or -1 when absent and not `add`. */
  extend(prefix: number, token: number, add: boolean): number {
    let slot = hash(prefix, token) & this.mask
    for (;;) {
      const node = this.table[slot]
      if (node === -1) break
      if (this.prefixOf[node] === prefix && this.tokenOf[node] === token) return node
      slot = (slot + 1) & this.mask
    }
    if (!add) return -1
    const node = this.newNode(prefix, token)
    this.table[slot] = node
    if (this.nodes * 2 > this.table.length) this.rehash()
    return node
  }

  /** Token texts by token id. */
  tokenTexts(): readonly string[] {
    return this.tokenStrings
  }

  /** The text of a node: its tokens joined by single spaces. */
  text(node: number): string {
    const parts: string[] = []
    for (let n = node; n !== -1; n = this.prefixOf[n]) parts.push(this.tokenStrings[this.tokenOf[n]])
    return parts.reverse().join(' ')
  }

  private newNode(prefix: number, token: number): number {
    const node = this.nodes++
    if (node >= 0x7fffffff) throw new DataError('featurize: more than 2^31 distinct n-grams; lower featurize.ngram_max or add data in parts')
    if (node >= this.prefixOf.length) {
      this.prefixOf = grow(this.prefixOf, 0)
      this.tokenOf = grow(this.tokenOf, 0)
    }
    this.prefixOf[node] = prefix
    this.tokenOf[node] = token
    return node
  }

  /** Sizes the arrays and the hash table for `nodes` nodes at once, instead of doubling their way there. */
  private reserve(nodes: number): void {
    if (nodes > this.prefixOf.length) {
      const grown = (a: Int32Array) => {
        const b = new Int32Array(nodes)
        b.set(a)
        return b
      }
      this.prefixOf = grown(this.prefixOf)
      this.tokenOf = grown(this.tokenOf)
    }
    let size = this.table.length
    while (nodes * 2 > size) size *= 2
    if (size > this.table.length) this.rehash(size)
  }

  private rehash(size = this.table.length * 2): void {
    this.table = new Int32Array(size).fill(-1)
    this.mask = size - 1
    for (let node = 0; node < this.nodes; node++) {
      if (this.prefixOf[node] === -1) continue // unigrams live in tokenNode, not in the table
      let slot = hash(this.prefixOf[node], this.tokenOf[node]) & this.mask
      while (this.table[slot] !== -1) slot = (slot + 1) & this.mask
      this.table[slot] = node
    }
  }

  /**
   * The nodes of whole n-gram texts ("very good"), created with their prefixes when missing. Loading a
   * bundle interns its whole vocabulary (50,000 terms by default) once, cold: one loop that V8 compiles on
   * the spot (OSR), with the tables sized up front (35–40 → 23–25 ms for the MR model).
   */
  internAll(terms: readonly string[]): Int32Array {
    const nodes = new Int32Array(terms.length)
    this.reserve(this.nodes + terms.length)
    for (let t = 0; t < terms.length; t++) {
      const term = terms[t]!
      let from = 0
      let space = term.indexOf(' ')
      let node = -1
      for (;;) {
        const word = space === -1 ? (from === 0 ? term : term.slice(from)) : term.slice(from, space)
        const token = this.token(word, true)
        node = node === -1 ? this.unigram(token, true) : this.extend(node, token, true)
        if (space === -1) break
        from = space + 1
        space = term.indexOf(' ', from)
      }
      nodes[t] = node
    }
    return nodes
  }

  /**
   * Appends the n-gram nodes (nmin..nmax) of a space-separated token string to `out`.
   * With add = false, unknown tokens and n-grams are skipped (transform of unseen text).
   */
  collect(doc: string, nmin: number, nmax: number, add: boolean, out: IntBuffer): void {
    if (doc === '') return
    const words = doc.split(' ')
    const ids = scratch.length >= words.length ? scratch : (scratch = new Int32Array(words.length * 2))
    for (let i = 0; i < words.length; i++) ids[i] = this.token(words[i], add)
    this.collectIds(ids, words.length, nmin, nmax, add, out)
  }

  /** collect() of the first `length` token ids in `ids` (-1: an unknown token, which no n-gram spans). */
  collectIds(ids: Int32Array, length: number, nmin: number, nmax: number, add: boolean, out: IntBuffer): void {
    for (let i = 0; i < length; i++) {
      let node = ids[i] === -1 ? -1 : this.unigram(ids[i], add)
      if (node === -1) continue
      if (nmin <= 1) out.push(node)
      for (let n = 2; n <= nmax && i + n <= length; n++) {
        const t = ids[i + n - 1]
        if (t === -1) break
        node = this.extend(node, t, add)
        if (node === -1) break
        if (n >= nmin) out.push(node)
      }
    }
  }
}

let scratch = new Int32Array(256)

function hash(a: number, b: number): number {
  return (Math.imul(a + 1, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b)) >>> 0
}

function grow(a: Int32Array, fill: number): Int32Array {
  const b = new Int32Array(a.length * 2)
  b.set(a)
  if (fill !== 0) b.fill(fill, a.length)
  return b
}

/** A growable Int32 buffer. */
export class IntBuffer {
  data: Int32Array
  length = 0

  constructor(capacity = 1024) {
    this.data = new Int32Array(capacity)
  }

  push(v: number): void {
    if (this.length === this.data.length) this.data = grow(this.data, 0)
    this.data[this.length++] = v
  }

  clear(): void {
    this.length = 0
  }
}
