import {DataError} from '../errors.js'

/**
 * Interns tokens and word n-grams as integers, so that counting n-grams over millions of texts needs no
 * string concatenation and no string hashing beyond one Map lookup per token.
 *
 * An n-gram is a chain: its id is looked up from (id of its first n-1 tokens, id of its last token) in an
 * open-addressing hash table of int pairs. Unigram ids are the token ids themselves (prefix -1).
 */
export class NgramIndex {
  // Token table: open addressing over token ids (-1 = empty), keyed by the token's text through its hash, so a
  // token is found straight from its place in a document: no split(), no substring per occurrence.
  private tokenSlots: Int32Array = new Int32Array(1 << 12).fill(-1)
  private tokenMask = (1 << 12) - 1
  private tokenHashes: Int32Array = new Int32Array(1024)
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
    return this.tokenAt(word, 0, word.length, add)
  }

  /** Token id of `text.slice(start, end)`, interning it when `add` (else -1 for unknown words). */
  tokenAt(text: string, start: number, end: number, add: boolean): number {
    let hash = 0x811c9dc5 | 0 // int32, as stored in tokenHashes (an empty token hashes to this)
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193)
    // `find`'s probe for an unpadded token, kept inline: the word path's hot loop (a call here measured slower).
    const length = end - start
    let slot = hash & this.tokenMask
    for (;;) {
      const id = this.tokenSlots[slot]
      if (id === -1) break
      if (this.tokenHashes[id] === hash) {
        const known = this.tokenStrings[id]
        if (known.length === length && text.startsWith(known, start)) return id
      }
      slot = (slot + 1) & this.tokenMask
    }
    if (!add) return -1
    this.freeSlot = slot
    return this.intern(start === 0 && end === text.length ? text : text.slice(start, end), hash)
  }

  /** The slot where `find` stopped: the free one to intern a missing token in. */
  private freeSlot = 0

  /**
   * Id of the token whose text is text[start, end) with a space before it when `pad & 1` and after it when
   * `pad & 2` (a character n-gram of a padded word), and whose FNV-1a hash is `hash`; -1 when absent.
   */
  private find(text: string, start: number, end: number, pad: number, hash: number): number {
    const length = end - start + (pad & 1) + (pad >> 1)
    let slot = hash & this.tokenMask
    for (;;) {
      const id = this.tokenSlots[slot]
      if (id === -1) break
      if (this.tokenHashes[id] === hash) {
        const known = this.tokenStrings[id]
        if (known.length === length && samePadded(known, text, start, end, pad)) return id
      }
      slot = (slot + 1) & this.tokenMask
    }
    this.freeSlot = slot
    return -1
  }

  /** Interns a token `find` did not find, in the slot it stopped at. */
  private intern(token: string, hash: number): number {
    const id = this.tokenCount++
    this.tokenStrings.push(ownCopy(token))
    if (id >= this.tokenNode.length) this.tokenNode = grow(this.tokenNode, -1)
    if (id >= this.tokenHashes.length) this.tokenHashes = grow(this.tokenHashes, 0)
    this.tokenNode[id] = -1
    this.tokenHashes[id] = hash
    this.tokenSlots[this.freeSlot] = id
    if (this.tokenCount * 2 > this.tokenSlots.length) this.rehashTokens()
    return id
  }

  private rehashTokens(): void {
    const size = this.tokenSlots.length * 2
    this.tokenSlots = new Int32Array(size).fill(-1)
    this.tokenMask = size - 1
    for (let id = 0; id < this.tokenCount; id++) {
      let slot = this.tokenHashes[id] & this.tokenMask
      while (this.tokenSlots[slot] !== -1) slot = (slot + 1) & this.tokenMask
      this.tokenSlots[slot] = id
    }
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
    if (this.prefixOf[node] === -1) return this.tokenStrings[this.tokenOf[node]]
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
    // The tokens of doc.split(' '), empty ones included, found in place.
    let ids = scratch
    let count = 0
    let start = 0
    const n = doc.length
    for (let i = 0; i <= n; i++) {
      if (i < n && doc.charCodeAt(i) !== 32) continue
      if (count === ids.length) ids = scratch = growIds(ids)
      ids[count++] = this.tokenAt(doc, start, i, add)
      start = i + 1
    }
    this.collectIds(ids, count, nmin, nmax, add, out)
  }

  /**
   * Appends the nodes of the character n-grams (nmin..nmax) inside word boundaries of a space-separated token
   * string, as scikit-learn's analyzer='char_wb': each word padded as " word ", and a padded word no longer
   * than an n counted once, whole. Every n-gram is one token of this index (a unigram node); no n-gram string
   * is built except when a new one is interned.
   */
  collectCharWb(doc: string, nmin: number, nmax: number, add: boolean, out: IntBuffer): void {
    let start = 0
    const n = doc.length
    for (let i = 0; i <= n; i++) {
      if (i < n && doc.charCodeAt(i) !== 32) continue
      if (i > start) this.collectCharWbWord(doc, start, i, nmin, nmax, add, out)
      start = i + 1
    }
  }

  /** collectCharWb() of the one word text[start, end). */
  collectCharWbWord(text: string, start: number, end: number, nmin: number, nmax: number, add: boolean, out: IntBuffer): void {
    if (end <= start) return
    const length = end - start + 2 // with the two padding spaces
    const last = length - 1
    for (let k = 0; k < length; k++) {
      // Windows of every n from position k, hashed incrementally (FNV-1a, as tokenAt hashes whole texts). The
      // whole padded word is a window of k = 0 only; longer n would repeat it.
      const top = Math.min(nmax, length - k)
      let hash = 0x811c9dc5 | 0
      for (let m = 1; m <= top; m++) {
        const p = k + m - 1
        hash = Math.imul(hash ^ (p === 0 || p === last ? 32 : text.charCodeAt(start + p - 1)), 0x01000193)
        if (m < nmin && !(k === 0 && m === length)) continue
        const token = this.paddedToken(text, start, length, k, m, hash, add)
        if (token === -1) continue
        const node = this.unigram(token, add)
        if (node !== -1) out.push(node)
      }
    }
  }

  /** tokenAt() of the padded word " text[start, start + length - 2) " from k, m characters, its hash given. */
  private paddedToken(text: string, start: number, length: number, k: number, m: number, hash: number, add: boolean): number {
    const from = start + Math.max(k - 1, 0)
    const to = start + Math.min(k + m - 1, length - 2)
    const pad = (k === 0 ? 1 : 0) | (k + m === length ? 2 : 0)
    const id = this.find(text, from, to, pad, hash)
    if (id !== -1 || !add) return id
    return this.intern((pad & 1 ? ' ' : '') + text.slice(from, to) + (pad & 2 ? ' ' : ''), hash)
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

/**
 * collectCharWb() for fitting, each distinct word's character n-gram nodes found once: most of a corpus' words
 * repeat, and a word is one hash and one probe here against two per n-gram there. The nodes, their order and
 * the order they are created in are collectCharWb()'s.
 */
export class CharWbCounter {
  private readonly words = new NgramIndex()
  private known = 0
  /** Word id w's nodes are nodes[bounds[w], bounds[w + 1]). */
  private bounds: Int32Array = new Int32Array(1024)
  private readonly nodes = new IntBuffer(1 << 14)

  constructor(
    private readonly index: NgramIndex,
    private readonly nmin: number,
    private readonly nmax: number,
  ) {}

  collect(doc: string, out: IntBuffer): void {
    let start = 0
    const n = doc.length
    for (let i = 0; i <= n; i++) {
      if (i < n && doc.charCodeAt(i) !== 32) continue
      if (i > start) this.collectWord(doc, start, i, out)
      start = i + 1
    }
  }

  private collectWord(doc: string, start: number, end: number, out: IntBuffer): void {
    const word = this.words.tokenAt(doc, start, end, true)
    if (word === this.known) {
      this.index.collectCharWbWord(doc, start, end, this.nmin, this.nmax, true, this.nodes)
      this.known++
      if (this.known >= this.bounds.length) this.bounds = grow(this.bounds, 0)
      this.bounds[this.known] = this.nodes.length
    }
    out.pushRange(this.nodes.data, this.bounds[word], this.bounds[word + 1])
  }
}

let scratch: Int32Array = new Int32Array(256)

function growIds(ids: Int32Array): Int32Array {
  const bigger = new Int32Array(ids.length * 2)
  bigger.set(ids)
  return bigger
}

/**
 * A token kept for the life of the index must not be a slice of its document: V8 keeps the whole parent
 * string (a document, or the file it was read from) alive for a slice of 13 characters or more.
 */
function ownCopy(token: string): string {
  return token.length < 13 ? token : Buffer.from(token, 'utf16le').toString('utf16le')
}

/** Whether `known` is text[start, end) with the spaces of `pad` around it (its length already checked). */
function samePadded(known: string, text: string, start: number, end: number, pad: number): boolean {
  const left = pad & 1
  if (left === 1 && known.charCodeAt(0) !== 32) return false
  if (pad >> 1 === 1 && known.charCodeAt(known.length - 1) !== 32) return false
  for (let i = start; i < end; i++) if (known.charCodeAt(i - start + left) !== text.charCodeAt(i)) return false
  return true
}

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

  /** Appends src[from, to) in one copy. */
  pushAll(src: Int32Array, from = 0, to = src.length): void {
    const n = to - from
    if (this.length + n > this.data.length) {
      const bigger = new Int32Array(Math.max(this.data.length * 2, this.length + n))
      bigger.set(this.data.subarray(0, this.length))
      this.data = bigger
    }
    this.data.set(src.subarray(from, to), this.length)
    this.length += n
  }

  /** pushAll() for the short runs of hot loops: no subarray views. */
  pushRange(src: Int32Array, from: number, to: number): void {
    if (this.length + to - from > this.data.length) this.reserve(this.length + to - from)
    const data = this.data
    let at = this.length
    for (let p = from; p < to; p++) data[at++] = src[p]
    this.length = at
  }

  private reserve(size: number): void {
    const bigger = new Int32Array(Math.max(this.data.length * 2, size))
    bigger.set(this.data.subarray(0, this.length))
    this.data = bigger
  }

  clear(): void {
    this.length = 0
  }

  /** This buffer with room for `capacity` values (itself when it has that much already). */
  withCapacity(capacity: number): IntBuffer {
    if (capacity <= this.data.length) return this
    const bigger = new IntBuffer(capacity)
    bigger.data.set(this.data.subarray(0, this.length))
    bigger.length = this.length
    return bigger
  }
}
