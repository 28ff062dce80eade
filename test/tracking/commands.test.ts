import {createServer} from 'node:net'
import {mkdir, readdir, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {BIN, sentiops, tempProject} from '../support/cli.js'
import {FakeMlflowServer} from './fake-mlflow-server.js'
import {pathToFileURL} from 'node:url'
import {trainModel} from '../serve/support/model.js'
import {listFiles, makeBundle} from './helpers.js'

/** `register` and `models …` through the real binary (bin/run.js → dist/), in a temp project. */
describe('register and models commands (real CLI)', () => {
  let cwd: string
  const env = {USER: 'cli-user'}
  const run = (...args: string[]) => sentiops(args, {cwd, env})
  const json = (...args: string[]) => {
    const r = run(...args, '--json')
    return {...r, body: JSON.parse(r.stdout)}
  }
  const errorLine = (stderr: string) => stderr.split('\n').find(l => l.startsWith('Error: '))

  beforeAll(async () => {
    cwd = await tempProject('sentiops-register-')
    await makeBundle(path.join(cwd, 'models/model'))
    await mkdir(path.join(cwd, 'reports'))
    await writeFile(path.join(cwd, 'reports/metrics.json'), JSON.stringify({accuracy: 0.88, f1: 0.9}))
  })

  it('registers the default bundle with metrics from evaluate.metrics_file, gated, and moves the alias', () => {
    const r = json('register', '--name', 'sentiment', '--alias', 'champion', '--stage', 'staging', '--gate', 'f1>=0.8')
    expect(r.code, r.stderr).toBe(0)
    expect(r.body.status).toBe('ok')
    expect(r.body.result).toMatchObject({name: 'sentiment', version: '1', stage: 'Staging', aliases: ['champion'], promoted: true, modelCreated: true, gate: {verdict: 'passed'}})
    expect(r.body.result.source).toMatch(/^file:\/\/\/.*\/mlruns\/0\/[0-9a-f]{32}\/artifacts\/model$/)
  })

  it('a rejected candidate exits 3 with the failing rule and both values, and stays registered', async () => {
    await writeFile(path.join(cwd, 'weaker.json'), JSON.stringify({f1: 0.86}))
    const r = run('register', '--name', 'sentiment', '--alias', 'champion', '--gate', 'f1>=0.8', '--against', 'models:/sentiment@champion', '--min-delta', '0.005', '--metrics-file', 'weaker.json')
    expect(r.code).toBe(3)
    expect(errorLine(r.stderr)).toBe('Error: models:/sentiment/2 is registered but not promoted: gate against models:/sentiment@champion (version 1) failed: f1 is 0.86, models:/sentiment@champion (version 1) has 0.9 (-0.04, needs at least +0.005)')
    const versions = json('models', 'versions', 'sentiment')
    expect(versions.body.result.versions.map((v: {version: string; tags: Record<string, string>; aliases: string[]}) => [v.version, v.tags['sentiops.gate'], v.aliases])).toEqual([
      ['2', 'rejected', []], ['1', 'passed', ['champion']],
    ])
  })

  it('--json on a rejection prints the error envelope with the registered version', () => {
    const r = json('register', '--name', 'sentiment', '--alias', 'champion', '--gate', 'f1>=0.95')
    expect(r.code).toBe(3)
    expect(r.body).toMatchObject({status: 'error', error: {name: 'GateRejectedError', code: 'GATE_REJECTED', exitCode: 3, data: {result: {version: '3', promoted: false}}}})
  })

  it('--force --reason promotes anyway and records the reason', () => {
    const r = json('register', '--name', 'sentiment', '--alias', 'champion', '--gate', 'f1>=0.95', '--force', '--reason', 'demo for the release notes')
    expect(r.code, r.stderr).toBe(0)
    expect(r.body.result).toMatchObject({version: '4', aliases: ['champion'], gate: {verdict: 'forced', forcedReason: 'demo for the release notes'}})
  })

  it('lists, shows, promotes and re-aliases models with aligned text tables', () => {
    const list = run('models', 'list')
    expect(list.code, list.stderr).toBe(0)
    expect(list.stdout.split('\n')[0]).toMatch(/^NAME\s+LATEST\s+STAGES\s+ALIASES\s+UPDATED$/)
    expect(list.stdout).toMatch(/^sentiment\s+v4\s+Staging:v1\s+champion→v4\s+\d{4}-\d\d-\d\d /m)

    const promote = json('models', 'promote', 'sentiment', '4', '--stage', 'production', '--archive-existing')
    expect(promote.body.result.version).toMatchObject({version: '4', currentStage: 'Production'})
    const again = json('models', 'promote', 'sentiment', '2', '--stage', 'Production', '--archive-existing')
    expect(again.body.result.archived).toEqual(['4'])

    expect(run('models', 'alias', 'sentiment', 'challenger', '2').stdout).toBe('models:/sentiment@challenger → version 2\n')
    const show = json('models', 'show', 'sentiment')
    expect(show.body.result.model.aliases).toEqual({champion: '4', challenger: '2'})
    const del = json('models', 'alias', 'sentiment', 'challenger', '--delete')
    expect(del.body.result).toMatchObject({deleted: true, previous: '2'})

    const table = run('models', 'versions', 'sentiment').stdout.split('\n')
    expect(table[0]).toMatch(/^VERSION\s+STAGE\s+ALIASES\s+GATE\s+RUN\s+CREATED$/)
    expect(table[1]).toMatch(/^4\s+Archived\s+champion\s+forced\s+[0-9a-f]{32}\s+/)
    expect(table[3]).toMatch(/^2\s+Production\s+-\s+rejected\s+/)
  })

  it('takes its defaults from the register section of params.yaml', async () => {
    await writeFile(path.join(cwd, 'params.yaml'), 'register:\n  model_name: from-params\n  alias: candidate\n  gates: ["accuracy>=0.5"]\n')
    const r = json('register')
    expect(r.code, r.stderr).toBe(0)
    expect(r.body.result).toMatchObject({name: 'from-params', aliases: ['candidate'], gate: {verdict: 'passed', checks: [{rule: 'accuracy>=0.5', actual: 0.88}]}})
  })

  it('bad inputs: one readable line and the documented exit code', async () => {
    const badStage = run('models', 'promote', 'sentiment', '1', '--stage', 'Prod')
    expect([badStage.code, errorLine(badStage.stderr)]).toEqual([2, "Error: unknown stage 'Prod': use one of None, Staging, Production, Archived"])
    const unknown = run('models', 'show', 'nope')
    expect(unknown.code).toBe(1)
    expect(errorLine(unknown.stderr)).toBe(`Error: registered model 'nope' not found in file://${path.join(cwd, 'mlruns')}`)
    const badGate = run('register', '--gate', 'f1 >> 0.8')
    expect([badGate.code, errorLine(badGate.stderr)]).toEqual([2, "Error: invalid gate rule 'f1 >> 0.8': expected METRIC OP NUMBER with OP one of >=, >, <=, <, == (e.g. \"f1>=0.80\")"])
    const noReason = run('register', '--force')
    expect(noReason.code).toBe(2)
    const missingBundle = run('register', '--model-dir', 'nowhere')
    expect([missingBundle.code, errorLine(missingBundle.stderr)]).toEqual([1, `Error: no model bundle at ${path.join(cwd, 'nowhere')} (missing MLmodel)`])
    const port = await freePort()
    const offline = sentiops(['models', 'list', '--tracking-uri', `http://127.0.0.1:${port}`], {cwd, env: {...env, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0'}})
    expect([offline.code, errorLine(offline.stderr)]).toEqual([4, `Error: cannot reach the MLflow tracking server at http://127.0.0.1:${port} (ECONNREFUSED): check MLFLOW_TRACKING_URI and that the server is running`])
    // Nothing half-written: no lock or staging files left in the store.
    expect((await readdir(path.join(cwd, 'mlruns'))).filter(n => n.startsWith('.sentiops'))).toEqual([])
  })
})

describe('models commands against a tracking server (contract fake)', () => {
  let fake: FakeMlflowServer
  beforeAll(async () => {
    fake = await new FakeMlflowServer().start()
  })
  afterAll(async () => {
    await fake.stop()
  })

  /** The fake answers from this process, so the CLI must run without blocking it (no spawnSync). */
  const sentiopsAsync = async (args: string[], opts: {cwd: string; env: Record<string, string>}) => {
    const r = await execa(process.execPath, [BIN, ...args], {cwd: opts.cwd, env: {PATH: process.env.PATH, HOME: process.env.HOME, USER: 'cli-user', ...opts.env}, extendEnv: false, reject: false, timeout: 60_000})
    return {code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr)}
  }

  it('(contract fake) registers over REST with MLFLOW_TRACKING_URI and lists the model', async () => {
    const cwd = await tempProject('sentiops-register-rest-')
    await makeBundle(path.join(cwd, 'models/model'))
    const token = FakeMlflowServer.token()
    fake.requiredAuth = `Bearer ${token}`
    const env = {MLFLOW_TRACKING_URI: fake.url, MLFLOW_TRACKING_TOKEN: token, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0'}
    const reg = await sentiopsAsync(['register', '--name', 'remote', '--alias', 'champion', '--json'], {cwd, env})
    expect(reg.code, reg.stderr).toBe(0)
    expect(JSON.parse(reg.stdout).result.source).toMatch(/^mlflow-artifacts:\/0\/[0-9a-f]{32}\/artifacts\/model$/)
    const list = await sentiopsAsync(['models', 'list'], {cwd, env})
    expect(list.stdout).toMatch(/^remote\s+v1\s+-\s+champion→v1/m)
    expect(reg.stdout + reg.stderr + list.stdout + list.stderr).not.toContain(token)
  })
})

describe('models commands against a database-backed tracking server (contract fake)', () => {
  let fake: FakeMlflowServer
  beforeAll(async () => {
    // sqlite/postgres stores leave `aliases` empty in model-versions/search and latest_versions (spec §8).
    fake = await new FakeMlflowServer('', {store: 'database'}).start()
  })
  afterAll(async () => {
    await fake.stop()
  })

  const cli = async (args: string[], cwd: string) => {
    const r = await execa(process.execPath, [BIN, ...args], {
      cwd, env: {PATH: process.env.PATH, HOME: process.env.HOME, USER: 'cli-user', MLFLOW_TRACKING_URI: fake.url, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0'},
      extendEnv: false, reject: false, timeout: 60_000,
    })
    return {code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr)}
  }

  it('(contract fake) models versions and models show print the aliases, in text and --json', async () => {
    const cwd = await tempProject('sentiops-db-aliases-')
    await makeBundle(path.join(cwd, 'models/model'))
    expect((await cli(['register', '--name', 'sentiment', '--alias', 'champion', '--stage', 'Production'], cwd)).code).toBe(0)
    const second = await cli(['register', '--name', 'sentiment', '--alias', 'challenger'], cwd)
    expect(second.code, second.stderr).toBe(0)
    expect((await cli(['models', 'alias', 'sentiment', 'baseline', '1'], cwd)).code).toBe(0)

    const versions = await cli(['models', 'versions', 'sentiment', '--json'], cwd)
    expect(versions.code, versions.stderr).toBe(0)
    expect(JSON.parse(versions.stdout).result.versions.map((v: {version: string; aliases: string[]}) => [v.version, v.aliases])).toEqual([
      ['2', ['challenger']], ['1', ['baseline', 'champion']],
    ])
    const table = (await cli(['models', 'versions', 'sentiment'], cwd)).stdout.split('\n')
    expect(table[1]).toMatch(/^2\s+None\s+challenger\s+/)
    expect(table[2]).toMatch(/^1\s+Production\s+baseline champion\s+/)

    const show = await cli(['models', 'show', 'sentiment', '--json'], cwd)
    const body = JSON.parse(show.stdout).result
    expect(body.model.aliases).toEqual({champion: '1', challenger: '2', baseline: '1'})
    expect(body.versions.map((v: {aliases: string[]}) => v.aliases)).toEqual([['challenger'], ['baseline', 'champion']])
    expect(body.model.latestVersions.map((v: {version: string; aliases: string[]}) => [v.version, v.aliases])).toEqual([['2', ['challenger']], ['1', ['baseline', 'champion']]])
    const showText = (await cli(['models', 'show', 'sentiment'], cwd)).stdout
    expect(showText).toMatch(/^ {2}aliases: champion→v1, challenger→v2, baseline→v1$/m)
    expect(showText).toMatch(/^1\s+Production\s+baseline champion\s+/m)
    // The server's own listing carries none: they came from registered-models/get.
    const raw = await (await fetch(`${fake.url}/api/2.0/mlflow/model-versions/search?filter=${encodeURIComponent("name='sentiment'")}`)).json() as {model_versions: Array<{aliases: string[]}>}
    expect(raw.model_versions.map(v => v.aliases)).toEqual([[], []])
  })
})

describe('register and predict against a server with a local artifact root (contract fake)', () => {
  let bundleDir: string
  beforeAll(async () => {
    bundleDir = (await trainModel(await tempProject('sentiops-local-root-model-'), {'featurize.max_features': 2000, 'featurize.ngram_max': 1})).dir
  })

  it.each([
    ['--default-artifact-root /abs/path', (root: string) => ({defaultArtifactRoot: root})],
    ['--default-artifact-root file:///abs --no-serve-artifacts', (root: string) => ({defaultArtifactRoot: pathToFileURL(root).href, serveArtifacts: false})],
  ])('(contract fake) %s: register writes the model there and predict reads it through models:/', async (_label, options) => {
    const cwd = await tempProject('sentiops-local-root-')
    const root = path.join(cwd, 'shared', 'mlartifacts')
    const fake = await new FakeMlflowServer('', options(root)).start()
    try {
      const env = {PATH: process.env.PATH, HOME: process.env.HOME, USER: 'cli-user', MLFLOW_TRACKING_URI: fake.url, MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0', SENTIOPS_CACHE_DIR: path.join(cwd, 'cache')}
      const cli = async (...args: string[]) => {
        const r = await execa(process.execPath, [BIN, ...args], {cwd, env, extendEnv: false, reject: false, timeout: 60_000})
        return {code: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr)}
      }
      const reg = await cli('register', '--name', 'sentiment', '--model-dir', bundleDir, '--experiment', 'brand-new', '--alias', 'champion', '--json')
      expect(reg.code, reg.stderr).toBe(0)
      const {runId, source} = JSON.parse(reg.stdout).result as {runId: string; source: string}
      const expId = fake.runs.get(runId)!.info.experiment_id as string
      expect(await listFiles(path.join(root, expId, runId, 'artifacts', 'model'))).toEqual(await listFiles(bundleDir))
      expect(source.endsWith(`${expId}/${runId}/artifacts/model`)).toBe(true)
      const viaRegistry = await cli('predict', '--model', 'models:/sentiment@champion', '--text', 'a moving, beautifully acted film', '--text', 'dull and far too long')
      const direct = await cli('predict', '--model', bundleDir, '--text', 'a moving, beautifully acted film', '--text', 'dull and far too long')
      expect(viaRegistry.code, viaRegistry.stderr).toBe(0)
      expect(viaRegistry.stdout).toBe(direct.stdout)
      expect(fake.requests.filter(r => r.endpoint.startsWith('mlflow-artifacts/'))).toEqual([])
    } finally {
      await fake.stop()
    }
  })
})

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const {port} = server.address() as {port: number}
  await new Promise<void>(resolve => server.close(() => resolve()))
  return port
}
