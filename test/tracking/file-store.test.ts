import {mkdir, readFile, readdir, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {beforeEach, describe, expect, it} from 'vitest'
import YAML from 'yaml'
import {EXIT_CODES} from '../../src/core/errors.js'
import {
  AlreadyExistsError, NotFoundError, openStores, resolveModel, withRun, type Stores,
} from '../../src/core/tracking/index.js'
import {cleanEnv, listFiles, makeBundle, tempDir} from './helpers.js'

let cwd: string
let root: string
let stores: Stores

beforeEach(async () => {
  cwd = await tempDir()
  root = path.join(cwd, 'mlruns')
  stores = openStores({cwd, env: cleanEnv()})
})

const fileUri = (p: string) => pathToFileURL(p).href
const yamlOf = async (file: string) => YAML.parse(await readFile(file, 'utf8'), {version: '1.1'}) as Record<string, unknown>

async function trackedModelRun(name = 'spec-run'): Promise<string> {
  const bundle = await makeBundle(path.join(cwd, 'bundle'))
  return withRun(stores.tracking, {experiment: 'layout', runName: name, cwd, sourceName: 'sentiops train', env: cleanEnv()}, async run => {
    await run.logParams({'featurize.max_features': 5000, 'train.lr.C': 0.01, 'preprocess.lowercase': true})
    await run.logMetrics([
      {key: 'accuracy', value: 0.5, step: 0, timestamp: 1795660644722},
      {key: 'accuracy', value: 0.75, step: 1, timestamp: 1795660644723},
      {key: 'loss/train', value: 0.25, timestamp: 1795660644724},
    ])
    await run.logModel(bundle)
    return run.runId
  })
}

describe('file store layout (spec §1–§4), checked file by file', () => {
  it('writes exactly the files of the recommended writer profile', async () => {
    const runId = await trackedModelRun()
    await stores.registry.createRegisteredModel('sentiment')
    const version = await stores.registry.createModelVersion('sentiment', `${(await stores.tracking.getRun(runId)).info.artifactUri}/model`, runId)
    await stores.registry.setAlias('sentiment', 'champion', version.version)
    await stores.registry.setModelVersionTag('sentiment', '1', 'sentiops.gate', 'passed')

    const expId = (await stores.tracking.getExperimentByName('layout'))!.experimentId
    expect(expId).toMatch(/^[1-9]\d{17}$/)
    expect(runId).toMatch(/^[0-9a-f]{32}$/)
    const run = `${expId}/${runId}`
    expect(await listFiles(root)).toEqual([
      '0/meta.yaml',
      `${run}/artifacts/model/MLmodel`,
      `${run}/artifacts/model/classifier.json`,
      `${run}/artifacts/model/extra/vocab.json`,
      `${run}/meta.yaml`,
      `${run}/metrics/accuracy`,
      `${run}/metrics/loss/train`,
      `${run}/params/featurize.max_features`,
      `${run}/params/preprocess.lowercase`,
      `${run}/params/train.lr.C`,
      `${run}/tags/mlflow.log-model.history`,
      `${run}/tags/mlflow.runName`,
      `${run}/tags/mlflow.source.name`,
      `${run}/tags/mlflow.source.type`,
      `${run}/tags/mlflow.user`,
      `${run}/tags/sentiops.version`,
      `${expId}/meta.yaml`,
      'models/sentiment/aliases/champion',
      'models/sentiment/meta.yaml',
      'models/sentiment/version-1/meta.yaml',
      'models/sentiment/version-1/tags/sentiops.gate',
    ])
    // .trash and models/ exist as (empty or populated) directories; no lock or staging leftovers anywhere.
    expect((await readdir(root)).sort()).toEqual(['.trash', '0', expId, 'models'].sort())
    expect(await readdir(path.join(root, '.trash'))).toEqual([])
  })

  it('writes the Default and named experiment metas with exactly the six keys, sorted, id quoted', async () => {
    await trackedModelRun()
    const expId = (await stores.tracking.getExperimentByName('layout'))!.experimentId
    const defaultText = await readFile(path.join(root, '0/meta.yaml'), 'utf8')
    expect(defaultText).toMatch(/^artifact_location: file:\/\/\/.*\ncreation_time: \d+\nexperiment_id: '0'\nlast_update_time: \d+\nlifecycle_stage: active\nname: Default\n$/)
    const meta = await yamlOf(path.join(root, expId, 'meta.yaml'))
    expect(Object.keys(meta)).toEqual(['artifact_location', 'creation_time', 'experiment_id', 'last_update_time', 'lifecycle_stage', 'name'])
    expect(meta).toMatchObject({artifact_location: fileUri(path.join(root, expId)), experiment_id: expId, lifecycle_stage: 'active', name: 'layout'})
    expect(await readFile(path.join(root, expId, 'meta.yaml'), 'utf8')).toContain(`experiment_id: '${expId}'\n`)
  })

  it('writes run meta.yaml with all 2.x keys (run_id and run_uuid, int status) and the exact value formats', async () => {
    const runId = await trackedModelRun('on')
    const expId = (await stores.tracking.getExperimentByName('layout'))!.experimentId
    const dir = path.join(root, expId, runId)
    const text = await readFile(path.join(dir, 'meta.yaml'), 'utf8')
    const meta = await yamlOf(path.join(dir, 'meta.yaml'))
    expect(Object.keys(meta)).toEqual([
      'artifact_uri', 'end_time', 'entry_point_name', 'experiment_id', 'lifecycle_stage', 'run_id', 'run_name', 'run_uuid',
      'source_name', 'source_type', 'source_version', 'start_time', 'status', 'tags', 'user_id',
    ])
    expect(meta).toMatchObject({
      artifact_uri: `${fileUri(path.join(root, expId))}/${runId}/artifacts`, entry_point_name: '', experiment_id: expId, lifecycle_stage: 'active',
      run_id: runId, run_uuid: runId, run_name: 'on', source_name: '', source_type: 4, source_version: '', status: 3, tags: [], user_id: 'tester',
    })
    expect(meta.end_time).toBeGreaterThanOrEqual(meta.start_time as number)
    // A YAML 1.1 reader (PyYAML) must read the run name back as the string 'on', not a boolean.
    expect(text).toContain("run_name: 'on'\n")
    expect(text).toContain('tags: []\n')

    expect(await readFile(path.join(dir, 'metrics/accuracy'), 'utf8')).toBe('1795660644722 0.5 0\n1795660644723 0.75 1\n')
    expect(await readFile(path.join(dir, 'metrics/loss/train'), 'utf8')).toBe('1795660644724 0.25 0\n')
    expect(await readFile(path.join(dir, 'params/train.lr.C'), 'utf8')).toBe('0.01')
    expect(await readFile(path.join(dir, 'params/featurize.max_features'), 'utf8')).toBe('5000')
    // Python's str(True): what MLflow's client writes for a boolean, and what a Python user's filter compares with.
    expect(await readFile(path.join(dir, 'params/preprocess.lowercase'), 'utf8')).toBe('True')
    expect(await readFile(path.join(dir, 'tags/mlflow.runName'), 'utf8')).toBe('on')
    expect(await readFile(path.join(dir, 'tags/mlflow.user'), 'utf8')).toBe('tester')
    expect(await readFile(path.join(dir, 'tags/mlflow.source.name'), 'utf8')).toBe('sentiops train')
    expect(await readFile(path.join(dir, 'tags/mlflow.source.type'), 'utf8')).toBe('LOCAL')
    expect(await readFile(path.join(dir, 'tags/sentiops.version'), 'utf8')).toMatch(/^\d+\.\d+\.\d+/)
  })

  it('logs the model like log_model: MLmodel with run_id/artifact_path, a fresh uuid and quoted utc time, and a history entry', async () => {
    const before = Date.now()
    const runId = await trackedModelRun()
    const expId = (await stores.tracking.getExperimentByName('layout'))!.experimentId
    const dir = path.join(root, expId, runId)
    const mlmodelText = await readFile(path.join(dir, 'artifacts/model/MLmodel'), 'utf8')
    const mlmodel = YAML.parse(mlmodelText) as Record<string, string>
    expect(mlmodel).toEqual({
      artifact_path: 'model',
      flavors: {sentiops: {data: 'classifier.json', format: 'json', version: '0.1.0'}},
      model_uuid: expect.stringMatching(/^[0-9a-f]{32}$/),
      run_id: runId,
      utc_time_created: expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}$/),
    })
    // Not the bundle's own uuid and time (fixtures.ts: 5b0f…, 2025-01-01): this logged copy's, taken now.
    expect(mlmodel.model_uuid).not.toBe('5b0f6c2e0d7a4c1f9a3e2b1c0d9e8f7a')
    expect(Date.parse(`${mlmodel.utc_time_created.replace(' ', 'T').slice(0, 23)}Z`)).toBeGreaterThanOrEqual(before - 1000)
    expect(mlmodelText).toContain(`utc_time_created: '${mlmodel.utc_time_created}'\n`)
    // The source bundle is untouched.
    expect(await readFile(path.join(cwd, 'bundle/MLmodel'), 'utf8')).not.toContain('run_id')
    const history = JSON.parse(await readFile(path.join(dir, 'tags/mlflow.log-model.history'), 'utf8'))
    expect(history).toEqual([{
      run_id: runId, artifact_path: 'model', utc_time_created: mlmodel.utc_time_created, model_uuid: mlmodel.model_uuid,
      flavors: {sentiops: {data: 'classifier.json', format: 'json', version: '0.1.0'}},
    }])
  })

  it('gives every run that logs the same bundle its own model_uuid, in MLmodel and in the history tag', async () => {
    const first = await trackedModelRun('first')
    const second = await trackedModelRun('second')
    const expId = (await stores.tracking.getExperimentByName('layout'))!.experimentId
    const logged = async (runId: string) => {
      const mlmodel = YAML.parse(await readFile(path.join(root, expId, runId, 'artifacts/model/MLmodel'), 'utf8')) as Record<string, string>
      const [entry] = JSON.parse(await readFile(path.join(root, expId, runId, 'tags/mlflow.log-model.history'), 'utf8')) as Array<Record<string, string>>
      expect(entry.model_uuid).toBe(mlmodel.model_uuid)
      return mlmodel.model_uuid
    }
    expect(await logged(first)).not.toBe(await logged(second))
  })

  it('finds a run by a boolean param the way a Python user filters it (params.x = "True")', async () => {
    const runId = await trackedModelRun()
    const expId = (await stores.tracking.getExperimentByName('layout'))!.experimentId
    expect((await stores.tracking.searchRuns([expId], {params: {'preprocess.lowercase': 'True'}})).map(r => r.info.runId)).toEqual([runId])
    expect(await stores.tracking.searchRuns([expId], {params: {'preprocess.lowercase': 'true'}})).toEqual([])
  })

  it('writes the registry: model meta, version meta with source = storage_location, alias file holding the number', async () => {
    const runId = await trackedModelRun()
    const {info} = await stores.tracking.getRun(runId)
    await stores.registry.createRegisteredModel('sentiment')
    await stores.registry.createModelVersion('sentiment', `${info.artifactUri}/model`, runId)
    await stores.registry.transitionStage('sentiment', '1', 'Production', false)
    await stores.registry.setAlias('sentiment', 'champion', '1')
    const modelMeta = await yamlOf(path.join(root, 'models/sentiment/meta.yaml'))
    expect(Object.keys(modelMeta)).toEqual(['creation_timestamp', 'description', 'last_updated_timestamp', 'name'])
    expect(modelMeta).toMatchObject({description: '', name: 'sentiment'})
    const versionText = await readFile(path.join(root, 'models/sentiment/version-1/meta.yaml'), 'utf8')
    const versionMeta = YAML.parse(versionText, {version: '1.1'})
    expect(Object.keys(versionMeta)).toEqual([
      'aliases', 'creation_timestamp', 'current_stage', 'description', 'last_updated_timestamp', 'name', 'run_id', 'run_link', 'source',
      'status', 'status_message', 'storage_location', 'user_id', 'version',
    ])
    const source = `${info.artifactUri}/model`
    expect(source).toBe(fileUri(path.join(root, info.experimentId, runId, 'artifacts', 'model')))
    expect(versionMeta).toMatchObject({
      aliases: [], current_stage: 'Production', description: '', name: 'sentiment', run_id: runId, run_link: '', source,
      status: 'READY', status_message: null, storage_location: source, user_id: null, version: 1,
    })
    expect(versionText).toContain('version: 1\n')
    expect(await readFile(path.join(root, 'models/sentiment/aliases/champion'), 'utf8')).toBe('1')
    expect(modelMeta.last_updated_timestamp as number).toBeGreaterThanOrEqual(modelMeta.creation_timestamp as number)
  })
})

describe('reading trees MLflow wrote (the spec\'s real 2.12.2 examples)', () => {
  it('reads a server-written run, registered model, version and alias', async () => {
    const expId = '101579522457641329'
    const runId = '38e49d79c5a3439094721d5773105c8f'
    const runDir = path.join(root, expId, runId)
    await mkdir(path.join(runDir, 'metrics'), {recursive: true})
    await mkdir(path.join(runDir, 'params'), {recursive: true})
    await mkdir(path.join(runDir, 'tags'), {recursive: true})
    await mkdir(path.join(root, '.trash'), {recursive: true})
    await writeFile(path.join(root, expId, 'meta.yaml'), `artifact_location: mlflow-artifacts:/${expId}\ncreation_time: 1795660644000\nexperiment_id: '${expId}'\nlast_update_time: 1795660644000\nlifecycle_stage: active\nname: sentiops-test\n`)
    await writeFile(path.join(runDir, 'meta.yaml'), [
      `artifact_uri: mlflow-artifacts:/${expId}/${runId}/artifacts`, 'end_time: 1795660649722', "entry_point_name: ''", `experiment_id: '${expId}'`,
      'lifecycle_stage: active', `run_id: ${runId}`, 'run_name: probe-run', `run_uuid: ${runId}`, "source_name: ''", 'source_type: 4',
      "source_version: ''", 'start_time: 1795660644722', 'status: 3', 'tags: []', 'user_id: alice', '',
    ].join('\n'))
    await writeFile(path.join(runDir, 'metrics/accuracy'), '1795660644722 0.5 0\n1795660644723 0.75 1\n')
    await writeFile(path.join(runDir, 'metrics/legacy'), '1795660644722 0.1\n')
    await writeFile(path.join(runDir, 'params/lr'), '0.01')
    await writeFile(path.join(runDir, 'tags/mlflow.runName'), 'probe-run')
    const modelDir = path.join(root, 'models/sentiops-model')
    await mkdir(path.join(modelDir, 'version-1'), {recursive: true})
    await mkdir(path.join(modelDir, 'aliases'), {recursive: true})
    await writeFile(path.join(modelDir, 'meta.yaml'), "aliases:\n  champion: '1'\ncreation_timestamp: 1795660645422\ndescription: probe\nlast_updated_timestamp: 1795660645607\nname: sentiops-model\n")
    await writeFile(path.join(modelDir, 'aliases/champion'), '1')
    await writeFile(path.join(modelDir, 'version-1/meta.yaml'), [
      'aliases: []', 'creation_timestamp: 1795660645462', 'current_stage: Production', 'description: v1', 'last_updated_timestamp: 1795660645517',
      'name: sentiops-model', `run_id: ${runId}`, "run_link: ''", `source: mlflow-artifacts:/${expId}/${runId}/artifacts/model`, 'status: READY',
      'status_message: null', `storage_location: mlflow-artifacts:/${expId}/${runId}/artifacts/model`, 'user_id: null', 'version: 1', '',
    ].join('\n'))

    const run = await stores.tracking.getRun(runId)
    expect(run.info).toMatchObject({runId, runName: 'probe-run', experimentId: expId, status: 'FINISHED', userId: 'alice', endTime: 1795660649722})
    expect(run.data).toEqual({metrics: {accuracy: 0.75, legacy: 0.1}, params: {lr: '0.01'}, tags: {'mlflow.runName': 'probe-run'}})
    const model = await stores.registry.getRegisteredModel('sentiops-model')
    expect(model).toMatchObject({name: 'sentiops-model', description: 'probe', aliases: {champion: '1'}})
    expect(model.latestVersions.map(v => [v.version, v.currentStage])).toEqual([['1', 'Production']])
    const byAlias = await stores.registry.getVersionByAlias('sentiops-model', 'champion')
    expect(byAlias).toMatchObject({version: '1', currentStage: 'Production', runId, aliases: ['champion'], status: 'READY'})
    // Its artifacts live behind a server: a file store says so instead of guessing.
    await expect(resolveModel('models:/sentiops-model@champion', stores, {cwd})).rejects.toThrow(/which a file store cannot reach/)
  })
})

describe('file store round trip', () => {
  it('reads back params, latest metrics (step, then time), NaN/inf, nested keys and tags', async () => {
    const exp = await stores.tracking.getOrCreateExperiment('rt')
    expect(await stores.tracking.getOrCreateExperiment('rt')).toEqual(exp)
    const info = await stores.tracking.createRun({experimentId: exp.experimentId, runName: 'r1', tags: {team: 'nlp'}})
    expect(info).toMatchObject({status: 'RUNNING', runName: 'r1', userId: 'tester', lifecycleStage: 'active'})
    await stores.tracking.logParams(info.runId, {alpha: 0.5, method: 'tfidf'})
    await stores.tracking.logParams(info.runId, {alpha: 0.5})
    await stores.tracking.logMetrics(info.runId, [
      {key: 'cv/accuracy', value: 0.7, step: 2, timestamp: 10},
      {key: 'cv/accuracy', value: 0.9, step: 1, timestamp: 20},
      {key: 'cv/accuracy', value: 0.8, step: 2, timestamp: 15},
      {key: 'nan', value: Number.NaN},
      {key: 'inf', value: Number.NEGATIVE_INFINITY},
    ])
    await stores.tracking.setTags(info.runId, {'mlflow.runName': 'renamed', note: 'é ünïcode'})
    await stores.tracking.endRun(info.runId, 'KILLED', 1234)
    const run = await stores.tracking.getRun(info.runId)
    expect(run.info).toMatchObject({status: 'KILLED', endTime: 1234, runName: 'renamed'})
    expect(run.data.params).toEqual({alpha: '0.5', method: 'tfidf'})
    expect(run.data.metrics['cv/accuracy']).toBe(0.8)
    expect(run.data.metrics.nan).toBeNaN()
    expect(run.data.metrics.inf).toBe(Number.NEGATIVE_INFINITY)
    expect(run.data.tags).toMatchObject({team: 'nlp', note: 'é ünïcode', 'mlflow.runName': 'renamed', 'mlflow.user': 'tester'})
    const dir = path.join(root, exp.experimentId, info.runId)
    expect(await readFile(path.join(dir, 'metrics/nan'), 'utf8')).toMatch(/^\d+ nan 0\n$/)
    expect(await readFile(path.join(dir, 'metrics/inf'), 'utf8')).toMatch(/^\d+ -inf 0\n$/)
    expect((await yamlOf(path.join(dir, 'meta.yaml'))).run_name).toBe('renamed')
  })

  it('refuses to change a param and names both values', async () => {
    const exp = await stores.tracking.getOrCreateExperiment('immutable')
    const {runId} = await stores.tracking.createRun({experimentId: exp.experimentId})
    await stores.tracking.logParams(runId, {alpha: 1})
    await expect(stores.tracking.logParams(runId, {alpha: 2})).rejects.toThrow(`param 'alpha' of run ${runId} is already '1': MLflow params cannot change (tried '2')`)
  })

  it('searches runs by tag, param and status, newest first', async () => {
    const exp = await stores.tracking.getOrCreateExperiment('grid')
    const ids: string[] = []
    for (const [i, method] of ['bow', 'tfidf', 'tfidf'].entries()) {
      const r = await stores.tracking.createRun({experimentId: exp.experimentId, startTime: 1000 + i, tags: {'sentiops.grid_key': `k${i}`}})
      await stores.tracking.logParams(r.runId, {method})
      if (i < 2) await stores.tracking.endRun(r.runId, 'FINISHED')
      ids.push(r.runId)
    }
    expect((await stores.tracking.searchRuns([exp.experimentId])).map(r => r.info.runId)).toEqual([ids[2], ids[1], ids[0]])
    expect((await stores.tracking.searchRuns([exp.experimentId], {params: {method: 'tfidf'}, statuses: ['FINISHED']})).map(r => r.info.runId)).toEqual([ids[1]])
    expect((await stores.tracking.searchRuns([exp.experimentId], {tags: {'sentiops.grid_key': 'k0'}})).map(r => r.info.runId)).toEqual([ids[0]])
  })

  it('copies artifacts in and out, merging into an existing artifact folder', async () => {
    const exp = await stores.tracking.getOrCreateExperiment('artifacts')
    const {runId} = await stores.tracking.createRun({experimentId: exp.experimentId})
    const bundle = await makeBundle(path.join(cwd, 'b1'))
    await stores.tracking.logArtifacts(runId, bundle, 'model')
    await writeFile(path.join(cwd, 'metrics.json'), '{"f1":0.8}')
    await stores.tracking.logArtifacts(runId, path.join(cwd, 'metrics.json'), 'model/reports')
    const out = await stores.tracking.downloadArtifacts(runId, 'model', path.join(cwd, 'out'))
    expect(out).toBe(path.join(cwd, 'out', 'model'))
    expect(await listFiles(out)).toEqual(['MLmodel', 'classifier.json', 'extra/vocab.json', 'reports/metrics.json'])
    await expect(stores.tracking.downloadArtifacts(runId, 'nope', cwd)).rejects.toBeInstanceOf(NotFoundError)
    await expect(stores.tracking.logArtifacts(runId, path.join(cwd, 'missing-dir'))).rejects.toThrow(/missing-dir does not exist/)
  })
})

describe('file store bad inputs', () => {
  it('names a corrupt meta.yaml', async () => {
    const exp = await stores.tracking.getOrCreateExperiment('corrupt')
    const {runId} = await stores.tracking.createRun({experimentId: exp.experimentId})
    const metaFile = path.join(root, exp.experimentId, runId, 'meta.yaml')
    await writeFile(metaFile, 'artifact_uri: [unclosed\n')
    const error = await stores.tracking.getRun(runId).catch(e => e)
    expect(error.exitCode).toBe(EXIT_CODES.user)
    expect(error.message).toMatch(new RegExp(`^${metaFile.replaceAll('/', '\\/')}:\\d+: not valid YAML`))
    await writeFile(metaFile, '')
    await expect(stores.tracking.getRun(runId)).rejects.toThrow(`${metaFile}: the file is empty`)
    await writeFile(metaFile, 'run_id: x\nstatus: 9\n')
    await expect(stores.tracking.getRun(runId)).rejects.toThrow(metaFile)
  })

  it('names a malformed metric line with file:line', async () => {
    const exp = await stores.tracking.getOrCreateExperiment('metrics')
    const {runId} = await stores.tracking.createRun({experimentId: exp.experimentId})
    const file = path.join(root, exp.experimentId, runId, 'metrics', 'f1')
    await writeFile(file, '1 0.5 0\n2 oops 1\n')
    await expect(stores.tracking.getRun(runId)).rejects.toThrow(`${file}:2: malformed metric line '2 oops 1'`)
  })

  it('rejects unknown or unsafe ids before touching the disk', async () => {
    await expect(stores.tracking.getRun('0123456789abcdef0123456789abcdef')).rejects.toBeInstanceOf(NotFoundError)
    await expect(stores.tracking.getRun('../../etc')).rejects.toThrow(/invalid run id/)
    await expect(stores.tracking.createRun({experimentId: '999'})).rejects.toThrow("experiment id '999' not found")
    await expect(stores.tracking.logMetrics('abc', [{key: 'a//b', value: 1}])).rejects.toThrow(/metric key 'a\/\/b'/)
  })

  it('refuses a deleted experiment by name', async () => {
    const exp = await stores.tracking.getOrCreateExperiment('old')
    const metaFile = path.join(root, exp.experimentId, 'meta.yaml')
    await writeFile(metaFile, (await readFile(metaFile, 'utf8')).replace('lifecycle_stage: active', 'lifecycle_stage: deleted'))
    await mkdir(path.join(root, '.trash'), {recursive: true})
    await import('node:fs/promises').then(fs => fs.rename(path.join(root, exp.experimentId), path.join(root, '.trash', exp.experimentId)))
    await expect(stores.tracking.getOrCreateExperiment('old')).rejects.toThrow(`experiment 'old' (id ${exp.experimentId}) is deleted`)
  })
})

describe('file registry', () => {
  async function registerVersions(n: number): Promise<string> {
    const runId = await trackedModelRun()
    const source = `${(await stores.tracking.getRun(runId)).info.artifactUri}/model`
    await stores.registry.createRegisteredModel('m')
    for (let i = 0; i < n; i++) await stores.registry.createModelVersion('m', source, runId)
    return runId
  }

  it('numbers versions, moves stages with archive-existing, and resolves every models:/ form', async () => {
    const runId = await registerVersions(3)
    await expect(stores.registry.createRegisteredModel('m')).rejects.toBeInstanceOf(AlreadyExistsError)
    expect((await stores.registry.searchModelVersions('m')).map(v => v.version)).toEqual(['3', '2', '1'])
    await stores.registry.transitionStage('m', '1', 'production', false)
    await stores.registry.transitionStage('m', '2', 'Production', false)
    const moved = await stores.registry.transitionStage('m', '3', 'Production', true)
    expect(moved.currentStage).toBe('Production')
    expect((await stores.registry.searchModelVersions('m')).map(v => [v.version, v.currentStage])).toEqual([['3', 'Production'], ['2', 'Archived'], ['1', 'Archived']])
    await stores.registry.transitionStage('m', '1', 'Staging', false)
    await stores.registry.setAlias('m', 'champion', '2')
    expect((await stores.registry.getLatestVersions('m')).map(v => [v.currentStage, v.version]).sort()).toEqual([['Archived', '2'], ['Production', '3'], ['Staging', '1']])

    const dir = path.join(root, (await stores.tracking.getRun(runId)).info.experimentId, runId, 'artifacts', 'model')
    expect(await resolveModel('models:/m@champion', stores, {cwd})).toEqual({dir, name: 'm', version: '2', alias: 'champion', stage: 'Archived', runId})
    expect(await resolveModel('models:/m/staging', stores, {cwd})).toMatchObject({dir, version: '1', stage: 'Staging'})
    expect(await resolveModel('models:/m/latest', stores, {cwd})).toMatchObject({version: '3'})
    expect(await resolveModel('models:/m/2', stores, {cwd})).toMatchObject({version: '2'})
    expect(await resolveModel(`runs:/${runId}/model`, stores, {cwd})).toEqual({dir, runId})
    expect(await resolveModel('bundle', stores, {cwd})).toEqual({dir: path.join(cwd, 'bundle')})
  })

  it('reports unknown models, versions, aliases and empty stages as user errors', async () => {
    await registerVersions(1)
    await expect(resolveModel('models:/nope@champion', stores, {cwd})).rejects.toThrow(`registered model 'nope' not found in ${fileUri(root)}`)
    await expect(resolveModel('models:/m/7', stores, {cwd})).rejects.toThrow("version 7 of registered model 'm' not found")
    await expect(resolveModel('models:/m@champion', stores, {cwd})).rejects.toThrow("alias 'champion' of registered model 'm' not found")
    await expect(resolveModel('models:/m/Production', stores, {cwd})).rejects.toThrow("no version of registered model 'm' is in stage Production")
    await expect(resolveModel('no/such/dir', stores, {cwd})).rejects.toThrow(`model directory not found: ${path.join(cwd, 'no/such/dir')}`)
    await expect(stores.registry.transitionStage('m', '1', 'None', true)).rejects.toThrow('archive-existing works only with the Staging or Production stage')
    await expect(stores.registry.setAlias('m', 'champion', '9')).rejects.toBeInstanceOf(NotFoundError)
    await expect(stores.registry.deleteAlias('m', 'champion')).rejects.toBeInstanceOf(NotFoundError)
  })

  it('hides deleted versions (Deleted_Internal) and never reuses their numbers', async () => {
    const runId = await registerVersions(2)
    const metaFile = path.join(root, 'models/m/version-2/meta.yaml')
    await writeFile(metaFile, (await readFile(metaFile, 'utf8')).replace('current_stage: None', 'current_stage: Deleted_Internal'))
    expect((await stores.registry.searchModelVersions('m')).map(v => v.version)).toEqual(['1'])
    await expect(stores.registry.getModelVersion('m', '2')).rejects.toBeInstanceOf(NotFoundError)
    const next = await stores.registry.createModelVersion('m', 'runs:/' + runId + '/model', runId)
    expect(next.version).toBe('3')
  })

  it('deletes aliases and bumps the model timestamp', async () => {
    await registerVersions(1)
    await stores.registry.setAlias('m', 'champion', '1')
    const before = (await stores.registry.getRegisteredModel('m')).lastUpdatedTimestamp
    await stores.registry.deleteAlias('m', 'champion')
    const model = await stores.registry.getRegisteredModel('m')
    expect(model.aliases).toEqual({})
    expect(model.lastUpdatedTimestamp).toBeGreaterThanOrEqual(before)
    await rm(path.join(root, 'models/m/aliases'), {recursive: true, force: true})
    expect((await stores.registry.getRegisteredModel('m')).aliases).toEqual({})
  })
})
