import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {ECRClient, GetLifecyclePolicyCommand, DescribeRepositoriesCommand, PutImageCommand} from '@aws-sdk/client-ecr'
import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {validateCloudConfig, type CloudConfig} from '../../src/core/cloud/config.js'
import {Ledger} from '../../src/core/cloud/ledger.js'
import {pushImage} from '../../src/core/cloud/push.js'
import {validateParams, type Params} from '../../src/core/config/index.js'
import {ExternalError, UserError} from '../../src/core/errors.js'
import {runCommand, type CommandRunner} from '../../src/core/exec.js'
import {buildImage, type BuildImageResult} from '../../src/core/image/build.js'
import {silentReporter} from '../../src/core/reporter.js'
import {trainModel} from '../serve/support/model.js'
import {compileAppRoot} from '../support/ship-app.js'
import {importNodeBaseImage, startPrivateDocker, type PrivateDocker} from '../support/ship-docker.js'
import {freePort, MOTO_ECR_PASSWORD, startMoto, startRegistry, type Service} from '../support/ship-services.js'

/**
 * The real Dockerfile built by a real Docker engine (private dockerd, vfs) FROM a locally made Node base,
 * run read-only as a non-root user; then pushed with ECR-style auth (token from moto's ECR API) into the
 * Debian docker-registry.
 */

const BASE = 'local/node-base:20'
const AWS_ENV = {AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true'}

let docker: PrivateDocker
let app: {dir: string; remove(): Promise<void>}
let project: string
let params: Params
let cloud: CloudConfig
let built: BuildImageResult
let moto: Service
let registry: Service
const savedEnv = {...process.env}

/** The runner with the private daemon's DOCKER_HOST. */
const run: CommandRunner = (file, args, options = {}) => runCommand(file, args, {...options, env: {...docker.env, ...options.env}})

beforeAll(async () => {
  Object.assign(process.env, AWS_ENV)
  ;[docker, app, moto, registry] = await Promise.all([startPrivateDocker(), compileAppRoot(), startMoto(), startRegistry()])
  await importNodeBaseImage(docker, BASE)
  project = await mkdtemp(path.join(os.tmpdir(), 'sentiops-image-'))
  const model = await trainModel(project)
  params = model.params
  await execa('git', ['init', '-q'], {cwd: project})
  await writeFile(path.join(project, 'README.md'), 'image test project\n')
  await execa('git', ['add', 'README.md'], {cwd: project})
  await execa('git', ['-c', 'user.email=ci@example.com', '-c', 'user.name=ci', 'commit', '-qm', 'init'], {cwd: project})
  cloud = validateCloudConfig({
    endpoint_url: moto.url,
    image: {repository: 'sentiops-test', base_image: BASE, platform: ''},
    ecr: {registry_host: `127.0.0.1:${registry.port}`, keep_images: 5},
  })
  built = await buildImage({cwd: project, params, cloud, model: model.dir, appRoot: app.dir, run, reporter: silentReporter})
}, 240_000)

afterAll(async () => {
  process.env = savedEnv
  await Promise.allSettled([docker?.stop(), app?.remove(), moto?.stop(), registry?.stop(), project && rm(project, {recursive: true, force: true})])
}, 60_000)

async function inspect(ref: string): Promise<Record<string, any>> {
  const {stdout} = await execa('docker', ['image', 'inspect', ref], {env: docker.env})
  return JSON.parse(stdout)[0]
}

describe('sentiops build (real docker engine)', () => {
  it('builds a small image tagged with the git sha and the model version, with OCI labels and a non-root user', async () => {
    const sha = (await execa('git', ['rev-parse', 'HEAD'], {cwd: project})).stdout.trim()
    expect(built.tags).toEqual([`sentiops-test:${sha.slice(0, 12)}`, `sentiops-test:sentiment-${built.model.version}`])
    expect(built.model.version).toMatch(/^local-[0-9a-f]{12}$/)
    const image = await inspect(built.imageId!)
    expect(image.RepoTags.sort()).toEqual([...built.tags].sort())
    const labels = image.Config.Labels
    expect(labels['org.opencontainers.image.revision']).toBe(sha)
    expect(labels['io.sentiops.model.name']).toBe('sentiment')
    expect(labels['io.sentiops.model.version']).toBe(built.model.version)
    expect(Date.parse(labels['org.opencontainers.image.created'])).not.toBeNaN()
    expect(image.Config.User).toBe('1000:1000')
    expect(image.Config.Healthcheck.Test.join(' ')).toContain('/v2/health/ready')
    expect(image.Config.Env).toContain('SENTIOPS_MODEL=/app/model')
    // Production files only: the app adds a few MiB on top of the base (no cloud SDKs, no dev tools).
    expect(built.appLayersBytes!).toBeGreaterThan(0)
    expect(built.appLayersBytes!).toBeLessThan(30 * 1048576)
    const files = (await execa('docker', ['run', '--rm', '--network', 'host', '--entrypoint', '/bin/sh', built.imageId!, '-c', 'ls /app/node_modules; ls /app/model'], {env: docker.env})).stdout
    expect(files).toMatch(/fastify/)
    expect(files).toMatch(/bundle\.json/)
    expect(files).not.toMatch(/@aws-sdk|@kubernetes|typescript|vitest|tsx/)
  })

  it('runs read-only as a non-root user, answers /predict, and stops on SIGTERM well within the grace period', async () => {
    const port = await freePort()
    const started = performance.now()
    const {stdout: id} = await execa('docker', ['run', '-d', '--network', 'host', '--read-only', '--user', '1000:1000', '-e', `PORT=${port}`, '-e', 'HOST=127.0.0.1', built.imageId!], {env: docker.env})
    try {
      let ready = false
      while (!ready && performance.now() - started < 30_000) {
        ready = await fetch(`http://127.0.0.1:${port}/v2/health/ready`).then(r => r.ok, () => false)
        if (!ready) await new Promise(r => setTimeout(r, 100))
      }
      const startToReady = performance.now() - started
      expect(ready).toBe(true)
      const answer = await fetch(`http://127.0.0.1:${port}/predict`, {method: 'POST', headers: {'content-type': 'application/json'}, body: JSON.stringify({text: 'a wonderful, moving film. I loved it'})})
      expect(answer.status).toBe(200)
      const body = (await answer.json()) as {label: string; score: number; probabilities: Record<string, number>}
      expect(body.label).toBe('positive')
      expect(Object.keys(body.probabilities).sort()).toEqual(['negative', 'positive'])
      const stopStarted = performance.now()
      await execa('docker', ['stop', '--time', String(Math.ceil(params.serve.grace_period_ms / 1000)), id], {env: docker.env})
      const stopMs = performance.now() - stopStarted
      const {stdout: exitCode} = await execa('docker', ['inspect', '--format', '{{.State.ExitCode}}', id], {env: docker.env})
      expect(exitCode).toBe('0')
      expect(stopMs).toBeLessThan(params.serve.grace_period_ms / 2)
      process.stderr.write(`[figures] image ${(built.sizeBytes! / 1048576).toFixed(1)} MiB, app layers ${(built.appLayersBytes! / 1048576).toFixed(1)} MiB, build ${built.buildSeconds} s, start→ready ${Math.round(startToReady)} ms, docker stop ${Math.round(stopMs)} ms\n`)
    } finally {
      await execa('docker', ['rm', '-f', id], {env: docker.env, reject: false})
    }
  })

  it('fails with one line naming Docker when the daemon is not reachable', async () => {
    const down: CommandRunner = (file, args, options = {}) => runCommand(file, args, {...options, env: {DOCKER_HOST: `unix://${project}/no-such.sock`}})
    const error = await buildImage({cwd: project, params, cloud, model: path.join(project, 'models/model'), appRoot: app.dir, run: down}).catch(e => e)
    expect(error).toBeInstanceOf(ExternalError)
    expect(error.exitCode).toBe(4)
    expect(error.message).toMatch(/^Docker is not running or not reachable/)
    expect(error.suggestions.join(' ')).toMatch(/DOCKER_HOST/)
  })

  it('--dry-run shows the exact build command and touches nothing', async () => {
    const plan = await buildImage({cwd: project, params, cloud, model: path.join(project, 'models/model'), dryRun: true, run})
    const command = String(plan.plan.find(s => s.action === 'docker build')?.detail?.command)
    expect(command).toMatch(/^docker build --file \S+Dockerfile --iidfile \S+ --build-arg BASE_IMAGE=local\/node-base:20 /)
    expect(command).toContain(`--tag sentiops-test:sentiment-${built.model.version}`)
    expect(plan.imageId).toBeUndefined()
  })
})

describe('sentiops push: ECR API (moto) + registry with ECR-style auth', () => {
  const ecr = () => new ECRClient({region: 'us-east-1', endpoint: moto.url})

  /** What ECR itself does on a push: record the manifest under its tag (moto has no /v2 of its own). */
  async function registerPushInEcr(repository: string, tag: string): Promise<string> {
    const auth = `Basic ${Buffer.from(`AWS:${MOTO_ECR_PASSWORD}`).toString('base64')}`
    const response = await fetch(`${registry.url}/v2/${repository}/manifests/${tag}`, {headers: {authorization: auth, accept: 'application/vnd.docker.distribution.manifest.v2+json'}})
    expect(response.status).toBe(200)
    const digest = response.headers.get('docker-content-digest')!
    await ecr().send(new PutImageCommand({repositoryName: repository, imageTag: tag, imageManifest: await response.text(), imageDigest: digest}))
    return digest
  }

  it('creates the repository (immutable, scan on push, lifecycle policy), logs in with the ECR token and pushes every tag', async () => {
    const result = await pushImage({cwd: project, cloud, images: built.tags, run, reporter: silentReporter})
    expect(result.repositoryCreated).toBe(true)
    expect(result.images.map(i => i.ref)).toEqual(built.tags.map(t => `127.0.0.1:${registry.port}/${t}`))
    for (const image of result.images) expect(image.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    const {repositories} = await ecr().send(new DescribeRepositoriesCommand({repositoryNames: ['sentiops-test']}))
    expect(repositories?.[0]?.imageTagMutability).toBe('IMMUTABLE')
    expect(repositories?.[0]?.imageScanningConfiguration?.scanOnPush).toBe(true)
    const policy = await ecr().send(new GetLifecyclePolicyCommand({repositoryName: 'sentiops-test'}))
    expect(JSON.parse(policy.lifecyclePolicyText!).rules[0].selection).toEqual({tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 5})
    for (const image of result.images) expect(await registerPushInEcr('sentiops-test', image.tag)).toBe(image.digest)
    const ledger = await Ledger.open(path.join(project, cloud.state_file), cloud.project)
    expect(ledger.entries.map(e => `${e.type}:${e.state}`).sort()).toEqual(['ecr-image:created', 'ecr-image:created', 'ecr-repository:created'])
    // The password went through stdin only: nothing the plan shows carries it.
    expect(JSON.stringify(result.plan)).not.toContain(MOTO_ECR_PASSWORD)
  })

  it('pushing the same build again sends nothing; another image under an existing immutable tag is refused', async () => {
    const again = await pushImage({cwd: project, cloud, images: built.tags, run})
    expect(again.images.every(i => i.alreadyPresent)).toBe(true)
    await execa('docker', ['tag', BASE, built.tags[1]!], {env: docker.env})
    try {
      const error = await pushImage({cwd: project, cloud, images: [built.tags[1]!], run}).catch(e => e)
      expect(error).toBeInstanceOf(UserError)
      expect(error.exitCode).toBe(1)
      expect(error.message).toMatch(new RegExp(`^tag ${built.tags[1]!.split(':')[1]} already exists in the immutable ECR repository sentiops-test`))
    } finally {
      await execa('docker', ['tag', built.imageId!, built.tags[1]!], {env: docker.env})
    }
  })

  it('without AWS credentials: one line saying so, before any work', async () => {
    const saved = {...process.env}
    try {
      delete process.env.AWS_ACCESS_KEY_ID
      delete process.env.AWS_SECRET_ACCESS_KEY
      process.env.AWS_PROFILE = 'sentiops-no-such-profile'
      process.env.AWS_CONFIG_FILE = path.join(project, 'no-aws-config')
      process.env.AWS_SHARED_CREDENTIALS_FILE = path.join(project, 'no-aws-credentials')
      const error = await pushImage({cwd: project, cloud, images: built.tags, run}).catch(e => e)
      expect(error).toBeInstanceOf(UserError)
      expect(error.message).toMatch(/^no AWS credentials found/)
      expect(error.suggestions.join(' ')).toMatch(/AWS_PROFILE/)
    } finally {
      process.env = saved
    }
  })

  it('--dry-run lists the API calls and commands with the password masked', async () => {
    const plan = await pushImage({cwd: project, cloud, images: built.tags, dryRun: true})
    const text = JSON.stringify(plan.plan)
    expect(plan.plan.map(s => s.action)).toEqual([
      'ECR DescribeRepositories', 'ECR CreateRepository (when missing)', 'ECR PutImageTagMutability', 'ECR PutImageScanningConfiguration', 'ECR PutLifecyclePolicy',
      'ECR DescribeImages', 'ECR DescribeImages', 'ECR GetAuthorizationToken', 'docker login', 'docker tag', 'docker push', 'docker tag', 'docker push',
    ])
    expect(text).toContain('--password-stdin')
    expect(text).toContain('<<< ***')
    expect(text).not.toContain(MOTO_ECR_PASSWORD)
  })

  it('the pushed image is pullable with the same credentials', async () => {
    const config = await mkdtemp(path.join(os.tmpdir(), 'sentiops-pull-'))
    try {
      const ref = `127.0.0.1:${registry.port}/${built.tags[0]}`
      await execa('docker', ['--config', config, 'login', '--username', 'AWS', '--password-stdin', `127.0.0.1:${registry.port}`], {env: docker.env, input: MOTO_ECR_PASSWORD})
      await execa('docker', ['image', 'rm', ref], {env: docker.env})
      await execa('docker', ['--config', config, 'pull', ref], {env: docker.env})
      expect((await inspect(ref)).Id).toBe(built.imageId)
      expect(await readFile(path.join(config, 'config.json'), 'utf8')).toContain(`127.0.0.1:${registry.port}`)
    } finally {
      await rm(config, {recursive: true, force: true})
    }
  })
})
