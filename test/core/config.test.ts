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
    ['train.rf.max_features=2', /train\.rf\.max_features = 2 is not allowed; use sqrt, log2 or a number in \(0, 1\]$/],
    ['evaluate.threshold=1.5', /evaluate\.threshold = 1\.5 is not allowed; use a number in \[0, 1\] or auto$/],
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

  it('names the --set (or SENTIOPS__ variable) that gave an invalid value, the file for a value from the file', async () => {
    const cwd = await dirWith('evaluate:\n  threshold: 2\n')
    const fromSet = await loadParams({cwd, env: {}, overrides: ['evaluate.threshold=1.5']}).catch(e => e)
    expect(fromSet.message).toBe('--set evaluate.threshold=1.5: evaluate.threshold = 1.5 is not allowed; use a number in [0, 1] or auto')
    const fromEnv = await loadParams({cwd, env: {SENTIOPS__EVALUATE__THRESHOLD: 'high'}}).catch(e => e)
    expect(fromEnv.message).toBe('environment SENTIOPS__EVALUATE__THRESHOLD: evaluate.threshold = "high" is not allowed; use a number in [0, 1] or auto')
    const fromFile = await loadParams({cwd, env: {}, overrides: ['train.lr.C=2']}).catch(e => e)
    expect(fromFile.message).toMatch(/^\S*params\.yaml: evaluate\.threshold = 2 is not allowed; use a number in \[0, 1\] or auto$/)
    const unknownKey = await loadParams({cwd: await dirWith(), env: {}, overrides: ['train.foo=1']}).catch(e => e)
    expect(unknownKey.message).toMatch(/^--set train\.foo=1: unknown key train\.foo; /)
  })

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

describe('a params.yaml shared with other tools (DVC projects keep several tools\' params in one file)', () => {
  it('leaves unknown top-level sections alone and keeps sentiops sections strict', async () => {
    const cwd = await dirWith('other_stage:\n  epochs: 3\n  nested: {anything: [1, 2]}\ntrain:\n  algorithm: mnb\n')
    const {params, warnings} = await loadParams({cwd, env: {}})
    expect(params.train.algorithm).toBe('mnb')
    expect(warnings).toEqual([])
    const typo = await dirWith('other_stage:\n  epochs: 3\ntrain:\n  algoritm: mnb\n')
    await expect(loadParams({cwd: typo, env: {}})).rejects.toThrow('params.yaml: unknown key train.algoritm; allowed here: algorithm, seed,')
  })

  it('warns when an unknown section looks like a misspelt sentiops section', async () => {
    const cwd = await dirWith('trian:\n  algorithm: mnb\nevaluation_tool:\n  x: 1\n')
    const {warnings} = await loadParams({cwd, env: {}})
    expect(warnings.map(w => w.replace(`${cwd}${path.sep}`, ''))).toEqual(['params.yaml: the top-level section trian is not read by sentiops (did you mean train?)'])
  })
})

describe('credentials in params are refused (they would end up in dvc.lock, runs and logs)', () => {
  const secret = 'hunter2-7c1e'
  const cases: Array<[string, {yaml?: string; overrides?: string[]; env?: NodeJS.ProcessEnv}, string]> = [
    ['a password in ingest.source in params.yaml', {yaml: `ingest:\n  source: http://alice:${secret}@127.0.0.1:9/data.csv\n`}, 'params.yaml: ingest.source = http://***@127.0.0.1:9/data.csv carries a password (user:password@)'],
    ['a token as user name in one entry of a source list', {yaml: `ingest:\n  source: data/a.csv,https://${secret}@example.org/b.csv\n`}, 'params.yaml: ingest.source = https://***@example.org/b.csv carries a user name or token (user@)'],
    ['a presigned S3 URL given with --set', {overrides: [`ingest.source=https://b.s3.amazonaws.com/k.csv?X-Amz-Credential=AKIA${secret}&X-Amz-Signature=${secret}&X-Amz-Date=20240101T000000Z`]}, '--set: ingest.source = https://b.s3.amazonaws.com/k.csv?X-Amz-Credential=***&X-Amz-Signature=***&X-Amz-Date=20240101T000000Z carries the query parameters X-Amz-Credential, X-Amz-Signature'],
    ['an Azure SAS sig in SENTIOPS__ env', {env: {SENTIOPS__INGEST__SOURCE: `https://acct.blob.core.windows.net/c/d.csv?sv=2022&sig=${secret}`}}, 'SENTIOPS__ environment: ingest.source = https://acct.blob.core.windows.net/c/d.csv?sv=2022&sig=*** carries the query parameter sig'],
    ['a tracking URI with a password in cloud.deploy', {yaml: `cloud:\n  deploy: {mlflow_tracking_uri: 'https://ops:${secret}@mlflow.example.org'}\n`}, 'params.yaml: cloud.deploy.mlflow_tracking_uri = https://***@mlflow.example.org/ carries a password (user:password@)'],
    ['an access_token in serve.model given with --set', {overrides: [`serve.model=https://models.example.org/m?access_token=${secret}`]}, '--set: serve.model = https://models.example.org/m?access_token=*** carries the query parameter access_token'],
  ]
  for (const [name, input, message] of cases) {
    it(`refuses ${name}, naming the key and the supported ways, never the secret`, async () => {
      const cwd = await dirWith(input.yaml)
      const error = await loadParams({cwd, env: input.env ?? {}, overrides: input.overrides}).catch(e => e)
      expect(error).toBeInstanceOf(ConfigError)
      expect(error.message.replace(`${cwd}${path.sep}`, '')).toBe(`${message}; credentials never go in params (they end up in dvc.lock, runs and logs): give them through the environment or .netrc instead`)
      expect(error.suggestions.join('\n')).toMatch(/~\/\.netrc[\s\S]*AWS credential chain[\s\S]*MLFLOW_TRACKING_USERNAME/)
      expect(JSON.stringify({message: error.message, data: error.data, suggestions: error.suggestions})).not.toContain(secret)
    })
  }

  it('accepts URLs without credentials, and leaves other tools\' sections to them', async () => {
    const cwd = await dirWith('ingest:\n  source: https://example.org/data.csv?page=2&format=csv\nother_tool:\n  url: https://u:p@example.org\n')
    const {params} = await loadParams({cwd, env: {}, overrides: ['serve.model=models:/sentiment@champion']})
    expect(params.ingest.source).toBe('https://example.org/data.csv?page=2&format=csv')
  })
})

describe('the generated params validator', () => {
  it('is up to date with src/core/config/schema.ts', async () => {
    const {execFileSync} = await import('node:child_process')
    const root = path.resolve(import.meta.dirname, '../..')
    expect(() => execFileSync(process.execPath, ['--import', 'tsx', 'scripts/gen-params-validator.mjs', '--check'], {cwd: root, stdio: 'pipe'})).not.toThrow()
  })
})
