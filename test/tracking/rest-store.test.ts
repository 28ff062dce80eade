import {createServer} from 'node:net'
import path from 'node:path'
import {readFile} from 'node:fs/promises'
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import {EXIT_CODES, ExternalError, UserError} from '../../src/core/errors.js'
import {
  AlreadyExistsError, NotFoundError, logModel, openStores, registerModel, resolveModel, withRun, type Stores,
} from '../../src/core/tracking/index.js'
import {FakeMlflowServer} from './fake-mlflow-server.js'
import {cleanEnv, listFiles, makeBundle, tempDir} from './helpers.js'

let fake: FakeMlflowServer
let cwd: string

const FAST_RETRIES = {MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.001', MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0', MLFLOW_HTTP_REQUEST_MAX_RETRIES: '3'}

function open(extra: Record<string, string> = {}): Stores {
  return openStores({cwd, env: cleanEnv({MLFLOW_TRACKING_URI: fake.url, ...FAST_RETRIES, ...extra})})
}

beforeEach(async () => {
  // DagsHub-style tracking URI with a path prefix that every request must keep.
  fake = await new FakeMlflowServer('/alice/sentiment.mlflow').start()
  cwd = await tempDir()
})

afterEach(async () => {
  await fake.stop()
})

describe('REST tracking store (contract fake)', () => {
  it('(contract fake) creates the experiment once, the run with its tags, logs a batch and ends the run', async () => {
    const stores = open()
    expect(stores.uri).toBe(fake.url)
    const runId = await withRun(stores.tracking, {experiment: 'grid', runName: 'lr-tfidf', cwd, sourceName: 'sentiops train', env: cleanEnv()}, async run => {
      await run.logParams({'featurize.max_features': 5000, 'train.lr.C': 0.5, 'preprocess.lowercase': true})
      await run.logMetrics([{key: 'accuracy', value: 0.8, step: 1, timestamp: 42}, {key: 'log_loss', value: Number.NaN, timestamp: 43}])
      return run.runId
    })
    expect(fake.requests.every(r => r.endpoint)).toBe(true)
    const [lookup] = fake.calls('GET experiments/get-by-name')
    expect(lookup.query.get('experiment_name')).toBe('grid')
    const [create] = fake.calls('POST experiments/create')
    expect(create.headers['content-type']).toBe('application/json')
    expect(create.body).toEqual({name: 'grid'})
    const [createRun] = fake.calls('POST runs/create')
    expect(createRun.body).toMatchObject({experiment_id: '100000000000000001', user_id: 'tester', run_name: 'lr-tfidf'})
    expect(typeof createRun.body.start_time).toBe('number')
    const tags = Object.fromEntries(createRun.body.tags.map((t: {key: string; value: string}) => [t.key, t.value]))
    expect(tags).toMatchObject({'mlflow.runName': 'lr-tfidf', 'mlflow.user': 'tester', 'mlflow.source.name': 'sentiops train', 'mlflow.source.type': 'LOCAL'})
    expect(tags['sentiops.request_id']).toMatch(/^[0-9a-f-]{36}$/)
    const batches = fake.calls('POST runs/log-batch').map(r => r.body)
    expect(batches[0]).toEqual({run_id: runId, params: [
      {key: 'featurize.max_features', value: '5000'}, {key: 'train.lr.C', value: '0.5'}, {key: 'preprocess.lowercase', value: 'True'},
    ]})
    expect(batches[1]).toEqual({run_id: runId, metrics: [
      {key: 'accuracy', value: 0.8, step: 1, timestamp: 42}, {key: 'log_loss', value: 'NaN', step: 0, timestamp: 43},
    ]})
    const [update] = fake.calls('POST runs/update')
    expect(update.body).toMatchObject({run_id: runId, status: 'FINISHED'})

    const run = await stores.tracking.getRun(runId)
    expect(run.info).toMatchObject({runId, status: 'FINISHED', runName: 'lr-tfidf', artifactUri: `mlflow-artifacts:/100000000000000001/${runId}/artifacts`})
    expect(run.data.metrics.accuracy).toBe(0.8)
    expect(run.data.metrics.log_loss).toBeNaN()
    expect(run.data.params['train.lr.C']).toBe('0.5')
    // A second run reuses the experiment.
    await withRun(stores.tracking, {experiment: 'grid', cwd}, async () => undefined)
    expect(fake.calls('POST experiments/create')).toHaveLength(1)
  })

  it('(contract fake) logs booleans as Python does, so a Python user\'s filter params.x = "True" finds the run', async () => {
    const stores = open()
    const runId = await withRun(stores.tracking, {experiment: 'bools', cwd}, async run => {
      await run.logParams({'preprocess.lowercase': true, 'preprocess.stem': false})
      return run.runId
    })
    await stores.tracking.logParams(runId, {direct: true})
    expect(fake.calls('POST runs/log-batch').flatMap(r => r.body.params ?? [])).toEqual([
      {key: 'preprocess.lowercase', value: 'True'}, {key: 'preprocess.stem', value: 'False'}, {key: 'direct', value: 'True'},
    ])
    const {experimentId} = (await stores.tracking.getExperimentByName('bools'))!
    // The filter as MLflow's Python client sends it, evaluated by the server.
    const python = await fetch(`${fake.url}/api/2.0/mlflow/runs/search`, {
      method: 'POST', headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({experiment_ids: [experimentId], filter: 'params.`preprocess.lowercase` = "True" and params.`preprocess.stem` = "False"'}),
    })
    expect(((await python.json()) as {runs: Array<{info: {run_id: string}}>}).runs.map(r => r.info.run_id)).toEqual([runId])
    expect((await stores.tracking.searchRuns([experimentId], {params: {'preprocess.lowercase': 'True'}})).map(r => r.info.runId)).toEqual([runId])
  })

  it('(contract fake) ends the run FAILED when the work throws, and rethrows', async () => {
    const stores = open()
    await expect(withRun(stores.tracking, {experiment: 'e', cwd}, async () => {
      throw new UserError('training blew up')
    })).rejects.toThrow('training blew up')
    expect(fake.calls('POST runs/update')[0].body.status).toBe('FAILED')
  })

  it('(contract fake) keeps log-batch within 1000 metrics and 100 params per request', async () => {
    const stores = open()
    const exp = await stores.tracking.getOrCreateExperiment('big')
    const {runId} = await stores.tracking.createRun({experimentId: exp.experimentId})
    await stores.tracking.logMetrics(runId, Array.from({length: 2500}, (_, i) => ({key: 'fold_accuracy', value: i / 2500, step: i})))
    await stores.tracking.logParams(runId, Object.fromEntries(Array.from({length: 250}, (_, i) => [`p${i}`, i])))
    const sizes = fake.calls('POST runs/log-batch').map(r => [r.body.metrics?.length ?? 0, r.body.params?.length ?? 0])
    expect(sizes).toEqual([[1000, 0], [1000, 0], [500, 0], [0, 100], [0, 100], [0, 50]])
    expect((await stores.tracking.getRun(runId)).data.metrics.fold_accuracy).toBeCloseTo(2499 / 2500)
  })

  it('(contract fake) uploads a model through the mlflow-artifacts proxy and downloads it back', async () => {
    const stores = open()
    const bundle = await makeBundle(path.join(cwd, 'bundle'))
    const exp = await stores.tracking.getOrCreateExperiment('art')
    const {runId} = await stores.tracking.createRun({experimentId: exp.experimentId})
    await logModel(stores.tracking, runId, bundle)
    const puts = fake.calls('PUT mlflow-artifacts')
    expect(puts.map(r => r.endpoint).sort()).toEqual([
      `mlflow-artifacts/artifacts/${exp.experimentId}/${runId}/artifacts/model/MLmodel`,
      `mlflow-artifacts/artifacts/${exp.experimentId}/${runId}/artifacts/model/classifier.json`,
      `mlflow-artifacts/artifacts/${exp.experimentId}/${runId}/artifacts/model/extra/vocab.json`,
    ])
    expect(puts.find(r => r.endpoint.endsWith('classifier.json'))!.headers['content-type']).toBe('application/json')
    const history = JSON.parse((await stores.tracking.getRun(runId)).data.tags['mlflow.log-model.history'])
    expect(history[0]).toMatchObject({run_id: runId, artifact_path: 'model', flavors: {sentiops: {format: 'json'}}})

    const out = await stores.tracking.downloadArtifacts(runId, 'model', path.join(cwd, 'dl'))
    expect(await listFiles(out)).toEqual(['MLmodel', 'classifier.json', 'extra/vocab.json'])
    expect(await readFile(path.join(out, 'classifier.json'), 'utf8')).toBe(await readFile(path.join(bundle, 'classifier.json'), 'utf8'))
    expect(await readFile(path.join(out, 'MLmodel'), 'utf8')).toContain(`run_id: ${runId}`)
    // A missing file answers 500 "No such file" on a file-backed server: reported as not found.
    await expect(stores.tracking.downloadArtifacts(runId, 'model/none.json', path.join(cwd, 'dl2'))).rejects.toBeInstanceOf(NotFoundError)
  })

  it('(contract fake) does not create a second run when the runs/create response was lost', async () => {
    const stores = open()
    const exp = await stores.tracking.getOrCreateExperiment('idempotent')
    fake.faults.push({match: 'POST runs/create', loseResponse: true})
    const info = await stores.tracking.createRun({experimentId: exp.experimentId, runName: 'once'})
    expect(fake.runs.size).toBe(1)
    expect(fake.runs.has(info.runId)).toBe(true)
    expect(fake.calls('POST runs/create')).toHaveLength(1)
  })
})

describe('REST transport (contract fake)', () => {
  it('(contract fake) sends Basic auth from MLFLOW_TRACKING_USERNAME/PASSWORD, taking priority over a token', async () => {
    fake.requiredAuth = `Basic ${Buffer.from('alice:s3cr3t-pass').toString('base64')}`
    const stores = open({MLFLOW_TRACKING_USERNAME: 'alice', MLFLOW_TRACKING_PASSWORD: 's3cr3t-pass', MLFLOW_TRACKING_TOKEN: 'ignored-token'})
    await stores.tracking.getOrCreateExperiment('auth')
    expect(fake.requests.every(r => r.headers.authorization === fake.requiredAuth)).toBe(true)
  })

  it('(contract fake) sends a Bearer token from MLFLOW_TRACKING_TOKEN', async () => {
    const token = FakeMlflowServer.token()
    fake.requiredAuth = `Bearer ${token}`
    await open({MLFLOW_TRACKING_TOKEN: token}).registry.listRegisteredModels()
    expect(fake.requests[0].headers.authorization).toBe(`Bearer ${token}`)
  })

  it('(contract fake) turns 401 into one line naming the URI and the variables, never the secret', async () => {
    fake.requiredAuth = 'Bearer right-token'
    const error = await open({MLFLOW_TRACKING_TOKEN: 'wrong-token-value'}).tracking.getOrCreateExperiment('x').catch(e => e)
    expect(error).toBeInstanceOf(UserError)
    expect(error.message).toBe(`authentication failed for ${fake.url} (HTTP 401, the credentials from MLFLOW_TRACKING_TOKEN were refused): check MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD or MLFLOW_TRACKING_TOKEN`)
    expect(JSON.stringify({message: error.message, data: error.data})).not.toContain('wrong-token-value')
    expect(fake.requests).toHaveLength(1)
  })

  it('(contract fake) retries 503, 429 with Retry-After and dropped connections, then succeeds', async () => {
    fake.faults.push(
      {match: 'GET registered-models/search', status: 503, body: '<html>Service Unavailable</html>'},
      {match: 'GET registered-models/search', status: 429, body: '{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"slow down"}', headers: {'Retry-After': '0'}},
      {match: 'GET registered-models/search', drop: true},
    )
    expect(await open().registry.listRegisteredModels()).toEqual([])
    expect(fake.calls('GET registered-models/search')).toHaveLength(4)
  })

  it('(contract fake) gives up after MLFLOW_HTTP_REQUEST_MAX_RETRIES with an external error (exit 4)', async () => {
    for (let i = 0; i < 3; i++) fake.faults.push({match: 'GET registered-models/get', status: 502, body: 'Bad Gateway'})
    const error = await open({MLFLOW_HTTP_REQUEST_MAX_RETRIES: '2'}).registry.getRegisteredModel('m').catch(e => e)
    expect(error).toBeInstanceOf(ExternalError)
    expect(error.exitCode).toBe(EXIT_CODES.external)
    expect(error.message).toBe(`MLflow ${fake.url}: GET registered-models/get failed with HTTP 502 (INTERNAL_ERROR)`)
    expect(fake.calls('GET registered-models/get')).toHaveLength(3)
  })

  it('(contract fake) reports an unreachable server as an external error naming the URI', async () => {
    const port = await freePort()
    const stores = openStores({cwd, env: cleanEnv({...FAST_RETRIES, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1'}), trackingUri: `http://ops:pw1234@127.0.0.1:${port}/mlflow`})
    const error = await stores.tracking.getOrCreateExperiment('x').catch(e => e)
    expect(error).toBeInstanceOf(ExternalError)
    expect(error.message).toBe(`cannot reach the MLflow tracking server at http://***@127.0.0.1:${port}/mlflow (ECONNREFUSED): check MLFLOW_TRACKING_URI and that the server is running`)
  })

  it('(contract fake) times out a hanging request after MLFLOW_HTTP_REQUEST_TIMEOUT', async () => {
    fake.faults.push({match: 'GET runs/get', delayMs: 2000})
    const started = Date.now()
    const error = await open({MLFLOW_HTTP_REQUEST_TIMEOUT: '0.2', MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0'}).tracking.getRun('abc').catch(e => e)
    expect(error).toBeInstanceOf(ExternalError)
    expect(error.message).toBe(`MLflow ${fake.url}: GET runs/get timed out after 0.2s (MLFLOW_HTTP_REQUEST_TIMEOUT)`)
    expect(Date.now() - started).toBeLessThan(1500)
  })

  it('(contract fake) maps MLflow error codes to the error classes', async () => {
    const stores = open()
    const missing = await stores.tracking.getRun('0123456789abcdef0123456789abcdef').catch(e => e)
    expect(missing).toBeInstanceOf(NotFoundError)
    expect(missing.message).toBe(`MLflow ${fake.url}: Run '0123456789abcdef0123456789abcdef' not found`)
    expect(missing.data).toMatchObject({httpStatus: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST'})

    const exp = await stores.tracking.getOrCreateExperiment('codes')
    const {runId} = await stores.tracking.createRun({experimentId: exp.experimentId})
    await stores.tracking.logParams(runId, {alpha: 1})
    const changed = await stores.tracking.logParams(runId, {alpha: 2}).catch(e => e)
    expect(changed).toBeInstanceOf(UserError)
    expect(changed.message).toMatch(/^run [0-9a-f]{32}: MLflow params cannot change once logged .*Changing param values is not allowed/)
    // A structured 500 is the server's answer, not a transient failure: no retries.
    expect(fake.calls('POST runs/log-batch')).toHaveLength(2)

    await stores.registry.createRegisteredModel('m')
    await expect(stores.registry.createRegisteredModel('m')).rejects.toBeInstanceOf(AlreadyExistsError)

    const wrongServer = openStores({cwd, env: cleanEnv(FAST_RETRIES), trackingUri: fake.url.replace('/alice/sentiment.mlflow', '/not-mlflow')})
    await expect(wrongServer.registry.listRegisteredModels()).rejects.toThrow(/is not an MLflow endpoint there \(HTTP 404\)/)
  })
})

describe('REST registry (contract fake)', () => {
  async function modelWithVersions(stores: Stores, n: number): Promise<string> {
    const exp = await stores.tracking.getOrCreateExperiment('reg')
    const {runId, artifactUri} = await stores.tracking.createRun({experimentId: exp.experimentId})
    await logModel(stores.tracking, runId, await makeBundle(path.join(cwd, 'bundle')))
    await stores.registry.createRegisteredModel('sentiment')
    for (let i = 0; i < n; i++) await stores.registry.createModelVersion('sentiment', `${artifactUri}/model`, runId)
    return runId
  }

  it('(contract fake) versions, stages with archive_existing_versions, aliases, latest versions and tags', async () => {
    const stores = open()
    await modelWithVersions(stores, 3)
    expect((await stores.registry.searchModelVersions('sentiment')).map(v => v.version)).toEqual(['3', '2', '1'])
    await stores.registry.transitionStage('sentiment', '1', 'Production', false)
    const v2 = await stores.registry.transitionStage('sentiment', '2', 'production', true)
    expect(v2.currentStage).toBe('Production')
    expect(fake.calls('POST model-versions/transition-stage').map(r => r.body)).toEqual([
      {name: 'sentiment', version: '1', stage: 'Production', archive_existing_versions: false},
      {name: 'sentiment', version: '2', stage: 'Production', archive_existing_versions: true},
    ])
    expect((await stores.registry.getModelVersion('sentiment', '1')).currentStage).toBe('Archived')
    await stores.registry.setAlias('sentiment', 'champion', '3')
    expect(await stores.registry.getVersionByAlias('sentiment', 'champion')).toMatchObject({version: '3', aliases: ['champion']})
    expect((await stores.registry.getRegisteredModel('sentiment')).aliases).toEqual({champion: '3'})
    expect((await stores.registry.getLatestVersions('sentiment', ['Production'])).map(v => v.version)).toEqual(['2'])
    expect(fake.calls('POST registered-models/get-latest-versions').at(-1)!.body).toEqual({name: 'sentiment', stages: ['Production']})
    await stores.registry.setModelVersionTag('sentiment', '3', 'sentiops.gate', 'passed')
    expect((await stores.registry.getModelVersion('sentiment', '3')).tags).toMatchObject({'sentiops.gate': 'passed'})
    await stores.registry.deleteAlias('sentiment', 'champion')
    const del = fake.calls('DELETE registered-models/alias')[0]
    expect(del.body).toEqual({name: 'sentiment', alias: 'champion'})
    // The file-backed server answers a missing alias with 400 INVALID_PARAMETER_VALUE; it is still "not found".
    const gone = await stores.registry.getVersionByAlias('sentiment', 'champion').catch(e => e)
    expect(gone).toBeInstanceOf(NotFoundError)
    expect(gone.message).toBe(`alias 'champion' of registered model 'sentiment' not found in ${fake.url}`)
    await expect(stores.registry.deleteAlias('sentiment', 'champion')).rejects.toBeInstanceOf(NotFoundError)
    await expect(stores.registry.searchModelVersions('unknown')).rejects.toBeInstanceOf(NotFoundError)
  })

  it('(contract fake) a database-backed server: aliases come from registered-models/get when search and latest_versions leave them out', async () => {
    await fake.stop()
    fake = await new FakeMlflowServer('/alice/sentiment.mlflow', {store: 'database'}).start()
    const stores = open()
    await modelWithVersions(stores, 2)
    await stores.registry.setAlias('sentiment', 'champion', '2')
    await stores.registry.setAlias('sentiment', 'challenger', '1')
    await stores.registry.setAlias('sentiment', 'baseline', '1')
    await stores.registry.transitionStage('sentiment', '2', 'Production', false)
    // The server itself leaves them out, as sqlite/postgres stores do (spec §8).
    const raw = await (await fetch(`${fake.url}/api/2.0/mlflow/model-versions/search?filter=${encodeURIComponent("name='sentiment'")}`)).json() as {model_versions: Array<{aliases: string[]}>}
    expect(raw.model_versions.map(v => v.aliases)).toEqual([[], []])
    expect((await stores.registry.searchModelVersions('sentiment')).map(v => [v.version, v.aliases])).toEqual([['2', ['champion']], ['1', ['baseline', 'challenger']]])
    expect((await stores.registry.getLatestVersions('sentiment', ['Production'])).map(v => [v.version, v.aliases])).toEqual([['2', ['champion']]])
    const model = await stores.registry.getRegisteredModel('sentiment')
    expect(model.latestVersions.map(v => [v.version, v.currentStage, v.aliases])).toEqual([['1', 'None', ['baseline', 'challenger']], ['2', 'Production', ['champion']]])
  })

  it('(contract fake) waits for a PENDING_REGISTRATION version to become READY', async () => {
    const stores = openStores({cwd, env: cleanEnv({MLFLOW_TRACKING_URI: fake.url, ...FAST_RETRIES})})
    fake.pendingPolls = 2
    const exp = await stores.tracking.getOrCreateExperiment('pending')
    const {runId, artifactUri} = await stores.tracking.createRun({experimentId: exp.experimentId})
    await stores.registry.createRegisteredModel('p')
    // The registry polls every second by default; two pending reads take about two seconds.
    const version = await stores.registry.createModelVersion('p', `${artifactUri}/model`, runId)
    expect(version.status).toBe('READY')
    expect(fake.calls('GET model-versions/get').length).toBeGreaterThanOrEqual(2)
  })

  it('(contract fake) resolves models:/ URIs by downloading the version once into the cache', async () => {
    const stores = open()
    const runId = await modelWithVersions(stores, 1)
    await stores.registry.setAlias('sentiment', 'champion', '1')
    const cacheDir = path.join(cwd, 'cache')
    const first = await resolveModel('models:/sentiment@champion', stores, {cwd, cacheDir})
    expect(first).toMatchObject({name: 'sentiment', version: '1', alias: 'champion', stage: 'None', runId})
    expect(first.dir.startsWith(cacheDir)).toBe(true)
    expect(await listFiles(first.dir)).toEqual(['MLmodel', 'classifier.json', 'extra/vocab.json'])
    const downloads = fake.calls('GET mlflow-artifacts').length
    const second = await resolveModel('models:/sentiment/latest', stores, {cwd, cacheDir})
    expect(second.dir).toBe(first.dir)
    expect(fake.calls('GET mlflow-artifacts').length).toBe(downloads)
  })

  it('(contract fake) registers a run through the gate: source is the proxied artifact URI, the verdict a version tag', async () => {
    const stores = open()
    const exp = await stores.tracking.getOrCreateExperiment('gated')
    const {runId, artifactUri} = await stores.tracking.createRun({experimentId: exp.experimentId})
    await logModel(stores.tracking, runId, await makeBundle(path.join(cwd, 'bundle')))
    await stores.tracking.logMetrics(runId, [{key: 'f1', value: 0.83}])
    const result = await registerModel({stores, name: 'sentiment', runId, alias: 'champion', stage: 'Staging', gates: ['f1>=0.8'], cwd})
    expect(result).toMatchObject({version: '1', source: `${artifactUri}/model`, stage: 'Staging', aliases: ['champion'], promoted: true, gate: {verdict: 'passed'}})
    expect(fake.calls('POST model-versions/create')[0].body).toMatchObject({name: 'sentiment', source: `${artifactUri}/model`, run_id: runId})
    expect((await stores.registry.getModelVersion('sentiment', '1')).tags).toMatchObject({'sentiops.gate': 'passed'})
  })
})

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as {port: number}
  await new Promise<void>(resolve => server.close(() => resolve()))
  return port
}

describe('mlflow-artifacts URIs (spec §6.3)', () => {
  it('maps artifact URIs onto the proxy under the tracking URI, with or without a host of their own', async () => {
    const {MlflowHttpClient} = await import('../../src/core/tracking/rest-store/http.js')
    const {RestArtifacts} = await import('../../src/core/tracking/rest-store/artifacts.js')
    const atRoot = new RestArtifacts(new MlflowHttpClient(new URL('http://mlflow.local:5000/'), {env: {}}))
    expect(atRoot.proxyUrl('mlflow-artifacts:/1/abc/artifacts', 'model/MLmodel')).toBe('http://mlflow.local:5000/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/model/MLmodel')
    const prefixed = new RestArtifacts(new MlflowHttpClient(new URL('https://dagshub.com/alice/repo.mlflow'), {env: {}}))
    expect(prefixed.proxyUrl('mlflow-artifacts://other:7000/1/abc/artifacts', 'my file.json')).toBe('https://other:7000/alice/repo.mlflow/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/my%20file.json')
  })
})
