import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ROOT} from '../support/cli.js'

/**
 * The words to lemmatize, made in the child process from wink-lexicon itself: every exception form, every
 * 7th base word with common inflections, and tokens named like Object.prototype's properties.
 */
const WORDS = `
  const lexicon = createRequire(createRequire(process.cwd() + '/package.json').resolve('wink-lemmatizer'))
  const load = name => lexicon('wink-lexicon/src/' + name + '.js')
  const base = Object.keys(load('wn-words')).filter((_, i) => i % 7 === 0)
  const words = [
    ...['adjective', 'noun', 'verb'].flatMap(pos => Object.keys(load('wn-' + pos + '-exceptions'))),
    ...base.flatMap(w => [w, w + 's', w + 'es', w + 'ed', w + 'ing', w + 'er', w + 'est', w + 'ies']),
    'movies', 'loved', 'better', 'was', 'does', 'geese', 'xyzzy', '',
  ]`

function lemmas(setup: string): {lemmas: string[]; injected: boolean; count: number} {
  const script = `
    import {createRequire} from 'node:module'
    ${WORDS}
    ${setup}
    const out = words.flatMap(x => [w.noun(x), w.verb(x), w.adjective(x)])
    console.log(JSON.stringify({lemmas: out, injected, count: words.length}))`
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {cwd: ROOT, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024})
  expect(r.status, r.stderr).toBe(0)
  return JSON.parse(r.stdout)
}

describe('wink-lemmatizer over the compact WordNet lookups', () => {
  it('is built next to the compiled module and gives the same lemmas as wink-lexicon itself', () => {
    expect(existsSync(path.join(ROOT, 'dist/core/text/wink-lexicon.snapshot.json'))).toBe(true)
    const viaSnapshot = lemmas(`
      const {requireWinkLemmatizer, winkSnapshotUsed} = await import('./dist/core/text/wink-snapshot.js')
      const w = requireWinkLemmatizer()
      const injected = winkSnapshotUsed()`)
    const plain = lemmas(`
      const w = createRequire(process.cwd() + '/package.json')('wink-lemmatizer')
      const injected = false`)
    expect(viaSnapshot.injected).toBe(true)
    expect(viaSnapshot.count).toBeGreaterThan(90_000)
    expect(viaSnapshot.lemmas).toEqual(plain.lemmas)
    expect(plain.lemmas).toContain('good')
  }, 60_000)

  it('finds no exception for tokens named like Object.prototype properties (wink-lexicon would return a function)', async () => {
    const {requireWinkLemmatizer} = await import('../../src/core/text/wink-snapshot.js')
    const w = requireWinkLemmatizer<{noun(x: string): unknown; verb(x: string): unknown; adjective(x: string): unknown}>()
    for (const token of ['constructor', '__proto__', 'tostring', 'valueof', 'hasownproperty']) {
      for (const lemma of [w.noun(token), w.verb(token), w.adjective(token)]) expect(typeof lemma, token).toBe('string')
    }
  })
})
