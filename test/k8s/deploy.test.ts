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
import {UserError} from '../../src/core/errors.js'
import {silentReporter} from '../../src/core/reporter.js'
import {installFakeEksctl} from '../support/ship-eksctl-fake.js'
import {FakeKubeApi} from '../support/ship-kube-fake.js'
import {startMoto, type Service} from '../support/ship-services.js'

const params = validateParams({})
const GOOD = '127.0.0.1:5000/sentiops:good1'
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

/**
 * The deploy path runs against the real kube-apiserver in deploy-apiserver.test.ts (which also checks that
 * the contract fake refuses what the real server refuses). The fake stays for the teardown below (a cloud
 * load-balancer controller's finalizer together with eksctl and moto) and for clones without ../shared.
 */
describe('deploy with the Kubernetes contract fake', () => {
  it('the fake refuses the masked Secret of a dry run as the real server does (contract fake, HTTP 500)', async () => {
    const fake = await new FakeKubeApi().start()
    const dir = await project()
    try {
      await fake.writeKubeconfig(path.join(dir, 'kubeconfig'))
      const out = path.join(dir, 'rendered')
      await deploy({cwd: dir, cloud: settings(dir, {deploy: {secret_env: ['API_TOKEN'], monitoring: false}}), params, image: GOOD, env: {API_TOKEN: 'hunter2'}, dryRun: true, outputDir: out})
      const files = (await readdir(out)).sort()
      const applied = await kubectl(dir, ['apply', '--server-side', '--field-manager=sentiops', '--validate=false', ...files.flatMap(f => ['-f', path.join(out, f)])])
      expect(applied.exitCode).not.toBe(0)
      expect(applied.all).toMatch(/illegal base64 data/)
      expect(fake.get('Secret', 'sentiops', 'sentiment-api')).toBeUndefined()
      expect(fake.get('Deployment', 'sentiops', 'sentiment-api')!.spec.template.spec.containers[0].image).toBe(GOOD)
    } finally {
      await fake.stop()
      await rm(dir, {recursive: true, force: true})
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

  it('--dry-run lists the safe order; the real run does exactly that, LoadBalancers gone before anything else, and leaves nothing (contract fakes: Kubernetes, eksctl; moto)', async () => {
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

  it('a second run is a no-op that still checks the artifact prefix (contract fakes: Kubernetes, eksctl; moto)', async () => {
    const before = fake.journal.length
    const again = await teardown({cwd: dir, cloud, pollMs: 20})
    expect(again.plan.map(s => s.action)).toEqual(['S3 DeleteObjects'])
    expect(again.deleted).toEqual([])
    expect(again.remaining).toEqual([])
    expect(fake.journal.length).toBe(before)
  })
})
