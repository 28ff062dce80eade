import {readFileSync} from 'node:fs'
import {createRequire} from 'node:module'

/** The wink-lexicon modules wink-lemmatizer requires: 2.9 MB of JavaScript object and array literals. */
export const WINK_LEXICON_MODULES = ['wn-adjective-exceptions', 'wn-noun-exceptions', 'wn-verb-exceptions', 'wn-words', 'wn-word-senses'] as const

export interface WinkSnapshot {
  winkLexiconVersion: string
  modules: Record<string, unknown>
}

let snapshotUsed = false

/** Whether wink-lemmatizer got its lists from the snapshot in this process. */
export function winkSnapshotUsed(): boolean {
  return snapshotUsed
}

/** Next to the compiled module: dist/core/text/wink-lexicon.snapshot.json, written by scripts/build.sh. */
const SNAPSHOT = new URL('./wink-lexicon.snapshot.json', import.meta.url)

/**
 * Requires wink-lemmatizer, feeding it its WordNet lists from a JSON snapshot when one was built.
 * Compiling the lexicon's JavaScript literals costs ~125 ms and ~45 MB at start; JSON.parse of the same data
 * ~50 ms and ~27 MB (measured here), which matters for `serve`'s cold start and memory. The parsed modules go
 * into require.cache, so wink-lemmatizer runs unchanged on identical data. A missing snapshot, or one made
 * from another wink-lexicon version, is ignored and the modules load as usual.
 */
export function requireWinkLemmatizer<T>(): T {
  const require = createRequire(import.meta.url)
  const winkRequire = createRequire(require.resolve('wink-lemmatizer'))
  // Loaded before (another bundle, a hot swap, the next stage of `repro`): no need to read the snapshot again.
  if (require.cache[require.resolve('wink-lemmatizer')]) return require('wink-lemmatizer') as T
  const snapshot = readSnapshot()
  if (snapshot && snapshot.winkLexiconVersion === (winkRequire('wink-lexicon/package.json') as {version: string}).version) {
    const Module = require('node:module') as {new (id: string): {filename: string; loaded: boolean; exports: unknown}}
    for (const name of WINK_LEXICON_MODULES) {
      const filename = winkRequire.resolve(`wink-lexicon/src/${name}.js`)
      if (require.cache[filename] || !(name in snapshot.modules)) continue
      const m = new Module(filename)
      m.filename = filename
      m.loaded = true
      m.exports = snapshot.modules[name]
      require.cache[filename] = m as unknown as NodeJS.Module
      snapshotUsed = true
    }
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

/** The snapshot's content, from the installed wink-lexicon (used by scripts/build.sh and a test). */
export function makeWinkSnapshot(): WinkSnapshot {
  const winkRequire = createRequire(createRequire(import.meta.url).resolve('wink-lemmatizer'))
  const modules: Record<string, unknown> = {}
  for (const name of WINK_LEXICON_MODULES) modules[name] = winkRequire(`wink-lexicon/src/${name}.js`)
  return {winkLexiconVersion: (winkRequire('wink-lexicon/package.json') as {version: string}).version, modules}
}
