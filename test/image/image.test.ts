import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {CreateRepositoryCommand, DescribeRepositoriesCommand, GetLifecyclePolicyCommand} from '@aws-sdk/client-ecr'
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
import {daemonPushes, ecrTags, motoEcr, recordPushInEcr} from '../support/ecr-push-record.js'
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
let cloudInput: {endpoint_url: string; image: Record<string, unknown>; ecr: Record<string, unknown>}
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
  cloudInput = {
    endpoint_url: moto.url,
    image: {repository: 'sentiops-test', base_image: BASE, platform: ''},
    ecr: {registry_host: `127.0.0.1:${registry.port}`, keep_images: 5},
  }
  cloud = validateCloudConfig(cloudInput)
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
  it('builds a small image tagged with the git sha and the model version, each ending in the image id, with OCI labels and a non-root user', async () => {
    const sha = (await execa('git', ['rev-parse', 'HEAD'], {cwd: project})).stdout.trim()
    const image = await inspect(built.imageId!)
    const id12 = String(image.Id).replace('sha256:', '').slice(0, 12)
    expect(built.tags).toEqual([`sentiops-test:${sha.slice(0, 12)}-${id12}`, `sentiops-test:sentiment-${built.model.version}-${id12}`])
    expect(built.model.version).toMatch(/^local-[0-9a-f]{12}$/)
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

  it('--dry-run shows the exact build command and the tags, IMAGEID standing for the id, and touches nothing', async () => {
    const sha = (await execa('git', ['rev-parse', 'HEAD'], {cwd: project})).stdout.trim()
    const plan = await buildImage({cwd: project, params, cloud, model: path.join(project, 'models/model'), dryRun: true, run})
    const command = String(plan.plan.find(s => s.action === 'docker build')?.detail?.command)
    expect(command).toMatch(/^docker build --file \S+Dockerfile --iidfile \S+ --build-arg BASE_IMAGE=local\/node-base:20 /)
    expect(command).not.toContain('--tag')
    const tags = [`sentiops-test:${sha.slice(0, 12)}-IMAGEID`, `sentiops-test:sentiment-${built.model.version}-IMAGEID`]
    expect(plan.tags).toEqual(tags)
    expect(plan.plan.filter(s => s.action === 'docker tag').map(s => s.detail?.command)).toEqual(tags.map(t => `docker tag IMAGEID ${t}`))
    expect(plan.imageId).toBeUndefined()
  })
})

describe('sentiops push: ECR API (moto) + registry with ECR-style auth', () => {
  const ecr = () => motoEcr(moto)

  it('creates the repository (immutable, scan on push, lifecycle policy), logs in with the ECR token and pushes every tag', async () => {
    const result = await pushImage({cwd: project, cloud, images: built.tags, run, reporter: silentReporter})
    expect(result.repositoryCreated).toBe(true)
    expect(result.upToDate).toBe(false)
    expect(result.images.map(i => i.ref)).toEqual(built.tags.map(t => `127.0.0.1:${registry.port}/${t}`))
    for (const image of result.images) expect(image.digest).toMatch(/^sha256:[0-9a-f]{64}$/)
    const {repositories} = await ecr().send(new DescribeRepositoriesCommand({repositoryNames: ['sentiops-test']}))
    expect(repositories?.[0]?.imageTagMutability).toBe('IMMUTABLE')
    expect(repositories?.[0]?.imageScanningConfiguration?.scanOnPush).toBe(true)
    const policy = await ecr().send(new GetLifecyclePolicyCommand({repositoryName: 'sentiops-test'}))
    expect(JSON.parse(policy.lifecyclePolicyText!).rules[0].selection).toEqual({tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 5})
    for (const image of result.images) expect(await recordPushInEcr(registry, moto, 'sentiops-test', image.tag)).toBe(image.digest)
    const ledger = await Ledger.open(path.join(project, cloud.state_file), cloud.project)
    expect(ledger.entries.map(e => `${e.type}:${e.state}`).sort()).toEqual(['ecr-image:created', 'ecr-image:created', 'ecr-repository:created'])
    // The password went through stdin only: nothing the plan shows carries it.
    expect(JSON.stringify(result.plan)).not.toContain(MOTO_ECR_PASSWORD)
  })

  it('pushing the same image again, from a machine without the ledger, is a no-op: no login, nothing sent', async () => {
    await rm(path.join(project, cloud.state_file), {force: true})
    const since = Date.now() / 1000
    const again = await pushImage({cwd: project, cloud, images: built.tags, run})
    expect(again.upToDate).toBe(true)
    expect(again.images.map(i => [i.ref, i.alreadyPresent])).toEqual(built.tags.map(t => [`127.0.0.1:${registry.port}/${t}`, true]))
    expect(again.plan.map(s => s.action)).toEqual(['ECR DescribeRepositories', 'ECR BatchGetImage'])
    expect(await daemonPushes(docker.env, since)).toEqual([])
  })

  it('refuses a tag that ECR holds with another image, naming both, and pushes nothing', async () => {
    await execa('docker', ['tag', BASE, built.tags[1]!], {env: docker.env})
    const since = Date.now() / 1000
    try {
      const error = await pushImage({cwd: project, cloud, images: built.tags, run}).catch(e => e)
      expect(error).toBeInstanceOf(UserError)
      expect(error.exitCode).toBe(1)
      const tag = built.tags[1]!.split(':')[1]!
      const held = (await ecrTags(moto, 'sentiops-test'))[tag]!
      const baseId = (await inspect(BASE)).Id
      expect(error.message).toMatch(new RegExp(`^tag ${tag} already exists in ECR repository sentiops-test with another image \\(${held}, config ${built.imageId}\\), not ${built.tags[1]} \\(${baseId}\\); push never replaces a tag$`))
      expect(await daemonPushes(docker.env, since)).toEqual([])
    } finally {
      await execa('docker', ['tag', built.imageId!, built.tags[1]!], {env: docker.env})
    }
  })

  it('refuses an existing repository whose tag mutability differs, and leaves it as it was', async () => {
    await ecr().send(new CreateRepositoryCommand({repositoryName: 'sentiops-mutable', imageTagMutability: 'MUTABLE'}))
    const mutable = validateCloudConfig({...cloudInput, image: {...cloudInput.image, repository: 'sentiops-mutable'}})
    const error = await pushImage({cwd: project, cloud: mutable, images: built.tags, run}).catch(e => e)
    expect(error).toBeInstanceOf(UserError)
    expect(error.message).toBe("ECR repository sentiops-mutable exists with MUTABLE tags but cloud.ecr.immutable_tags wants IMMUTABLE; sentiops does not change an existing repository's tag mutability")
    expect(error.suggestions.join(' ')).toContain('aws ecr put-image-tag-mutability --repository-name sentiops-mutable --image-tag-mutability IMMUTABLE')
    const {repositories} = await ecr().send(new DescribeRepositoriesCommand({repositoryNames: ['sentiops-mutable']}))
    expect(repositories?.[0]?.imageTagMutability).toBe('MUTABLE')
    expect(await ecrTags(moto, 'sentiops-mutable')).toEqual({})
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

  it('--dry-run lists the API calls and commands, with the tags, and the password masked', async () => {
    const plan = await pushImage({cwd: project, cloud, images: built.tags, dryRun: true})
    const text = JSON.stringify(plan.plan)
    expect(plan.plan.map(s => s.action)).toEqual([
      'ECR DescribeRepositories', 'ECR CreateRepository (when missing)', 'ECR PutImageScanningConfiguration (when different)', 'ECR PutLifecyclePolicy (when different)',
      'ECR BatchGetImage', 'ECR GetAuthorizationToken (when a tag is missing)', 'docker login',
      'docker tag (when missing)', 'docker push (when missing)', 'docker tag (when missing)', 'docker push (when missing)',
    ])
    const tags = built.tags.map(t => t.split(':')[1])
    expect(plan.plan.find(s => s.action === 'ECR BatchGetImage')?.target).toBe(`sentiops-test:${tags.join(',')}`)
    expect(plan.plan.filter(s => s.action.startsWith('docker push')).map(s => s.target)).toEqual(built.tags.map(t => `127.0.0.1:${registry.port}/${t}`))
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
