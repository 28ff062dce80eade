import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'

/** The exception lists among the wink-lexicon modules wink-lemmatizer requires (with wn-words, wn-word-senses). */
const EXCEPTIONS = ['wn-adjective-exceptions', 'wn-noun-exceptions', 'wn-verb-exceptions'] as const

/**
 * wink-lexicon's data in a form that loads in a few milliseconds: the exception lists as they are, the 77k
 * words of `wn-words` as one string in index order (their indexes are their positions, in sorted order),
 * and `wn-word-senses` as one string per word, a character per sense (code 48 + sense number).
 */
export interface WinkSnapshot {
  winkLexiconVersion: string
  exceptions: Record<string, Record<string, string>>
  /** The words joined by '\n'. */
  words: string
  /** Each word's senses, as characters, joined by ' '. */
  senses: string
}

let snapshotUsed = false

/** Whether wink-lemmatizer got its lists from the snapshot in this process. */
export function winkSnapshotUsed(): boolean {
  return snapshotUsed
}

/** Next to the compiled module: dist/core/text/wink-lexicon.snapshot.json, written by scripts/build.sh. */
const SNAPSHOT = new URL('./wink-lexicon.snapshot.json', import.meta.url)

/**
 * Requires wink-lemmatizer with its WordNet lists served from compact lookups instead of wink-lexicon's
 * object literals. Compiling those literals costs ~125 ms at start, and JSON.parse of the same objects ~55 ms
 * (77k-key objects and 77k small arrays); the snapshot's two strings split in a few ms. `words[w]` becomes a
 * binary search and `senseMap[i]` decodes one word's senses: the only two ways wink-lemmatizer reads them.
 * The exception lists get no prototype, so a token such as "constructor" finds no exception instead of
 * Object.prototype.constructor (a function wink-lemmatizer would return as the lemma). Without a snapshot
 * (running from sources), the same lookups are built from wink-lexicon's own modules, so lemmas are the same
 * either way.
 */
export function requireWinkLemmatizer<T>(): T {
  const require = createRequire(import.meta.url)
  const lemmatizer = require.resolve('wink-lemmatizer')
  // Literal require() calls: the image build traces the server's files by following them.
  if (require.cache[lemmatizer]) return require('wink-lemmatizer') as T
  const winkRequire = createRequire(lemmatizer)
  const version = (winkRequire('wink-lexicon/package.json') as {version: string}).version
  const fromFile = readSnapshot()
  const snapshot = fromFile?.winkLexiconVersion === version ? fromFile : makeWinkSnapshot()
  snapshotUsed = snapshot === fromFile
  const Module = require('node:module') as {new (id: string): {filename: string; loaded: boolean; exports: unknown}}
  for (const [name, exports] of Object.entries(lexiconModules(snapshot))) {
    const filename = winkRequire.resolve(`wink-lexicon/src/${name}.js`)
    const m = new Module(filename)
    m.filename = filename
    m.loaded = true
    m.exports = exports
    require.cache[filename] = m as unknown as NodeJS.Module
  }
  return require('wink-lemmatizer') as T
}

function readSnapshot(): WinkSnapshot | undefined {
  try {
    return JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as WinkSnapshot
  } catch {
    return undefined
  }
}

/** The module exports wink-lemmatizer gets: lookups over the snapshot's strings. */
function lexiconModules(snapshot: WinkSnapshot): Record<string, unknown> {
  const list = snapshot.words.split('\n')
  const senses = snapshot.senses.split(' ')
  const starts = prefixStarts(list)
  const modules: Record<string, unknown> = {
    'wn-words': new Proxy(Object.create(null) as object, {get: (_target, key) => (typeof key === 'string' ? positionOf(list, starts, key) : undefined)}),
    'wn-word-senses': new Proxy(Object.create(null) as object, {
      get: (_target, key) => {
        const code = typeof key === 'string' ? senses[Number(key)] : undefined
        return code === undefined ? undefined : Array.from(code, c => c.charCodeAt(0) - 48)
      },
    }),
  }
  for (const name of EXCEPTIONS) modules[name] = Object.assign(Object.create(null) as object, snapshot.exceptions[name])
  return modules
}

/** A word's first two UTF-16 units folded into 14 bits; it never decreases along the sorted list. */
function prefixKey(word: string): number {
  const a = Math.min(word.charCodeAt(0) || 0, 127)
  const b = word.length > 1 ? Math.min(word.charCodeAt(1), 127) : 0
  return (a << 7) | b
}

/** starts[k]: the first position whose prefix key is k or more (one pass over the list, ~1 ms). */
function prefixStarts(list: readonly string[]): Int32Array {
  const starts = new Int32Array((1 << 14) + 1).fill(list.length)
  for (let i = list.length - 1; i >= 0; i--) starts[prefixKey(list[i]!)] = i
  for (let k = (1 << 14) - 1; k >= 0; k--) starts[k] = Math.min(starts[k]!, starts[k + 1]!)
  return starts
}

/** Binary search among the words sharing the word's two-character prefix: its index, or undefined. */
function positionOf(list: readonly string[], starts: Int32Array, word: string): number | undefined {
  const k = prefixKey(word)
  let lo = starts[k]!
  let hi = starts[k + 1]! - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const w = list[mid]!
    if (w === word) return mid
    if (w < word) lo = mid + 1
    else hi = mid - 1
  }
  return undefined
}

/**
 * The snapshot's content, from the installed wink-lexicon (used by scripts/build.sh, and at run time when
 * there is no snapshot). Checks what the compact form relies on, so a wink-lexicon that breaks it fails the
 * build instead of changing lemmas.
 */
export function makeWinkSnapshot(): WinkSnapshot {
  const winkRequire = createRequire(createRequire(import.meta.url).resolve('wink-lemmatizer'))
  const load = (name: string) => winkRequire(`wink-lexicon/src/${name}.js`) as unknown
  const words = load('wn-words') as Record<string, number>
  const senseMap = load('wn-word-senses') as number[][]
  const list = Object.keys(words)
  list.forEach((word, i) => {
    if (words[word] !== i || (i > 0 && !(list[i - 1]! < word)) || word.includes('\n')) throw new Error(`wink-lexicon's wn-words is not a sorted list indexed by position at "${word}"`)
  })
  if (senseMap.length !== list.length) throw new Error(`wink-lexicon has ${list.length} words but ${senseMap.length} sense lists`)
  const senses = senseMap.map((s, i) => {
    if (s.some(n => !Number.isInteger(n) || n < 0 || n > 78)) throw new Error(`wink-lexicon's sense list of "${list[i]}" has a sense outside 0..78`)
    return String.fromCharCode(...s.map(n => 48 + n))
  })
  const exceptions = Object.fromEntries(EXCEPTIONS.map(name => [name, load(name) as Record<string, string>]))
  return {winkLexiconVersion: (winkRequire('wink-lexicon/package.json') as {version: string}).version, exceptions, words: list.join('\n'), senses: senses.join(' ')}
}
