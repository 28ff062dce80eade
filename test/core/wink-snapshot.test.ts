import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ROOT} from '../support/cli.js'

const WORDS = ['movies', 'loved', 'better', 'was', 'boring', 'does', 'leaves', 'funniest', 'worst', 'geese', 'ran', 'acting', 'disappointed', 'amazing', 'children', 'went', 'xyzzy', 'happier', 'studies', 'mice']

function lemmas(script: string): {lemmas: string[]; injected: boolean} {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {cwd: ROOT, encoding: 'utf8'})
  expect(r.status, r.stderr).toBe(0)
  return JSON.parse(r.stdout)
}

describe('wink-lemmatizer from the build-time JSON snapshot', () => {
  it('is built next to the compiled module and gives the same lemmas as wink-lexicon itself', () => {
    expect(existsSync(path.join(ROOT, 'dist/core/text/wink-lexicon.snapshot.json'))).toBe(true)
    const words = JSON.stringify(WORDS)
    const viaSnapshot = lemmas(`
      const {requireWinkLemmatizer, winkSnapshotUsed} = await import('./dist/core/text/wink-snapshot.js')
      const w = requireWinkLemmatizer()
      const injected = winkSnapshotUsed()
      console.log(JSON.stringify({lemmas: ${words}.flatMap(x => [w.noun(x), w.verb(x), w.adjective(x)]), injected}))`)
    const plain = lemmas(`
      import {createRequire} from 'node:module'
      const w = createRequire(process.cwd() + '/package.json')('wink-lemmatizer')
      console.log(JSON.stringify({lemmas: ${words}.flatMap(x => [w.noun(x), w.verb(x), w.adjective(x)]), injected: false}))`)
    expect(viaSnapshot.injected).toBe(true)
    expect(viaSnapshot.lemmas).toEqual(plain.lemmas)
    expect(plain.lemmas).toContain('good')
  })
})
