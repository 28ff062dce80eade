import {mkdtemp, rm} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {CreateRepositoryCommand, DescribeRepositoriesCommand, ECRClient} from '@aws-sdk/client-ecr'
import {DescribeSecurityGroupsCommand, DescribeVolumesCommand, EC2Client} from '@aws-sdk/client-ec2'
import {DescribeClusterCommand, EKSClient} from '@aws-sdk/client-eks'
import {DescribeLoadBalancersCommand, ElasticLoadBalancingV2Client} from '@aws-sdk/client-elastic-load-balancing-v2'
import {ListObjectsV2Command, PutObjectCommand, S3Client} from '@aws-sdk/client-s3'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {validateCloudConfig, type CloudConfig} from '../../src/core/cloud/config.js'
import {deploy} from '../../src/core/cloud/deploy.js'
import {AwsInventory, type Found} from '../../src/core/cloud/inventory.js'
import {Ledger} from '../../src/core/cloud/ledger.js'
import type {PlanStep} from '../../src/core/cloud/plan.js'
import {discover, planSweep} from '../../src/core/cloud/sweep.js'
import {teardown} from '../../src/core/cloud/teardown.js'
import {validateParams} from '../../src/core/config/index.js'
import {plantBehindTheLedger, type Planted} from '../support/aws-plant.js'
import {startAwsRecorder, type AwsRecorder} from '../support/aws-recorder.js'
import {installFakeEksctl} from '../support/ship-eksctl-fake.js'
import {FakeKubeApi} from '../support/ship-kube-fake.js'
import {startMoto, type Service} from '../support/ship-services.js'

const AWS_ENV = {AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true'}
const REGION = {region: 'us-east-1'}

describe('planSweep: what goes with its owner and what is left for deletion by hand (hand-made findings)', () => {
  const found = (kind: Found['kind'], id: string, tags: Record<string, string> = {}, cluster?: string): Found => ({kind, id, tags, via: ['test'], ...(cluster ? {cluster} : {})})
  const ports = {inventory: () => { throw new Error('not called') }, deleteCluster: async () => true, wait: {timeoutMs: 1}}

  it('EKS\'s own security group and nodes go with the cluster, a stack\'s resources with the stack; an unowned security group and a bucket are for deletion by hand', () => {
    const clusterSg = found('other', 'arn:aws:ec2:us-east-1:1:security-group/sg-eks', {'aws:eks:cluster-name': 'demo', 'kubernetes.io/cluster/demo': 'owned'})
    const node = found('other', 'arn:aws:ec2:us-east-1:1:instance/i-1', {'eks:cluster-name': 'demo'})
    const stackSg = found('other', 'arn:aws:ec2:us-east-1:1:security-group/sg-stack', {'aws:cloudformation:stack-name': 'eksctl-demo-cluster'})
    const loose = found('other', 'arn:aws:ec2:us-east-1:1:security-group/sg-elb', {'kubernetes.io/cluster/demo': 'owned'})
    const otherClusters = found('other', 'arn:aws:ec2:us-east-1:1:security-group/sg-x', {'aws:eks:cluster-name': 'staging'})
    const bucket = found('s3-bucket', 'logs')
    const plan = planSweep([found('eks-cluster', 'demo'), found('eks-nodegroup', 'ng', {}, 'demo'), found('cloudformation-stack', 'eksctl-demo-cluster'), clusterSg, node, stackSg, loose, otherClusters, bucket], 'us-east-1', ports)
    expect(plan.withOwner.map(w => `${w.found.id} <- ${w.owner}`)).toEqual([
      'ng <- EKS cluster demo',
      `${clusterSg.id} <- EKS cluster demo`,
      `${node.id} <- EKS cluster demo`,
      `${stackSg.id} <- CloudFormation stack eksctl-demo-cluster`,
    ])
    expect(plan.manual.map(f => f.id)).toEqual(['logs', loose.id, otherClusters.id])
    expect(plan.actions.map(a => `${a.step.action} ${a.step.target}`)).toEqual([
      'eksctl delete cluster EKS cluster demo (us-east-1)',
      'CloudFormation DeleteStack eksctl-demo-cluster',
      'until deleted (DELETE_COMPLETE) eksctl-demo-cluster',
    ])
  })
})

/**
 * The final sweep against moto: resources created straight through the AWS APIs, never recorded in the
 * ledger, must be found by their tags (sentiops', eksctl's, Kubernetes') or by eksctl's stack names, and
 * deleted with --all-tagged. Every AWS request goes through a recording proxy, so what teardown did is read
 * from the calls moto received; eksctl and Kubernetes are contract fakes with their own call journals.
 */
describe('teardown sweep: moto via a recording proxy, eksctl (contract fake), Kubernetes (contract fake)', () => {
  let moto: Service
  let recorder: AwsRecorder
  let kube: FakeKubeApi
  let eksctl: Awaited<ReturnType<typeof installFakeEksctl>>
  let dir: string
  let cloud: CloudConfig
  let planted: Planted
  const saved = {...process.env}

  beforeAll(async () => {
    ;[moto, kube] = await Promise.all([startMoto(), new FakeKubeApi({readyAfterMs: 20, loadBalancerCleanupMs: 200}).start()])
    recorder = await startAwsRecorder(moto.url)
    dir = await mkdtemp(path.join(os.tmpdir(), 'sentiops-sweep-'))
    eksctl = await installFakeEksctl(dir)
    // eksctl talks to moto directly: the proxy records only what sentiops itself sends.
    Object.assign(process.env, AWS_ENV, {AWS_ENDPOINT_URL: moto.url, PATH: `${eksctl.binDir}${path.delimiter}${process.env.PATH}`})
    delete process.env.SENTIOPS_LEDGER_URI
    await kube.writeKubeconfig(path.join(dir, 'kubeconfig'))
    cloud = validateCloudConfig({endpoint_url: recorder.url, cluster: {name: 'demo', kubeconfig: path.join(dir, 'kubeconfig')}, artifacts: {bucket: 'demo-artifacts', prefix: 'sentiops/'}, deploy: {rollout_timeout_s: 5}})
    planted = await plantBehindTheLedger(moto.url)

    // What the ledger does know: the deployment, an ECR repository and the artifacts under the prefix.
    await deploy({cwd: dir, cloud, params: validateParams({}), image: '127.0.0.1:5000/sentiops:good1', pollMs: 20})
    await new ECRClient({...REGION, endpoint: moto.url}).send(new CreateRepositoryCommand({repositoryName: 'sentiops', tags: [{Key: 'sentiops.io/project', Value: 'sentiops'}]}))
    const ledger = await Ledger.open(path.join(dir, cloud.state_file), cloud.project)
    await ledger.confirm({type: 'ecr-repository', region: 'us-east-1', name: 'sentiops'})
    await new S3Client({...REGION, endpoint: moto.url, forcePathStyle: true}).send(new PutObjectCommand({Bucket: 'demo-artifacts', Key: 'sentiops/data/train.csv', Body: 'x'}))
  }, 120_000)

  afterAll(async () => {
    process.env = saved
    await Promise.allSettled([recorder?.stop(), kube?.stop(), moto?.stop(), dir && rm(dir, {recursive: true, force: true})])
  })

  /** Everything planted for cluster demo, as the sweep describes it (hand-written from the planted IDs). */
  function expectedFindings(): string[] {
    const o = planted.ours
    return [
      `ELBv2 load balancer ${o.loadBalancer} (tag kubernetes.io/cluster/demo=owned, tag kubernetes.io/service-name=sentiops/sentiment-api, ELBv2 DescribeTags)`,
      `ELBv2 target group ${o.targetGroup} (tag elbv2.k8s.aws/cluster=demo, ELBv2 DescribeTags)`,
      'EKS cluster demo (EKS ListClusters (cloud.cluster.name), EKS DescribeCluster tags)',
      'EKS nodegroup demo/ng-1 (EKS ListNodegroups)',
      'CloudFormation stack eksctl-demo-cluster (tag sentiops.io/project=sentiops, tag alpha.eksctl.io/cluster-name=demo, CloudFormation ListStacks eksctl-demo-*)',
      'CloudFormation stack eksctl-demo-nodegroup-ng-1 (tag sentiops.io/project=sentiops, tag alpha.eksctl.io/cluster-name=demo, CloudFormation ListStacks eksctl-demo-*)',
      `NAT gateway ${o.nat} (tag eksctl.cluster.k8s.io/v1alpha1/cluster-name=demo, EC2 DescribeNatGateways)`,
      // moto's tagging API does not cover Elastic IPs, ECR or EKS: those are found by the service calls only.
      `Elastic IP ${o.eip} (EC2 DescribeAddresses)`,
      `EBS volume ${o.volume} (tag kubernetes.io/cluster/demo=owned, EC2 DescribeVolumes)`,
      'ECR repository sentiops-ci (ECR DescribeRepositories)',
      // A kind sentiops does not delete itself, found by the tagging API only; it goes with its stack.
      `resource arn:aws:ec2:us-east-1:123456789012:security-group/${o.stackSecurityGroup} (tag sentiops.io/project=sentiops, tag alpha.eksctl.io/cluster-name=demo)`,
    ]
  }

  const ledgerSteps = [
    'kubernetes delete Service sentiops/sentiment-api',
    'wait until deleted (cloud load balancer released) Service sentiops/sentiment-api',
    'kubernetes delete ConfigMap sentiops/sentiment-api-dashboard',
    'kubernetes delete PodDisruptionBudget sentiops/sentiment-api',
    'kubernetes delete HorizontalPodAutoscaler sentiops/sentiment-api',
    'kubernetes delete Deployment sentiops/sentiment-api',
    'kubernetes delete ConfigMap sentiops/sentiment-api',
    'kubernetes delete Namespace sentiops',
    'wait until deleted Namespace sentiops',
    'aws ECR DeleteRepository (force, with its images) sentiops',
    'aws S3 DeleteObjects s3://demo-artifacts/sentiops/',
  ]
  const show = (s: PlanStep) => `${s.kind} ${s.action} ${s.target}`

  it('--dry-run: the ledger steps, then everything found outside the ledger by tag or stack name, decoys left out; nothing is changed (moto; Kubernetes contract fake)', async () => {
    const dry = await teardown({cwd: dir, cloud, dryRun: true})
    expect(dry.plan.map(show)).toEqual(ledgerSteps)
    expect(dry.discovered).toEqual(expectedFindings())
    expect(dry.kept).toEqual(expectedFindings())
    expect(recorder.writes()).toEqual([])
    expect(kube.journal.filter(j => j.verb === 'delete')).toEqual([])
  })

  it('--all-tagged --dry-run: the exact deletion plan in dependency order (a stack\'s security group and a cluster\'s nodegroup go with their owner) (moto; Kubernetes contract fake)', async () => {
    const dry = await teardown({cwd: dir, cloud, dryRun: true, allTagged: true})
    const o = planted.ours
    expect(dry.plan.map(show)).toEqual([
      ...ledgerSteps,
      `aws ELBv2 DeleteLoadBalancer ${o.loadBalancer}`,
      `wait until deleted (its network interfaces released) ${o.loadBalancer}`,
      `aws ELBv2 DeleteTargetGroup ${o.targetGroup}`,
      'command eksctl delete cluster EKS cluster demo (us-east-1)',
      'aws CloudFormation DeleteStack eksctl-demo-nodegroup-ng-1',
      'wait until deleted (DELETE_COMPLETE) eksctl-demo-nodegroup-ng-1',
      'aws CloudFormation DeleteStack eksctl-demo-cluster',
      'wait until deleted (DELETE_COMPLETE) eksctl-demo-cluster',
      `aws EC2 DeleteNatGateway ${o.nat}`,
      `wait until deleted (its Elastic IP released) ${o.nat}`,
      `aws EC2 ReleaseAddress ${o.eip}`,
      `aws EC2 DeleteVolume ${o.volume}`,
      'aws ECR DeleteRepository (force, with its images) sentiops-ci',
    ])
    expect(dry.plan.find(s => s.action === 'eksctl delete cluster')?.detail).toEqual({command: 'eksctl delete cluster --name demo --region us-east-1 --wait'})
    expect(dry.kept).toEqual([])
    expect(recorder.writes()).toEqual([])
  })

  it('without --all-tagged: deletes only what the ledger lists, and the final sweep reports the rest as still present (moto; Kubernetes contract fake)', async () => {
    const result = await teardown({cwd: dir, cloud, pollMs: 20})
    expect(result.failures).toEqual([])
    expect(result.remaining).toEqual(expectedFindings())
    // The calls moto received: only the ledger's two AWS deletes.
    expect(recorder.writes()).toEqual(['ECR DeleteRepository sentiops', 'S3 DeleteObjects demo-artifacts'])
    const ec2 = new EC2Client({...REGION, endpoint: moto.url})
    expect((await ec2.send(new DescribeVolumesCommand({VolumeIds: [planted.ours.volume]}))).Volumes).toHaveLength(1)
    ec2.destroy()
  })

  it('--all-tagged: the calls moto, eksctl and Kubernetes received are the dry-run plan, step for step; a second sweep finds nothing; decoys untouched (moto; eksctl and Kubernetes contract fakes)', async () => {
    // Put the ledger's share back, so this run has Kubernetes, ledger and sweep steps all at once.
    await deploy({cwd: dir, cloud, params: validateParams({}), image: '127.0.0.1:5000/sentiops:good1', pollMs: 20})
    await new S3Client({...REGION, endpoint: moto.url, forcePathStyle: true}).send(new PutObjectCommand({Bucket: 'demo-artifacts', Key: 'sentiops/data/test.csv', Body: 'y'}))
    const dry = await teardown({cwd: dir, cloud, dryRun: true, allTagged: true})
    const writesBefore = recorder.calls.length
    const kubeBefore = kube.journal.length
    const eksctlBefore = (await eksctl.calls()).length

    const result = await teardown({cwd: dir, cloud, allTagged: true, pollMs: 20})
    expect(result.failures).toEqual([])
    expect(result.remaining).toEqual([])

    // Each planned step, translated into the request it stands for, against what each fake received.
    const planned = dry.plan
    const awsWrites = recorder.calls.slice(writesBefore).filter(c => !/^(Describe|List|Get|Head)/.test(c.operation))
    const formatted = awsWrites.map(c => `${c.service} ${c.operation} ${c.target}`)
    const expectedAws = planned.filter(s => s.kind === 'aws').map(s => {
      const [service, operation] = s.action.split(' ')
      const target = service === 'S3' ? s.target.replace(/^s3:\/\/([^/]+)\/.*$/, '$1') : s.target
      return `${{ELBv2: 'elasticloadbalancing', CloudFormation: 'cloudformation', EC2: 'ec2', ECR: 'ecr', S3: 's3'}[service!]} ${operation} ${target}`
    })
    expect(formatted).toEqual(expectedAws)
    expect(awsWrites.every(c => c.status! < 300)).toBe(true)
    const kubeDeletes = kube.journal.slice(kubeBefore).filter(j => j.verb === 'delete').map(j => `kubernetes delete ${j.kind} ${j.namespace ? `${j.namespace}/` : ''}${j.name}`)
    expect(kubeDeletes).toEqual(planned.filter(s => s.kind === 'kubernetes').map(show))
    const eksctlCalls = (await eksctl.calls()).slice(eksctlBefore).map(a => `eksctl ${a.join(' ')}`)
    expect(eksctlCalls).toEqual(planned.filter(s => s.kind === 'command').map(s => s.detail!.command))
    // The steps the run reports are the ones carried out, and they are the plan.
    expect(result.plan.map(show)).toEqual(planned.map(show))

    // moto's own state: every planted resource of cluster demo is gone, the decoys are not.
    const inventory = new AwsInventory({region: 'us-east-1', endpoint: moto.url})
    expect(await discover(inventory, cloud, {keepBuckets: ['demo-artifacts']})).toEqual([])
    inventory.destroy()
    const ec2 = new EC2Client({...REGION, endpoint: moto.url})
    const volumes = (await ec2.send(new DescribeVolumesCommand({}))).Volumes!.map(v => v.VolumeId)
    expect(volumes).toEqual(expect.arrayContaining([planted.decoys.sharedVolume, planted.decoys.otherClusterVolume]))
    expect(volumes).not.toContain(planted.ours.volume)
    const groups = (await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups!.map(g => g.GroupId)
    expect(groups).not.toContain(planted.ours.stackSecurityGroup)
    ec2.destroy()
    const elb = new ElasticLoadBalancingV2Client({...REGION, endpoint: moto.url})
    expect((await elb.send(new DescribeLoadBalancersCommand({}))).LoadBalancers!.map(l => l.LoadBalancerArn)).toEqual([planted.decoys.otherLoadBalancer])
    elb.destroy()
    const ecr = new ECRClient({...REGION, endpoint: moto.url})
    expect((await ecr.send(new DescribeRepositoriesCommand({}))).repositories!.map(r => r.repositoryName)).toEqual(['someone-else'])
    ecr.destroy()
    const eks = new EKSClient({...REGION, endpoint: moto.url})
    expect((await eks.send(new DescribeClusterCommand({name: 'staging'}))).cluster?.name).toBe('staging')
    eks.destroy()
    const s3 = new S3Client({...REGION, endpoint: moto.url, forcePathStyle: true})
    expect((await s3.send(new ListObjectsV2Command({Bucket: 'demo-artifacts'}))).KeyCount).toBe(0)
    s3.destroy()
  })

  it('a real run reports the steps it carried out, not the plan: with Kubernetes unreachable the cluster is left, and its eksctl step is neither run nor reported (eksctl contract fake; moto)', async () => {
    const ledger = await Ledger.open(path.join(dir, cloud.state_file), cloud.project)
    await ledger.confirm({type: 'kubernetes', context: 'gone', apiVersion: 'v1', kind: 'Service', namespace: 'sentiops', name: 'sentiment-api', loadBalancer: true})
    await ledger.confirm({type: 'eks-cluster', region: 'us-east-1', name: 'kept'})
    const eksctlBefore = (await eksctl.calls()).length
    const dry = await teardown({cwd: dir, cloud, dryRun: true, sweep: false})
    const planned = [
      'kubernetes delete Service sentiops/sentiment-api',
      'wait until deleted (cloud load balancer released) Service sentiops/sentiment-api',
      'command eksctl delete cluster EKS cluster kept (us-east-1)',
      'aws S3 DeleteObjects s3://demo-artifacts/sentiops/',
    ]
    expect(dry.plan.map(show)).toEqual(planned)
    const result = await teardown({cwd: dir, cloud, sweep: false, pollMs: 20})
    expect(result.plan.map(show)).toEqual([planned[0], planned[1], planned[3]])
    expect(await eksctl.calls()).toHaveLength(eksctlBefore)
    expect(result.failures.at(-1)).toBe('EKS cluster kept (us-east-1): not deleted, because Kubernetes objects (LoadBalancers) could not be removed first')
    expect(result.failures[0]).toMatch(/^Service sentiops\/sentiment-api: kubeconfig \S+ has no context gone/)
  })
})
