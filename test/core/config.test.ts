import {mkdtemp, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {loadParams, parseAssignment} from '../../src/core/config/index.js'
import {ConfigError} from '../../src/core/errors.js'

async function dirWith(yaml?: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'sentiops-config-'))
  if (yaml !== undefined) await writeFile(path.join(dir, 'params.yaml'), yaml)
  return dir
}

describe('params loading', () => {
  it('fills every default when params.yaml is missing', async () => {
    const {params, file} = await loadParams({cwd: await dirWith(), env: {}})
    expect(file).toBeUndefined()
    expect(params.ingest.source).toBe('builtin:uci')
    expect(params.train.algorithm).toBe('lr')
    expect(params.train.xgb.max_bin).toBe(256)
    expect(params.preprocess.keep_words).toContain('but')
  })

  it('applies params.yaml, then SENTIOPS__ env, then --set, in that order', async () => {
    const cwd = await dirWith('train:\n  algorithm: mnb\n  lr: {C: 2}\nfeaturize:\n  max_features: 100\n')
    const {params} = await loadParams({cwd, env: {SENTIOPS__FEATURIZE__MAX_FEATURES: '200', SENTIOPS__TRAIN__LR__C: '3'}, overrides: ['train.lr.C=0.5']})
    expect(params.train.algorithm).toBe('mnb')
    expect(params.featurize.max_features).toBe(200)
    expect(params.train.lr.C).toBe(0.5)
    expect(params.train.lr.max_iter).toBe(200)
  })

  it('parses YAML 1.2 like DVC: yes/no stay strings, 1e-3 is a float', () => {
    expect(parseAssignment('a.b=1e-3')).toEqual(['a.b', 0.001])
    expect(parseAssignment('a.b=yes')).toEqual(['a.b', 'yes'])
    expect(parseAssignment('a.b=[1, 2]')).toEqual(['a.b', [1, 2]])
  })

  const bad: Array<[string, RegExp]> = [
    ['train.lr.C=-1', /train\.lr\.C = -1 must be > 0/],
    ['train.algorithm=svm', /train\.algorithm = "svm" is not allowed; allowed values: lr, mnb, rf, gb, xgb/],
    ['train.foo=1', /unknown key train\.foo; allowed here: algorithm/],
    ['featurize.max_features=abc', /featurize\.max_features = "abc" must be a whole number/],
    ['train.rf.max_features=2', /train\.rf\.max_features = 2 is not allowed; use sqrt, log2 or a fraction/],
    ['train.xgb.subsample=1.5', /train\.xgb\.subsample = 1\.5 must be <= 1/],
    ['featurize.ngram_min=3', /featurize\.ngram_min = 3 is greater than featurize\.ngram_max = 2/],
  ]
  for (const [assignment, message] of bad) {
    it(`rejects ${assignment} naming the key path, the value and what is allowed`, async () => {
      const error = await loadParams({cwd: await dirWith(), env: {}, overrides: [assignment]}).catch(e => e)
      expect(error).toBeInstanceOf(ConfigError)
      expect(error.message).toMatch(message)
    })
  }

  it('names the file and line of a YAML syntax error', async () => {
    const cwd = await dirWith('train:\n  algorithm: [lr\n')
    await expect(loadParams({cwd, env: {}})).rejects.toThrow(/params\.yaml(:\d+)?: not valid YAML/)
  })

  it('rejects a malformed --set', async () => {
    await expect(loadParams({cwd: await dirWith(), env: {}, overrides: ['novalue']})).rejects.toThrow(/expected key\.path=value/)
  })

  it('reports an explicit params file that does not exist', async () => {
    await expect(loadParams({cwd: await dirWith(), file: 'nope.yaml', env: {}})).rejects.toThrow(/params file not found/)
  })
})

describe('the generated params validator', () => {
  it('is up to date with src/core/config/schema.ts', async () => {
    const {execFileSync} = await import('node:child_process')
    const root = path.resolve(import.meta.dirname, '../..')
    expect(() => execFileSync(process.execPath, ['--import', 'tsx', 'scripts/gen-params-validator.mjs', '--check'], {cwd: root, stdio: 'pipe'})).not.toThrow()
  })
})
