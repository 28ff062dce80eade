import {readdir, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {beforeEach, describe, expect, it} from 'vitest'
import YAML from 'yaml'
import {EXIT_CODES, GateRejectedError} from '../../src/core/errors.js'
import type {Reporter} from '../../src/core/reporter.js'
import {logModel, openStores, registerModel, type RegisterOptions, type Stores} from '../../src/core/tracking/index.js'
import type {SignificanceOptions} from '../../src/core/tracking/register.js'
import {trainModel} from '../serve/support/model.js'
import {cleanEnv, makeBundle, tempDir} from './helpers.js'

let cwd: string
let stores: Stores
let warnings: string[]
let reporter: Reporter

beforeEach(async () => {
  cwd = await tempDir()
  stores = openStores({cwd, env: cleanEnv()})
  warnings = []
  reporter = {info() {}, debug() {}, progress() {}, warn: m => void warnings.push(m)}
})

/** A finished run with a logged model and these metrics. */
async function candidate(metrics: Record<string, number>, marker = 'x'): Promise<string> {
  const exp = await stores.tracking.getOrCreateExperiment('train')
  const {runId} = await stores.tracking.createRun({experimentId: exp.experimentId})
  await logModel(stores.tracking, runId, await makeBundle(path.join(cwd, `bundle-${marker}`), marker))
  await stores.tracking.logMetrics(runId, Object.entries(metrics).map(([key, value]) => ({key, value})))
  await stores.tracking.endRun(runId, 'FINISHED')
  return runId
}

/** Significance-gate options on a tiny labeled set. */
function paired(alpha: number, classNames = ['negative', 'positive']): SignificanceOptions {
  const data = {texts: ['a wonderful film', 'dull and far too long'], labels: [1, 0], classNames, source: 'tiny.csv', md5: '0'}
  return {alpha, data, compare: {resamples: 100, seed: 1, confidence: 0.95}}
}

const register = (options: Omit<RegisterOptions, 'stores' | 'name'> & {name?: string}) =>
  registerModel({stores, name: 'sentiment', cwd, reporter, env: cleanEnv(), ...options})

describe('promotion gate: the three outcomes', () => {
  it('passes: registers, moves the stage and the alias, tags the verdict', async () => {
    const runId = await candidate({f1: 0.83, accuracy: 0.81})
    const result = await register({runId, stage: 'Production', alias: 'champion', gates: ['f1>=0.80', 'accuracy>=0.8']})
    expect(result).toMatchObject({name: 'sentiment', version: '1', uri: 'models:/sentiment/1', runId, modelCreated: true, stage: 'Production', aliases: ['champion'], promoted: true})
    expect(result.gate.verdict).toBe('passed')
    expect(result.gate.checks.map(c => c.passed)).toEqual([true, true])
    const version = await stores.registry.getVersionByAlias('sentiment', 'champion')
    expect(version.tags).toEqual({'sentiops.gate': 'passed', 'sentiops.gate.reason': 'f1 = 0.83 passes f1>=0.8; accuracy = 0.81 passes accuracy>=0.8'})
  })

  it('rejects: the version is registered and tagged, the alias and stage stay, exit code 3 names the rule and both values', async () => {
    const champion = await candidate({f1: 0.82}, 'champion')
    await register({runId: champion, stage: 'Production', alias: 'champion', gates: ['f1>=0.8']})
    const weaker = await candidate({f1: 0.78}, 'weaker')
    const error = await register({runId: weaker, stage: 'Production', alias: 'champion', archiveExisting: true, gates: ['f1>=0.80']}).catch(e => e)
    expect(error).toBeInstanceOf(GateRejectedError)
    expect(error.exitCode).toBe(EXIT_CODES.gateRejected)
    expect(error.message).toBe('models:/sentiment/2 is registered but not promoted: gate f1>=0.8 failed: f1 is 0.78, required >= 0.8')
    expect(error.data.result).toMatchObject({version: '2', promoted: false, stage: 'None', gate: {verdict: 'rejected'}})
    const v2 = await stores.registry.getModelVersion('sentiment', '2')
    expect(v2).toMatchObject({currentStage: 'None', aliases: []})
    expect(v2.tags).toEqual({'sentiops.gate': 'rejected', 'sentiops.gate.reason': 'gate f1>=0.8 failed: f1 is 0.78, required >= 0.8'})
    expect(await stores.registry.getVersionByAlias('sentiment', 'champion')).toMatchObject({version: '1', currentStage: 'Production'})
  })

  it('force: promotes despite the gate and records why and who', async () => {
    const runId = await candidate({f1: 0.7})
    const result = await register({runId, alias: 'champion', gates: ['f1>=0.8'], force: true, reason: 'hotfix for a tokenizer bug'})
    expect(result).toMatchObject({promoted: true, aliases: ['champion'], gate: {verdict: 'forced', forcedReason: 'hotfix for a tokenizer bug'}})
    expect((await stores.registry.getModelVersion('sentiment', '1')).tags).toEqual({
      'sentiops.gate': 'forced',
      'sentiops.gate.reason': 'gate f1>=0.8 failed: f1 is 0.7, required >= 0.8',
      'sentiops.gate.forced_reason': 'hotfix for a tokenizer bug',
      'sentiops.gate.forced_by': 'tester',
    })
    expect(warnings).toEqual(['promotion gate overridden with --force (hotfix for a tokenizer bug): gate f1>=0.8 failed: f1 is 0.7, required >= 0.8'])
  })
})

describe('promotion gate against the current champion', () => {
  it('passes the first model (nothing to beat), then requires min-delta on the first gate metric', async () => {
    const against = 'models:/sentiment@champion'
    const first = await register({runId: await candidate({f1: 0.80}, 'a'), alias: 'champion', gates: ['f1>=0.7'], against, minDelta: 0.005})
    expect(first.gate.checks[1]).toMatchObject({kind: 'comparison', passed: true, message: 'no model at models:/sentiment@champion yet: nothing to beat'})

    const tooClose = await register({runId: await candidate({f1: 0.803}, 'b'), alias: 'champion', gates: ['f1>=0.7'], against, minDelta: 0.005}).catch(e => e)
    expect(tooClose).toBeInstanceOf(GateRejectedError)
    expect(tooClose.message).toBe('models:/sentiment/2 is registered but not promoted: gate against models:/sentiment@champion (version 1) failed: f1 is 0.803, models:/sentiment@champion (version 1) has 0.8 (+0.003, needs at least +0.005)')

    const better = await register({runId: await candidate({f1: 0.805}, 'c'), alias: 'champion', gates: ['f1>=0.7'], against, minDelta: 0.005})
    expect(better).toMatchObject({version: '3', aliases: ['champion'], gate: {verdict: 'passed'}})
    expect(better.gate.checks[1]).toMatchObject({againstVersion: '1', reference: 0.8, candidate: 0.805})
  })

  it('treats a < or <= gate metric as lower-is-better and accepts --metric without a gate', async () => {
    await register({runId: await candidate({log_loss: 0.40, f1: 0.8}, 'a'), alias: 'champion'})
    const lower = await register({runId: await candidate({log_loss: 0.35, f1: 0.79}, 'b'), alias: 'champion', gates: ['log_loss<=0.5'], against: 'models:/sentiment@champion', minDelta: 0.01})
    expect(lower.gate.verdict).toBe('passed')
    const byMetric = await register({runId: await candidate({log_loss: 0.30, f1: 0.78}, 'c'), alias: 'champion', against: 'models:/sentiment@champion', metric: 'f1'}).catch(e => e)
    expect(byMetric).toBeInstanceOf(GateRejectedError)
    expect(byMetric.message).toContain('f1 is 0.78, models:/sentiment@champion (version 2) has 0.79')
  })
})

describe('register inputs', () => {
  it('logs a bundle directory as a new run with metrics from a metrics file, then registers it', async () => {
    await makeBundle(path.join(cwd, 'models/model'))
    await writeFile(path.join(cwd, 'metrics.json'), JSON.stringify({f1: 0.9, accuracy: 0.88, log_loss: null, per_class: {negative: {f1: 0.89}}}))
    const result = await register({bundleDir: 'models/model', metricsFile: {path: 'metrics.json', required: true}, gates: ['f1>=0.85'], alias: 'champion'})
    const run = await stores.tracking.getRun(result.runId)
    expect(run.info).toMatchObject({experimentId: '0', status: 'FINISHED', runName: 'register-sentiment'})
    expect(run.data.metrics).toEqual({f1: 0.9, accuracy: 0.88, 'per_class.negative.f1': 0.89})
    expect(run.data.tags['sentiops.registered_from']).toBe(path.join(cwd, 'models/model'))
    expect(result.source).toBe(`${run.info.artifactUri}/model`)
    const dir = path.join(cwd, 'mlruns/0', result.runId, 'artifacts/model')
    expect(await readFile(path.join(dir, 'MLmodel'), 'utf8')).toContain(`run_id: ${result.runId}`)
  })

  it('registering the same bundle twice logs two runs, each with its own model_uuid and utc_time_created', async () => {
    await makeBundle(path.join(cwd, 'models/model'))
    const first = await register({bundleDir: 'models/model'})
    const second = await register({bundleDir: 'models/model'})
    const logged = async (runId: string) => YAML.parse(await readFile(path.join(cwd, 'mlruns/0', runId, 'artifacts/model/MLmodel'), 'utf8')) as Record<string, string>
    const [a, b] = [await logged(first.runId), await logged(second.runId)]
    expect([a.run_id, b.run_id]).toEqual([first.runId, second.runId])
    expect(a.model_uuid).toMatch(/^[0-9a-f]{32}$/)
    expect(b.model_uuid).toMatch(/^[0-9a-f]{32}$/)
    expect(a.model_uuid).not.toBe(b.model_uuid)
    // The bundle's own values (fixtures.ts) are not copied into either run.
    expect([a.model_uuid, b.model_uuid]).not.toContain('5b0f6c2e0d7a4c1f9a3e2b1c0d9e8f7a')
    expect([a.utc_time_created, b.utc_time_created]).not.toContain('2025-01-01 00:00:00.000000')
    const history = JSON.parse((await stores.tracking.getRun(second.runId)).data.tags['mlflow.log-model.history']) as Array<Record<string, string>>
    expect(history.map(h => [h.model_uuid, h.utc_time_created])).toEqual([[b.model_uuid, b.utc_time_created]])
  })

  it('fails before writing anything on a missing gate metric, bundle, run model or reference metric', async () => {
    const runId = await candidate({accuracy: 0.9})
    await expect(register({runId, gates: ['f1>=0.8']})).rejects.toThrow(`run ${runId} has no metric 'f1' for the promotion gate (available: accuracy)`)
    await expect(register({bundleDir: 'nowhere'})).rejects.toThrow(`no model bundle at ${path.join(cwd, 'nowhere')} (missing MLmodel)`)
    await expect(register({bundleDir: 'nowhere', metricsFile: {path: 'm.json', required: true}})).rejects.toThrow(/no model bundle/)
    const exp = await stores.tracking.getOrCreateExperiment('train')
    const bare = await stores.tracking.createRun({experimentId: exp.experimentId})
    await expect(register({runId: bare.runId})).rejects.toThrow(`run ${bare.runId} has no model at artifact path 'model'`)
    expect(await readdir(path.join(cwd, 'mlruns/models'))).toEqual([])

    await register({runId, alias: 'champion'})
    const other = await candidate({f1: 0.9}, 'other')
    await expect(register({runId: other, gates: ['f1>=0.5'], against: 'models:/sentiment@champion'})).rejects.toThrow(`models:/sentiment@champion (version 1, run ${runId}) has no metric 'f1' to compare with (available: accuracy)`)
    expect((await stores.registry.searchModelVersions('sentiment')).map(v => v.version)).toEqual(['1'])
  })

  it.each([
    [{runId: 'abc', bundleDir: 'x'}, 'give either a run id or a model directory, not both'],
    [{}, 'nothing to register: give a run id or a model directory'],
    [{bundleDir: 'x', force: true}, '--force needs --reason'],
    [{bundleDir: 'x', stage: 'None', archiveExisting: true}, '--archive-existing needs --stage Staging or --stage Production'],
    [{bundleDir: 'x', against: 'models/model', gates: ['f1>0']}, '--against needs a registry URI'],
    [{bundleDir: 'x', against: 'models:/sentiment@champion'}, '--against needs a metric to compare'],
    [{bundleDir: 'x', stage: 'Prod'}, "unknown stage 'Prod'"],
    [{bundleDir: 'x', alias: 'latest'}, "the alias 'latest' is reserved"],
    [{bundleDir: 'x', gates: ['f1 >= high']}, "invalid gate rule 'f1 >= high'"],
    [{bundleDir: 'x', minDelta: -1}, 'min-delta must be a number ≥ 0 (got -1); a negative margin (non-inferiority) needs --significance with --data'],
    [{bundleDir: 'x', significance: paired(0.05)}, '--significance needs --against'],
    [{bundleDir: 'x', against: 'models:/sentiment@champion', significance: paired(0.7)}, 'significance must be between 0 and 0.5, e.g. 0.05 (got 0.7)'],
    [{bundleDir: 'x', against: 'models:/sentiment@champion', metric: 'mcc', significance: paired(0.05)}, "--significance compares accuracy, f1, roc_auc, macro_f1 or log_loss; --metric is 'mcc'"],
  ] as Array<[Partial<RegisterOptions>, string]>)('rejects %j as a usage error', async (options, message) => {
    const error = await register(options).catch(e => e)
    expect(error.message).toContain(message)
    expect(error.exitCode).toBe(EXIT_CODES.usage)
  })
})

describe('significance gate on labeled data', () => {
  it('scores both models before writing anything: data the models cannot read registers nothing', async () => {
    const {dir} = await trainModel(cwd)
    expect((await register({bundleDir: dir, alias: 'champion'})).version).toBe('1')
    const error = await register({bundleDir: dir, alias: 'champion', against: 'models:/sentiment@champion', significance: paired(0.05, ['bad', 'good'])}).catch(e => e)
    expect(error.message).toMatch(/^tiny\.csv: class 'bad', 'good' is not one the model at .* predicts \(its classes: negative, positive\)$/)
    expect((await stores.registry.searchModelVersions('sentiment')).map(v => v.version)).toEqual(['1'])
  })

  it('the same bundle against itself: zero gain, p = 1, rejected for superiority and accepted as non-inferior', async () => {
    const {dir} = await trainModel(cwd)
    await register({bundleDir: dir, alias: 'champion'})
    const error = await register({bundleDir: dir, alias: 'champion', against: 'models:/sentiment@champion', significance: paired(0.05)}).catch(e => e)
    expect(error).toBeInstanceOf(GateRejectedError)
    const check = error.data.result.gate.checks[0]
    expect(check).toMatchObject({kind: 'significance', metric: 'accuracy', mode: 'superiority', gain: 0, lowerBound: 0, passed: false, comparison: {mcnemar: {b: 0, c: 0, p: 1, p_one_sided: 1}, n: 2}})
    const ok = await register({bundleDir: dir, alias: 'champion', against: 'models:/sentiment@champion', minDelta: -0.01, significance: paired(0.05)})
    expect(ok).toMatchObject({version: '3', aliases: ['champion'], gate: {verdict: 'passed'}})
  })
})
