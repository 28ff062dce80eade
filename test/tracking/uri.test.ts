import {describe, expect, it} from 'vitest'
import {EXIT_CODES} from '../../src/core/errors.js'
import {formatModelUri, localArtifactPath, maskUri, parseModelUri, parseTrackingUri} from '../../src/core/tracking/uri.js'
import {checkComparison, checkThresholds, parseGate} from '../../src/core/tracking/gate.js'
import {normalizeStage, validateAlias, validateKey, validateModelName, validateRunId} from '../../src/core/tracking/names.js'

function exitCodeOf(fn: () => unknown): number | undefined {
  try {
    fn()
  } catch (error) {
    return (error as {exitCode?: number}).exitCode
  }
  return undefined
}

describe('parseModelUri', () => {
  it.each([
    ['models:/sentiment@champion', {kind: 'alias', name: 'sentiment', alias: 'champion'}],
    ['models:/sentiment/Staging', {kind: 'stage', name: 'sentiment', stage: 'Staging'}],
    ['models:/sentiment/production', {kind: 'stage', name: 'sentiment', stage: 'Production'}],
    ['models:/sentiment/3', {kind: 'version', name: 'sentiment', version: '3'}],
    ['models:/sentiment/007', {kind: 'version', name: 'sentiment', version: '7'}],
    ['models:/sentiment/latest', {kind: 'latest', name: 'sentiment'}],
    ['models:/sentiment/LATEST', {kind: 'latest', name: 'sentiment'}],
    ['models:/sentiment@latest', {kind: 'latest', name: 'sentiment'}],
    ['runs:/0123456789abcdef0123456789abcdef/model', {kind: 'run', runId: '0123456789abcdef0123456789abcdef', path: 'model'}],
    ['runs:/abc/nested/model/', {kind: 'run', runId: 'abc', path: 'nested/model'}],
    ['runs:/abc', {kind: 'run', runId: 'abc', path: ''}],
    ['models/model', {kind: 'path', path: 'models/model'}],
    ['/abs/bundle', {kind: 'path', path: '/abs/bundle'}],
    ['file:///abs/my%20bundle', {kind: 'path', path: '/abs/my bundle'}],
  ])('%s', (input, expected) => {
    expect(parseModelUri(input)).toEqual(expected)
  })

  it('round-trips through formatModelUri', () => {
    for (const s of ['models:/m@champion', 'models:/m/Staging', 'models:/m/3', 'models:/m/latest', 'runs:/abc/model']) {
      expect(formatModelUri(parseModelUri(s))).toBe(s)
    }
  })

  it.each([
    ['', /empty/],
    ['models:/sentiment', /needs a version, stage or alias/],
    ['models:/sentiment/Prod', /'Prod' is neither a version number, 'latest', nor a stage/],
    ['models:/sentiment/0', /start at 1/],
    ['models:/a/b/c', /needs a version/],
    ['models:/sentiment@bad alias', /invalid alias/],
    ['models:/bad%name/1', /invalid registered model name/],
    ['runs:/../etc/model', /expected runs:\/RUN_ID/],
    ['runs:/abc/../../secret', /must be relative/],
    ['s3://bucket/model', /unsupported model reference/],
    ['models:sentiment/1', /unsupported model reference/],
  ])('rejects %j as a usage error', (input, message) => {
    expect(() => parseModelUri(input)).toThrow(message)
    expect(exitCodeOf(() => parseModelUri(input))).toBe(EXIT_CODES.usage)
  })
})

describe('parseTrackingUri', () => {
  it('resolves plain paths and file: URIs to a file store root, http(s) to a server', () => {
    expect(parseTrackingUri('./mlruns', '/work/p')).toEqual({kind: 'file', root: '/work/p/mlruns'})
    expect(parseTrackingUri('file:///srv/mlruns', '/x')).toEqual({kind: 'file', root: '/srv/mlruns'})
    const http = parseTrackingUri('https://dagshub.com/alice/repo.mlflow', '/x')
    expect(http.kind).toBe('http')
  })

  it('rejects other MLflow backends with a readable usage error that never shows credentials', () => {
    expect(() => parseTrackingUri('sqlite:///mlflow.db', '/x')).toThrow(/unsupported tracking URI 'sqlite:\/\/\/mlflow.db'/)
    expect(() => parseTrackingUri('postgresql://bob:hunter22@db/mlflow', '/x')).toThrow(/postgresql:\/\/\*\*\*@db\/mlflow/)
    expect(() => parseTrackingUri('postgresql://bob:hunter22@db/mlflow', '/x')).not.toThrow(/hunter22/)
  })

  it('masks userinfo', () => {
    expect(maskUri('https://alice:tok@dagshub.com/a/b.mlflow')).toBe('https://***@dagshub.com/a/b.mlflow')
    expect(maskUri('http://127.0.0.1:5000')).toBe('http://127.0.0.1:5000')
  })
})

describe('names', () => {
  it('accepts MLflow keys and rejects unsafe ones', () => {
    for (const ok of ['f1', 'loss/train', 'featurize.max_features', 'a b', 'mlflow.source.git.commit', 'x:y']) expect(() => validateKey('metric', ok)).not.toThrow()
    for (const bad of ['', '/abs', 'a/../b', 'a//b', 'trail/', '.', 'bad*char', 'x'.repeat(251)]) expect(() => validateKey('tag', bad)).toThrow(/tag key/)
  })

  it('normalizes stages case-insensitively and rejects unknown ones as usage errors', () => {
    expect(normalizeStage('production')).toBe('Production')
    expect(normalizeStage(' ARCHIVED ')).toBe('Archived')
    expect(() => normalizeStage('Prod')).toThrow("unknown stage 'Prod': use one of None, Staging, Production, Archived")
    expect(exitCodeOf(() => normalizeStage('Prod'))).toBe(EXIT_CODES.usage)
  })

  it('applies MLflow alias rules', () => {
    expect(() => validateAlias('champion')).not.toThrow()
    expect(() => validateAlias('latest')).toThrow(/reserved/)
    expect(() => validateAlias('V3')).toThrow(/reserved/)
    expect(() => validateAlias('has space')).toThrow(/invalid alias/)
  })

  it('keeps model names and run ids safe as path components', () => {
    expect(() => validateModelName('a/b')).toThrow(/invalid registered model name/)
    expect(() => validateModelName('..')).toThrow(/invalid registered model name/)
    expect(() => validateModelName('50%')).toThrow(/invalid registered model name/)
    expect(() => validateRunId('../../etc')).toThrow(/invalid run id/)
  })
})

describe('gates', () => {
  it('parses rules with every operator', () => {
    expect(parseGate('f1>=0.80')).toEqual({metric: 'f1', op: '>=', threshold: 0.8, rule: 'f1>=0.8'})
    expect(parseGate(' log_loss < 0.5 ')).toMatchObject({metric: 'log_loss', op: '<', threshold: 0.5})
    expect(parseGate('cv/accuracy_mean>.7')).toMatchObject({metric: 'cv/accuracy_mean', op: '>', threshold: 0.7})
    expect(parseGate('n_samples==100')).toMatchObject({op: '==', threshold: 100})
    expect(parseGate('delta<=-1e-3')).toMatchObject({op: '<=', threshold: -0.001})
  })

  it.each(['f1', 'f1 => 0.8', 'f1>=high', '>=0.8', 'f1>=0.8>=0.9', '1f>=0.3'])('rejects %j as a usage error', rule => {
    expect(() => parseGate(rule)).toThrow(/invalid gate rule/)
    expect(exitCodeOf(() => parseGate(rule))).toBe(EXIT_CODES.usage)
  })

  it('reports which rule failed with both values', () => {
    const [pass, fail] = checkThresholds([parseGate('accuracy>=0.7'), parseGate('f1>=0.8')], {accuracy: 0.75, f1: 0.78})
    expect(pass.passed).toBe(true)
    expect(fail).toMatchObject({passed: false, actual: 0.78, expected: 0.8})
    expect(fail.message).toBe('gate f1>=0.8 failed: f1 is 0.78, required >= 0.8')
    expect(checkThresholds([parseGate('f1>=0.8')], {f1: Number.NaN})[0].passed).toBe(false)
  })

  it('compares against a reference by min-delta in the better direction', () => {
    const base = {against: 'models:/m@champion', againstVersion: '2', metric: 'f1', minDelta: 0.005, higherIsBetter: true}
    expect(checkComparison({...base, candidate: 0.815, reference: 0.81}).passed).toBe(true)
    const rejected = checkComparison({...base, candidate: 0.812, reference: 0.81})
    expect(rejected.passed).toBe(false)
    expect(rejected.message).toContain('f1 is 0.812, models:/m@champion (version 2) has 0.81')
    expect(checkComparison({...base, higherIsBetter: false, candidate: 0.30, reference: 0.31}).passed).toBe(true)
    expect(checkComparison({...base, reference: undefined, candidate: 0.1}).passed).toBe(true)
  })
})

describe('artifact URIs this client reads and writes itself (spec §8)', () => {
  it('takes file: URIs and plain absolute paths as local folders, and nothing else', () => {
    expect(localArtifactPath('/srv/mlartifacts/1/abc/artifacts')).toBe('/srv/mlartifacts/1/abc/artifacts')
    expect(localArtifactPath('file:///srv/ml%20artifacts/1')).toBe('/srv/ml artifacts/1')
    for (const uri of ['mlflow-artifacts:/1/abc/artifacts', 's3://bucket/x/1', 'gs://b/x', 'https://host/x', 'relative/dir']) {
      expect(localArtifactPath(uri), uri).toBeUndefined()
    }
  })
})
