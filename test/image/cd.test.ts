import {chmod, mkdir, mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import YAML from 'yaml'
import {openStores, registerModel} from '../../src/core/tracking/index.js'
import {trainModel} from '../serve/support/model.js'
import {daemonPushes, ecrTags, recordPushInEcr} from '../support/ecr-push-record.js'
import {compileAppRoot, REPO_ROOT} from '../support/ship-app.js'
import {importNodeBaseImage, startPrivateDocker, type PrivateDocker} from '../support/ship-docker.js'
import {startMoto, startRegistry, type Service} from '../support/ship-services.js'

/**
 * The CD job's own build and push steps (their `run:` scripts, read from .github/workflows/cd.yml) on two
 * commits that keep the same champion, then re-run: a real Docker engine, the Debian docker-registry as ECR's
 * registry and moto as ECR's API, joined by recording each push in moto (moto refuses a second image under an
 * immutable tag, as ECR does).
 */

const BASE = 'local/node-base:20'
const REPOSITORY = 'sentiops-cd'

type Step = {name?: string; run?: string}
interface PushJson {
  status: string
  result: {upToDate: boolean; images: Array<{tag: string; ref: string; digest?: string; alreadyPresent: boolean}>}
}

let docker: PrivateDocker
let app: {dir: string; remove(): Promise<void>}
let moto: Service
let registry: Service
let project: string
let work: string
let buildScript: string
let pushScript: string

beforeAll(async () => {
  ;[docker, app, moto, registry] = await Promise.all([startPrivateDocker(), compileAppRoot(), startMoto(), startRegistry()])
  await importNodeBaseImage(docker, BASE)
  work = await mkdtemp(path.join(os.tmpdir(), 'sentiops-cd-'))
  project = path.join(work, 'checkout')
  await mkdir(project)
  const model = await trainModel(project)
  await registerModel({stores: openStores({cwd: project, env: {}}), name: 'sentiment', bundleDir: model.dir, alias: 'champion', cwd: project, env: {}})
  await writeFile(path.join(project, 'params.yaml'), YAML.stringify({
    cloud: {
      endpoint_url: moto.url,
      image: {repository: REPOSITORY, base_image: BASE, platform: ''},
      ecr: {registry_host: `127.0.0.1:${registry.port}`, keep_images: 5},
    },
  }))
  await writeFile(path.join(project, 'README.md'), 'cd test project\n')
  await git('init', '-q')
  await git('add', 'params.yaml', 'README.md')
  await commit('first')

  const steps = (YAML.parse(await readFile(path.join(REPO_ROOT, '.github', 'workflows', 'cd.yml'), 'utf8')) as {jobs: {deploy: {steps: Step[]}}}).jobs.deploy.steps
  buildScript = steps.find(s => /\bsentiops build\b/.test(s.run ?? ''))!.run!
  pushScript = steps.find(s => /\bsentiops push\b/.test(s.run ?? ''))!.run!
  // `npx sentiops` as the runner resolves it, here the freshly compiled copy of this checkout.
  await writeFile(path.join(work, 'npx'), `#!/bin/sh\n[ "$1" = sentiops ] || { echo "npx: only sentiops here" >&2; exit 127; }\nshift\nexec "${process.execPath}" "${app.dir}/bin/run.js" "$@"\n`)
  await chmod(path.join(work, 'npx'), 0o755)
}, 300_000)

afterAll(async () => {
  await Promise.allSettled([docker?.stop(), app?.remove(), moto?.stop(), registry?.stop(), work && rm(work, {recursive: true, force: true})])
}, 60_000)

async function git(...args: string[]): Promise<string> {
  return (await execa('git', args, {cwd: project})).stdout.trim()
}

async function commit(message: string): Promise<string> {
  await git('-c', 'user.email=ci@example.com', '-c', 'user.name=ci', 'commit', '-qam', message)
  return git('rev-parse', 'HEAD')
}

/**
 * Runs one step's script as the runner does (`bash -e`), with the job's environment. GITHUB_SHA is
 * `staleSha`: in a workflow_run job it names the default branch's newest commit, not the checked-out one.
 */
async function runStep(script: string, staleSha: string): Promise<{code: number; output: string; summary: string}> {
  const runnerTemp = path.join(work, 'runner-temp')
  await mkdir(runnerTemp, {recursive: true})
  const summary = path.join(runnerTemp, 'summary.md')
  await writeFile(summary, '')
  const env: Record<string, string> = {}
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('SENTIOPS_') && !k.startsWith('GITHUB_')) env[k] = v
  Object.assign(env, docker.env, {
    PATH: `${work}:${process.env.PATH}`,
    AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true',
    MLFLOW_TRACKING_URI: path.join(project, 'mlruns'),
    RUNNER_TEMP: runnerTemp, GITHUB_STEP_SUMMARY: summary, GITHUB_SHA: staleSha,
  })
  const file = path.join(work, 'step.sh')
  await writeFile(file, script)
  const r = await execa('bash', ['-e', file], {cwd: project, env, extendEnv: false, reject: false, all: true})
  return {code: r.exitCode ?? -1, output: r.all ?? '', summary: await readFile(summary, 'utf8')}
}

/** A runner starts from a fresh checkout: no ledger, no record of a previous build or push. */
async function freshRunner(): Promise<void> {
  await rm(path.join(project, '.sentiops'), {recursive: true, force: true})
}

/** build → push as the CD job runs them, then ECR's side of the push; returns what push reported. */
async function cdRun(staleSha: string): Promise<{built: string[]; pushed: PushJson}> {
  await freshRunner()
  const build = await runStep(buildScript, staleSha)
  expect(build.code, build.output).toBe(0)
  const built = (JSON.parse(await readFile(path.join(work, 'runner-temp', 'build.json'), 'utf8')) as {result: {tags: string[]}}).result.tags
  const push = await runStep(pushScript, staleSha)
  expect(push.code, push.output).toBe(0)
  const pushed = JSON.parse(await readFile(path.join(work, 'runner-temp', 'push.json'), 'utf8')) as PushJson
  for (const image of pushed.result.images.filter(i => !i.alreadyPresent)) {
    expect(await recordPushInEcr(registry, moto, REPOSITORY, image.tag)).toBe(image.digest)
  }
  return {built, pushed}
}

/** The Docker daemon's id of a local reference. */
async function imageId(ref: string): Promise<string> {
  return (await execa('docker', ['image', 'inspect', '--format', '{{.Id}}', ref], {env: docker.env})).stdout.trim()
}

describe('CD twice with the same champion (cd.yml steps, real docker engine + registry + moto ECR)', () => {
  const seen: Record<string, string> = {}

  it('commit 1: build and push the champion under tags that end in the image id', async () => {
    const sha = await git('rev-parse', 'HEAD')
    const {built, pushed} = await cdRun(sha)
    const id = (await imageId(built[0]!)).replace('sha256:', '').slice(0, 12)
    expect(built).toEqual([`${REPOSITORY}:${sha.slice(0, 12)}-${id}`, `${REPOSITORY}:sentiment-1-${id}`])
    expect(pushed.status).toBe('ok')
    expect(pushed.result.upToDate).toBe(false)
    expect(pushed.result.images.map(i => [i.ref, i.alreadyPresent])).toEqual(built.map(t => [`127.0.0.1:${registry.port}/${t}`, false]))
    Object.assign(seen, await ecrTags(moto, REPOSITORY))
    expect(Object.keys(seen).sort()).toEqual(built.map(t => t.split(':')[1]).sort())
  }, 300_000)

  it('commit 2, same champion: new tags, the push succeeds, and commit 1 images stay as they were', async () => {
    const previous = await git('rev-parse', 'HEAD')
    await writeFile(path.join(project, 'README.md'), 'cd test project, second commit\n')
    const sha = await commit('second')
    const {built, pushed} = await cdRun(previous)
    const id = (await imageId(built[0]!)).replace('sha256:', '').slice(0, 12)
    expect(built).toEqual([`${REPOSITORY}:${sha.slice(0, 12)}-${id}`, `${REPOSITORY}:sentiment-1-${id}`])
    expect(pushed.result.images.every(i => !i.alreadyPresent)).toBe(true)
    const tags = await ecrTags(moto, REPOSITORY)
    expect(Object.keys(tags)).toHaveLength(4)
    for (const [tag, digest] of Object.entries(seen)) expect(tags[tag]).toBe(digest)
    Object.assign(seen, tags)
  }, 300_000)

  it('re-running the push step is a no-op that exits 0, says so in --json, and sends nothing', async () => {
    await rm(path.join(project, '.sentiops', 'state.json'), {force: true})
    const since = Date.now() / 1000
    const again = await runStep(pushScript, await git('rev-parse', 'HEAD'))
    expect(again.code, again.output).toBe(0)
    const pushed = JSON.parse(await readFile(path.join(work, 'runner-temp', 'push.json'), 'utf8')) as PushJson
    expect(pushed.result.upToDate).toBe(true)
    expect(pushed.result.images.map(i => [i.alreadyPresent, i.digest])).toEqual(pushed.result.images.map(i => [true, seen[i.tag]]))
    expect(again.summary.trim().split('\n').map(l => l.split(' ').slice(2).join(' '))).toEqual(['already in ECR', 'already in ECR'])
    expect(await daemonPushes(docker.env, since)).toEqual([])
  }, 120_000)

  it('re-running the whole job on the same commit rebuilds under new tags and pushes', async () => {
    const sha = await git('rev-parse', 'HEAD')
    const {built, pushed} = await cdRun(sha)
    expect(built.every(t => !(t.split(':')[1]! in seen))).toBe(true)
    expect(built[0]!.startsWith(`${REPOSITORY}:${sha.slice(0, 12)}-`)).toBe(true)
    expect(pushed.result.images.every(i => !i.alreadyPresent)).toBe(true)
    expect(Object.keys(await ecrTags(moto, REPOSITORY))).toHaveLength(6)
  }, 300_000)
})
