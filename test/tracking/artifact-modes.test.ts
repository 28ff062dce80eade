/**
 * The four artifact modes of a real `mlflow server` (spec §8): where a run's artifacts go depends on how the server
 * was started, and only `mlflow-artifacts:` goes through the server. Each mode: register a trained bundle (a new
 * run in a new experiment), resolve `models:/sentiment@champion` and load it; the oracle is where the bytes landed
 * (the disk, the fake's proxy store, moto's S3) and the loaded bundle predicting exactly as the original.
 */
import {CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, S3Client} from '@aws-sdk/client-s3'
import {mkdir, readFile, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {pathToFileURL} from 'node:url'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import {loadBundle, type Bundle} from '../../src/core/bundle/index.js'
import {ExternalError, UserError} from '../../src/core/errors.js'
import {NotFoundError, openStores, registerModel, resolveModel, type Stores} from '../../src/core/tracking/index.js'
import {trainModel} from '../serve/support/model.js'
import {freePort, startMoto, type Service} from '../support/ship-services.js'
import {FakeMlflowServer, type FakeServerOptions} from './fake-mlflow-server.js'
import {cleanEnv, listFiles, tempDir} from './helpers.js'

const FAST_RETRIES = {MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.001', MLFLOW_HTTP_REQUEST_BACKOFF_JITTER: '0', MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1'}
const TEXTS = ['a moving, beautifully acted film', 'dull and far too long', 'not bad at all']

let bundleDir: string
let original: Bundle
let bundleFiles: string[]
let moto: Service
let fake: FakeMlflowServer | undefined

beforeAll(async () => {
  // A small vocabulary keeps the bundle (and each round trip) light; the format is the same.
  bundleDir = (await trainModel(await tempDir(), {'featurize.max_features': 2000, 'featurize.ngram_max': 1})).dir
  original = await loadBundle(bundleDir)
  bundleFiles = await listFiles(bundleDir)
  moto = await startMoto()
}, 60_000)

afterAll(async () => {
  await moto?.stop()
})

afterEach(async () => {
  await fake?.stop()
  fake = undefined
})

const s3Env = () => ({AWS_ENDPOINT_URL: moto.url, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true'})

async function serve(options: FakeServerOptions, env: Record<string, string> = {}): Promise<{stores: Stores; cwd: string}> {
  fake = await new FakeMlflowServer('', options).start()
  const cwd = await tempDir()
  return {cwd, stores: openStores({cwd, env: cleanEnv({MLFLOW_TRACKING_URI: fake.url, ...FAST_RETRIES, ...env})})}
}

/** register (new run in a new experiment) → models:/ resolve → load; returns what the test checks. */
async function roundTrip(stores: Stores, cwd: string) {
  const result = await registerModel({stores, name: 'sentiment', bundleDir, experiment: 'fresh-experiment', alias: 'champion', cwd, env: cleanEnv()})
  const run = await stores.tracking.getRun(result.runId)
  const resolved = await resolveModel('models:/sentiment@champion', stores, {cwd, cacheDir: path.join(cwd, 'cache')})
  const loaded = await loadBundle(resolved.dir)
  expect(loaded.predict(TEXTS)).toEqual(original.predict(TEXTS))
  expect(await listFiles(resolved.dir)).toEqual(bundleFiles)
  expect(await readFile(path.join(resolved.dir, 'MLmodel'), 'utf8')).toContain(`run_id: ${result.runId}\n`)
  return {result, run, resolved, cwd}
}

async function expectSameBundleBytes(dir: string): Promise<void> {
  for (const file of bundleFiles.filter(f => f !== 'MLmodel')) {
    expect(await readFile(path.join(dir, file)), file).toEqual(await readFile(path.join(bundleDir, file)))
  }
}

describe('artifact roots of an MLflow tracking server (contract fake)', () => {
  it('(contract fake) --default-artifact-root /abs/path: the client writes and reads the plain path itself, creating the folders', async () => {
    const root = path.join(await tempDir(), 'mlartifacts')
    const {stores, cwd} = await serve({defaultArtifactRoot: root})
    const {result, run, resolved} = await roundTrip(stores, cwd)
    const expId = run.info.experimentId
    const modelDir = path.join(root, expId, result.runId, 'artifacts', 'model')
    expect(run.info.artifactUri).toBe(`${root}/${expId}/${result.runId}/artifacts`)
    expect(result.source).toBe(`${root}/${expId}/${result.runId}/artifacts/model`)
    expect(await listFiles(modelDir)).toEqual(bundleFiles)
    await expectSameBundleBytes(modelDir)
    // Local artifacts are used in place, and nothing went through the server's proxy.
    expect(resolved.dir).toBe(modelDir)
    expect(fake!.requests.filter(r => r.endpoint.startsWith('mlflow-artifacts/'))).toEqual([])
  })

  it('(contract fake) --default-artifact-root file:///abs --no-serve-artifacts: the first run of a new experiment creates its folders', async () => {
    const root = path.join(await tempDir(), 'shared-nfs')
    const {stores, cwd} = await serve({defaultArtifactRoot: pathToFileURL(root).href, serveArtifacts: false})
    const {result, run, resolved} = await roundTrip(stores, cwd)
    const expId = run.info.experimentId
    const modelDir = path.join(root, expId, result.runId, 'artifacts', 'model')
    expect(run.info.artifactUri).toBe(`${pathToFileURL(root).href}/${expId}/${result.runId}/artifacts`)
    expect(await listFiles(modelDir)).toEqual(bundleFiles)
    await expectSameBundleBytes(modelDir)
    expect(resolved.dir).toBe(modelDir)
    expect(fake!.requests.filter(r => r.endpoint.startsWith('mlflow-artifacts/'))).toEqual([])
  })

  it('(contract fake) --artifacts-destination: mlflow-artifacts: URIs go through the server proxy', async () => {
    const {stores, cwd} = await serve({})
    const {result, run, resolved} = await roundTrip(stores, cwd)
    const prefix = `${run.info.experimentId}/${result.runId}/artifacts/model`
    expect(result.source).toBe(`mlflow-artifacts:/${prefix}`)
    expect([...fake!.artifacts.keys()].sort()).toEqual(bundleFiles.map(f => `${prefix}/${f}`))
    for (const file of bundleFiles.filter(f => f !== 'MLmodel')) expect(fake!.artifacts.get(`${prefix}/${file}`)).toEqual(await readFile(path.join(bundleDir, file)))
    expect(resolved.dir.startsWith(path.join(cwd, 'cache'))).toBe(true)
  })

  it('(contract fake) --default-artifact-root s3://bucket/prefix: the client writes and reads S3 itself (moto, AWS_ENDPOINT_URL)', async () => {
    const s3 = new S3Client({endpoint: moto.url, forcePathStyle: true, region: 'us-east-1', credentials: {accessKeyId: 'test', secretAccessKey: 'test'}})
    try {
      await s3.send(new CreateBucketCommand({Bucket: 'team-mlflow'}))
      const {stores, cwd} = await serve({defaultArtifactRoot: 's3://team-mlflow/artifacts'}, s3Env())
      const {result, run, resolved} = await roundTrip(stores, cwd)
      const prefix = `artifacts/${run.info.experimentId}/${result.runId}/artifacts/model`
      expect(result.source).toBe(`s3://team-mlflow/${prefix}`)
      const listed = await s3.send(new ListObjectsV2Command({Bucket: 'team-mlflow'}))
      expect((listed.Contents ?? []).map(o => o.Key).sort()).toEqual(bundleFiles.map(f => `${prefix}/${f}`))
      for (const file of bundleFiles.filter(f => f !== 'MLmodel')) {
        const object = await s3.send(new GetObjectCommand({Bucket: 'team-mlflow', Key: `${prefix}/${file}`}))
        expect(Buffer.from(await object.Body!.transformToByteArray())).toEqual(await readFile(path.join(bundleDir, file)))
      }
      expect(resolved.dir.startsWith(path.join(cwd, 'cache'))).toBe(true)
      expect(fake!.requests.filter(r => r.endpoint.startsWith('mlflow-artifacts/'))).toEqual([])
    } finally {
      s3.destroy()
    }
  })
})

describe('artifact roots sentiops cannot reach name the URI and what to do (contract fake)', () => {
  it('(contract fake) a local root that cannot be written here', async () => {
    const base = await tempDir()
    await writeFile(path.join(base, 'not-a-dir'), 'x')
    const root = path.join(base, 'not-a-dir', 'mlartifacts')
    const {stores, cwd} = await serve({defaultArtifactRoot: root})
    const error = await registerModel({stores, name: 'm', bundleDir, cwd, env: cleanEnv()}).catch(e => e)
    expect(error).toBeInstanceOf(UserError)
    expect(error.message).toMatch(new RegExp(`^cannot write the artifacts of run [0-9a-f]{32} to ${root}/0/[0-9a-f]{32}/artifacts \\(ENOTDIR\\): the tracking server leaves that path to its clients, so it must be writable here \\(a shared filesystem or NFS mount\\); otherwise use a server that proxies artifacts \\(mlflow server --serve-artifacts --artifacts-destination DIR\\)$`))
  })

  it('(contract fake) a local root that is not on this machine when reading', async () => {
    const root = path.join(await tempDir(), 'elsewhere')
    const {stores, cwd} = await serve({defaultArtifactRoot: root})
    const result = await registerModel({stores, name: 'm', bundleDir, alias: 'champion', cwd, env: cleanEnv()})
    await rm(root, {recursive: true})
    const error = await resolveModel('models:/m@champion', stores, {cwd, cacheDir: path.join(cwd, 'cache')}).catch(e => e)
    expect(error).toBeInstanceOf(NotFoundError)
    expect(error.message).toBe(`run ${result.runId} keeps its artifacts at ${root}/0/${result.runId}/artifacts, which is not on this machine: run sentiops where the server's artifact root is mounted, or use a server that proxies artifacts (mlflow server --serve-artifacts)`)
  })

  it('(contract fake) an S3 bucket that does not exist, and an S3 endpoint that does not answer', async () => {
    const missing = await serve({defaultArtifactRoot: 's3://no-such-bucket/mlflow'}, s3Env())
    const noBucket = await registerModel({stores: missing.stores, name: 'm', bundleDir, cwd: missing.cwd, env: cleanEnv()}).catch(e => e)
    expect(noBucket).toBeInstanceOf(UserError)
    expect(noBucket.message).toMatch(new RegExp(`^cannot write s3://no-such-bucket/mlflow/0/[0-9a-f]{32}/artifacts/model/\\S+: bucket does not exist at ${moto.url}; create it, or check the server's --default-artifact-root and AWS_ENDPOINT_URL$`))
    await fake!.stop()

    const port = await freePort()
    const offline = await serve({defaultArtifactRoot: 's3://team-mlflow/x'}, {...s3Env(), AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`})
    const refused = await registerModel({stores: offline.stores, name: 'm', bundleDir, cwd: offline.cwd, env: cleanEnv()}).catch(e => e)
    expect(refused).toBeInstanceOf(ExternalError)
    expect(refused.message).toMatch(new RegExp(`^cannot reach S3 to write s3://team-mlflow/x/0/[0-9a-f]{32}/artifacts/model/\\S+ \\(ECONNREFUSED at http://127.0.0.1:${port}\\): check AWS_ENDPOINT_URL and the network$`))
  })

  it('(contract fake) an artifact store sentiops has no client for', async () => {
    const {stores, cwd} = await serve({defaultArtifactRoot: 'gs://team-bucket/mlflow'})
    const error = await registerModel({stores, name: 'm', bundleDir, cwd, env: cleanEnv()}).catch(e => e)
    expect(error).toBeInstanceOf(UserError)
    expect(error.message).toMatch(/^run [0-9a-f]{32} keeps its artifacts at gs:\/\/team-bucket\/mlflow\/0\/[0-9a-f]{32}\/artifacts, which sentiops cannot reach: it reads and writes local paths, file:\/\/, s3:\/\/ and mlflow-artifacts: roots; start the server with --serve-artifacts --artifacts-destination <that store> so artifacts go through it$/)
  })
})

describe('the contract fake refuses what MLflow refuses', () => {
  it('(contract fake) POST registered-models/search is 405 (GET only), an unknown endpoint 404, and sentiops lists models with GET', async () => {
    const {stores} = await serve({})
    const post = await fetch(`${fake!.url}/api/2.0/mlflow/registered-models/search`, {method: 'POST', headers: {'Content-Type': 'application/json'}, body: '{}'})
    expect(post.status).toBe(405)
    expect(post.headers.get('allow')).toBe('GET, OPTIONS')
    expect((await fetch(`${fake!.url}/api/2.0/mlflow/registered-models/nothing`)).status).toBe(404)
    expect(await stores.registry.listRegisteredModels()).toEqual([])
    expect(fake!.requests.at(-1)).toMatchObject({method: 'GET', endpoint: 'registered-models/search'})
  })

  it('(contract fake) a local model-version source outside its run\'s artifact folder is a 400', async () => {
    const root = path.join(await tempDir(), 'mlartifacts')
    const {stores} = await serve({defaultArtifactRoot: root})
    const exp = await stores.tracking.getOrCreateExperiment('e')
    const {runId} = await stores.tracking.createRun({experimentId: exp.experimentId})
    await stores.registry.createRegisteredModel('m')
    await mkdir(path.join(root, 'elsewhere'), {recursive: true})
    const error = await stores.registry.createModelVersion('m', path.join(root, 'elsewhere'), runId).catch(e => e)
    expect(error).toBeInstanceOf(UserError)
    expect(error.message.startsWith(`MLflow ${fake!.url} rejected POST model-versions/create: Invalid model version source: '${path.join(root, 'elsewhere')}'. To use a local path as a model version source, the run_id request parameter has to be specified`)).toBe(true)
  })
})
