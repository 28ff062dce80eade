import {mkdtemp, readdir, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {CreateRepositoryCommand, ECRClient} from '@aws-sdk/client-ecr'
import {CreateClusterCommand, EKSClient} from '@aws-sdk/client-eks'
import {CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client} from '@aws-sdk/client-s3'
import {execa} from 'execa'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {validateCloudConfig, type CloudConfig} from '../../src/core/cloud/config.js'
import {deploy} from '../../src/core/cloud/deploy.js'
import {Ledger} from '../../src/core/cloud/ledger.js'
import {teardown} from '../../src/core/cloud/teardown.js'
import {validateParams} from '../../src/core/config/index.js'
import {ExternalError, UserError} from '../../src/core/errors.js'
import {silentReporter} from '../../src/core/reporter.js'
import {installFakeEksctl} from '../support/ship-eksctl-fake.js'
import {FakeKubeApi} from '../support/ship-kube-fake.js'
import {startMoto, type Service} from '../support/ship-services.js'

const params = validateParams({})
const GOOD = '127.0.0.1:5000/sentiops:good1'
const NEXT = '127.0.0.1:5000/sentiops:good2'
const BROKEN = '127.0.0.1:5000/sentiops:broken'
const AWS_ENV = {AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true'}

async function project(): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), 'sentiops-deploy-'))
}

function settings(dir: string, extra: Record<string, any> = {}): CloudConfig {
  return validateCloudConfig({
    state_file: '.sentiops/state.json',
    cluster: {kubeconfig: path.join(dir, 'kubeconfig')},
    ...extra,
    deploy: {rollout_timeout_s: 5, ...extra.deploy},
  })
}

function kubectl(dir: string, args: string[]) {
  return execa('kubectl', args, {env: {...process.env, KUBECONFIG: path.join(dir, 'kubeconfig')}, reject: false, all: true})
}

describe('deploy against a Kubernetes API (contract fake) with client-node and the real kubectl', () => {
  let fake: FakeKubeApi
  let dir: string
  let cloud: CloudConfig

  beforeAll(async () => {
    fake = await new FakeKubeApi({monitoringCrds: true, readyAfterMs: 100, progressDeadlineMs: 300, neverReady: /:broken$/}).start()
    dir = await project()
    await fake.writeKubeconfig(path.join(dir, 'kubeconfig'))
    cloud = settings(dir, {deploy: {secret_env: ['API_TOKEN']}})
  })

  afterAll(async () => {
    await fake.stop()
    await rm(dir, {recursive: true, force: true})
  })

  it('applies every object with server-side apply as field manager sentiops, waits for the rollout, reports the LoadBalancer', async () => {
    const result = await deploy({cwd: dir, cloud, params, image: GOOD, env: {API_TOKEN: 'hunter2'}, pollMs: 25, reporter: silentReporter})
    expect(result.loadBalancer).toMatch(/\.elb\.us-east-1\.amazonaws\.com$/)
    expect(result.previousImage).toBeUndefined()
    expect(result.skipped).toEqual([])
    const applied = fake.journal.filter(j => j.verb === 'apply')
    expect(applied.map(j => `${j.kind}/${j.name}`)).toEqual([
      'Namespace/sentiops', 'ConfigMap/sentiment-api', 'Secret/sentiment-api', 'Deployment/sentiment-api', 'Service/sentiment-api',
      'HorizontalPodAutoscaler/sentiment-api', 'PodDisruptionBudget/sentiment-api', 'ServiceMonitor/sentiment-api', 'PrometheusRule/sentiment-api', 'ConfigMap/sentiment-api-dashboard',
    ])
    expect(new Set(applied.map(j => j.fieldManager))).toEqual(new Set(['sentiops']))
    expect(JSON.stringify(result)).not.toContain(Buffer.from('hunter2').toString('base64'))
    // The real kubectl sees the same state through the same kubeconfig.
    const got = await kubectl(dir, ['-n', 'sentiops', 'get', 'deployment', 'sentiment-api', '-o', 'json', '--show-managed-fields'])
    expect(got.exitCode, got.all).toBe(0)
    const live = JSON.parse(got.stdout)
    expect(live.spec.template.spec.containers[0].image).toBe(GOOD)
    expect(live.metadata.managedFields[0].manager).toBe('sentiops')
    const status = await kubectl(dir, ['-n', 'sentiops', 'rollout', 'status', 'deployment/sentiment-api', '--timeout=10s'])
    expect(status.all).toMatch(/successfully rolled out/)
    const ledger = await Ledger.open(path.join(dir, '.sentiops/state.json'), 'sentiops')
    expect(ledger.entries.filter(e => e.type === 'kubernetes' && e.loadBalancer).map(e => (e as {name: string}).name)).toEqual(['sentiment-api'])
    expect(ledger.entries.every(e => e.state === 'created')).toBe(true)
  })

  it('a rollout that never becomes ready is rolled back to the previous image; exit code 4 names both', async () => {
    const error = await deploy({cwd: dir, cloud, params, image: BROKEN, env: {API_TOKEN: 'hunter2'}, pollMs: 25}).catch(e => e)
    expect(error).toBeInstanceOf(ExternalError)
    expect(error.exitCode).toBe(4)
    expect(error.message).toMatch(new RegExp(`^rollout of ${BROKEN} failed: .*timed out progressing.*; rolled back to ${GOOD}$`))
    expect(fake.get('Deployment', 'sentiops', 'sentiment-api')!.spec.template.spec.containers[0].image).toBe(GOOD)
    const status = await kubectl(dir, ['-n', 'sentiops', 'rollout', 'status', 'deployment/sentiment-api', '--timeout=10s'])
    expect(status.all).toMatch(/successfully rolled out/)
    const last = fake.journal.filter(j => j.kind === 'Deployment' && j.verb === 'apply').at(-1)
    expect(last?.fieldManager).toBe('sentiops')
  })

  it('a good new image rolls forward and reports what it replaced', async () => {
    const result = await deploy({cwd: dir, cloud, params, image: NEXT, env: {API_TOKEN: 'hunter2'}, pollMs: 25})
    expect(result.previousImage).toBe(GOOD)
    expect(fake.get('Deployment', 'sentiops', 'sentiment-api')!.spec.template.spec.containers[0].image).toBe(NEXT)
  })

  it('--dry-run --output-dir writes manifests the real kubectl applies server-side (Secret values masked)', async () => {
    const out = path.join(dir, 'rendered')
    const plan = await deploy({cwd: dir, cloud: settings(dir, {deploy: {namespace: 'kubectl-ns', secret_env: ['API_TOKEN']}}), params, image: GOOD, env: {API_TOKEN: 'hunter2'}, dryRun: true, outputDir: out})
    expect(plan.plan.filter(s => s.action === 'apply')).toHaveLength(10)
    expect((await readdir(out)).sort()[0]).toBe('01-namespace-kubectl-ns.yaml')
    // The fake does not serve OpenAPI, so kubectl's client-side schema check is off; the schemas are checked
    // with kubernetes-models in manifests.test.ts.
    const applied = await kubectl(dir, ['apply', '--server-side', '--field-manager=sentiops', '--validate=false', '-f', out])
    expect(applied.exitCode, applied.all).toBe(0)
    expect(applied.stdout.split('\n').filter(l => l.endsWith('serverside-applied'))).toHaveLength(10)
    expect(Buffer.from(fake.get('Secret', 'kubectl-ns', 'sentiment-api')!.data.API_TOKEN, 'base64').toString()).not.toBe('hunter2')
  })

  it('without the kube-prometheus-stack CRDs the monitoring objects are skipped with a warning', async () => {
    const plain = await new FakeKubeApi({readyAfterMs: 20}).start()
    const other = await project()
    try {
      await plain.writeKubeconfig(path.join(other, 'kubeconfig'))
      const warnings: string[] = []
      const result = await deploy({cwd: other, cloud: settings(other), params, image: GOOD, pollMs: 25, reporter: {...silentReporter, warn: m => warnings.push(m)}})
      expect(result.skipped).toEqual(['ServiceMonitor sentiops/sentiment-api', 'PrometheusRule sentiops/sentiment-api'])
      expect(warnings.join('\n')).toMatch(/monitoring\.coreos\.com/)
    } finally {
      await plain.stop()
      await rm(other, {recursive: true, force: true})
    }
  })

  it('no kubeconfig: one line naming the file and how to get one', async () => {
    const other = await project()
    try {
      const error = await deploy({cwd: other, cloud: settings(other), params, image: GOOD}).catch(e => e)
      expect(error).toBeInstanceOf(UserError)
      expect(error.message).toBe(`no kubeconfig at ${path.join(other, 'kubeconfig')}`)
      expect(error.suggestions.join(' ')).toMatch(/sentiops cluster create/)
    } finally {
      await rm(other, {recursive: true, force: true})
    }
  })
})

describe('teardown: Kubernetes (contract fake), eksctl (contract fake), ECR/EKS/S3 (moto)', () => {
  let fake: FakeKubeApi
  let moto: Service
  let dir: string
  let cloud: CloudConfig
  const saved = {...process.env}

  beforeAll(async () => {
    ;[fake, moto] = await Promise.all([new FakeKubeApi({readyAfterMs: 20, loadBalancerCleanupMs: 400}).start(), startMoto()])
    dir = await project()
    const eksctl = await installFakeEksctl(dir)
    Object.assign(process.env, AWS_ENV, {AWS_ENDPOINT_URL: moto.url, PATH: `${eksctl.binDir}${path.delimiter}${process.env.PATH}`})
    await fake.writeKubeconfig(path.join(dir, 'kubeconfig'))
    cloud = settings(dir, {endpoint_url: moto.url, cluster: {name: 'doomed', kubeconfig: path.join(dir, 'kubeconfig')}, artifacts: {bucket: 'sentiops-artifacts', prefix: 'sentiops/'}})

    // What earlier commands left behind: a deployment, an ECR repository, an EKS cluster, S3 artifacts.
    await deploy({cwd: dir, cloud, params, image: GOOD, pollMs: 20})
    const ledger = await Ledger.open(path.join(dir, cloud.state_file), cloud.project)
    await new ECRClient({region: 'us-east-1', endpoint: moto.url}).send(new CreateRepositoryCommand({repositoryName: 'sentiops'}))
    await ledger.confirm({type: 'ecr-repository', region: 'us-east-1', name: 'sentiops'})
    await ledger.confirm({type: 'ecr-image', region: 'us-east-1', repository: 'sentiops', tag: 'good1'})
    await new EKSClient({region: 'us-east-1', endpoint: moto.url}).send(new CreateClusterCommand({name: 'doomed', roleArn: 'arn:aws:iam::123456789012:role/r', resourcesVpcConfig: {subnetIds: ['subnet-1']}}))
    await ledger.confirm({type: 'eks-cluster', region: 'us-east-1', name: 'doomed'})
    const s3 = new S3Client({region: 'us-east-1', endpoint: moto.url, forcePathStyle: true})
    await s3.send(new CreateBucketCommand({Bucket: 'sentiops-artifacts'}))
    for (const Key of ['sentiops/mlruns/1/model.json', 'sentiops/data/train.csv', 'someone-else/keep.txt']) await s3.send(new PutObjectCommand({Bucket: 'sentiops-artifacts', Key, Body: 'x'}))
  }, 60_000)

  afterAll(async () => {
    process.env = saved
    await Promise.allSettled([fake?.stop(), moto?.stop(), dir && rm(dir, {recursive: true, force: true})])
  })

  it('--dry-run lists the safe order; the real run does exactly that, LoadBalancers gone before anything else, and leaves nothing', async () => {
    const dry = await teardown({cwd: dir, cloud, dryRun: true})
    expect(dry.plan.map(s => `${s.kind} ${s.action} ${s.target}`)).toEqual([
      'kubernetes delete Service sentiops/sentiment-api',
      'wait until deleted (cloud load balancer released) Service sentiops/sentiment-api',
      'kubernetes delete ConfigMap sentiops/sentiment-api-dashboard',
      'kubernetes delete PodDisruptionBudget sentiops/sentiment-api',
      'kubernetes delete HorizontalPodAutoscaler sentiops/sentiment-api',
      'kubernetes delete Deployment sentiops/sentiment-api',
      'kubernetes delete ConfigMap sentiops/sentiment-api',
      'kubernetes delete Namespace sentiops',
      'wait until deleted Namespace sentiops',
      'command eksctl delete cluster EKS cluster doomed (us-east-1)',
      'aws ECR DeleteRepository (force, with its images) sentiops',
      'aws S3 DeleteObjects s3://sentiops-artifacts/sentiops/',
    ])
    expect(fake.journal.filter(j => j.verb === 'delete')).toEqual([])

    const result = await teardown({cwd: dir, cloud, pollMs: 20, reporter: silentReporter})
    expect(result.plan).toEqual(dry.plan)
    expect(result.failures).toEqual([])
    expect(result.remaining).toEqual([])
    expect(result.deleted).toHaveLength(12)

    // The load balancer was released (the Service really left) before any other object was deleted.
    const events = fake.journal.filter(j => j.verb === 'delete' || j.verb === 'removed').map(j => `${j.verb} ${j.kind}`)
    expect(events.slice(0, 3)).toEqual(['delete Service', 'removed Service', 'delete ConfigMap'])
    expect(fake.list()).toEqual([])
    const s3 = new S3Client({region: 'us-east-1', endpoint: moto.url, forcePathStyle: true})
    const left = await s3.send(new ListObjectsV2Command({Bucket: 'sentiops-artifacts'}))
    expect(left.Contents?.map(o => o.Key)).toEqual(['someone-else/keep.txt'])
    expect((await Ledger.open(path.join(dir, cloud.state_file), cloud.project)).entries).toEqual([])
  })

  it('a second run is a no-op that still checks the artifact prefix', async () => {
    const before = fake.journal.length
    const again = await teardown({cwd: dir, cloud, pollMs: 20})
    expect(again.plan.map(s => s.action)).toEqual(['S3 DeleteObjects'])
    expect(again.deleted).toEqual([])
    expect(again.remaining).toEqual([])
    expect(fake.journal.length).toBe(before)
  })
})
