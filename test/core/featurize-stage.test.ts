import {mkdir, mkdtemp, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadParams} from '../../src/core/config/index.js'
import {runFeaturize} from '../../src/core/stages/featurize.js'
import type {Reporter} from '../../src/core/reporter.js'

/** A reporter that keeps the warnings. */
function recording(): Reporter & {warnings: string[]} {
  const warnings: string[] = []
  return {warnings, info() {}, progress() {}, debug() {}, warn: m => warnings.push(m)}
}

async function projectWithTrainingTexts(n: number): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sentiops-featurize-'))
  await mkdir(path.join(dir, 'data/interim'), {recursive: true})
  const lines = ['text,label']
  for (let i = 0; i < n; i++) lines.push(i % 2 ? 'good fun,1' : 'bad film,0')
  await writeFile(path.join(dir, 'data/interim/train.csv'), `${lines.join('\n')}\n`)
  return dir
}

describe('featurize: character n-grams on large data', () => {
  it('warns once, with the measured cost and the word setting, from 200,000 training texts; not below, not for word', async () => {
    const large = await projectWithTrainingTexts(200_000)
    const params = (await loadParams({cwd: large, env: {}})).params
    expect(params.featurize.analyzer).toBe('word+char')
    const reporter = recording()
    await runFeaturize(params, {cwd: large, reporter})
    expect(reporter.warnings).toHaveLength(1)
    expect(reporter.warnings[0]).toMatch(/^featurize\.analyzer=word\+char on 200,000 texts: .*2\.1 GB.*--set featurize\.analyzer=word/)

    const word = recording()
    await runFeaturize({...params, featurize: {...params.featurize, analyzer: 'word'}}, {cwd: large, reporter: word})
    expect(word.warnings).toEqual([])

    const small = await projectWithTrainingTexts(199_999)
    const below = recording()
    await runFeaturize(params, {cwd: small, reporter: below})
    expect(below.warnings).toEqual([])
  }, 120_000)
})
