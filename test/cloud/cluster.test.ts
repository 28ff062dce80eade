import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import {DescribeClusterCommand, DescribeNodegroupCommand, EKSClient} from '@aws-sdk/client-eks'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import YAML from 'yaml'
import {createCluster, deleteCluster, renderClusterConfig, validateClusterConfig} from '../../src/core/cloud/cluster.js'
import {validateCloudConfig, type CloudConfig} from '../../src/core/cloud/config.js'
import {Ledger} from '../../src/core/cloud/ledger.js'
import {ConfigError, ExternalError} from '../../src/core/errors.js'
import {silentReporter} from '../../src/core/reporter.js'
import {sentiops, tempProject} from '../support/cli.js'
import {installFakeEksctl} from '../support/ship-eksctl-fake.js'
import {startMoto, type Service} from '../support/ship-services.js'

const AWS_ENV = {AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1', AWS_EC2_METADATA_DISABLED: 'true'}

describe('cluster create/delete with eksctl (contract fake) and the EKS API (moto)', () => {
  let moto: Service
  let dir: string
  let cloud: CloudConfig
  let eksctl: Awaited<ReturnType<typeof installFakeEksctl>>
  const saved = {...process.env}
  const eks = () => new EKSClient({region: 'us-east-1', endpoint: moto.url})

  beforeAll(async () => {
    moto = await startMoto()
    dir = await mkdtemp(path.join(os.tmpdir(), 'sentiops-cluster-'))
    eksctl = await installFakeEksctl(dir)
    Object.assign(process.env, AWS_ENV, {AWS_ENDPOINT_URL: moto.url, PATH: `${eksctl.binDir}${path.delimiter}${process.env.PATH}`})
    cloud = validateCloudConfig({
      endpoint_url: moto.url,
      cluster: {name: 'sentiops-test', instance_types: ['m6i.large', 'm5.large'], min_size: 2, desired_size: 2, max_size: 4, kubeconfig: 'kubeconfig'},
    })
  })

  afterAll(async () => {
    process.env = saved
    await moto?.stop()
    await rm(dir, {recursive: true, force: true})
  })

  it('renders a ClusterConfig that eksctl\'s schema accepts, from the cloud settings', async () => {
    const config = (await renderClusterConfig(cloud)) as any
    expect(config.metadata).toEqual({name: 'sentiops-test', region: 'us-east-1', version: '1.32', tags: {'sentiops.io/project': 'sentiops', 'sentiops.io/created-by': 'sentiops'}})
    expect(config.iam.withOIDC).toBe(true)
    expect(config.managedNodeGroups[0]).toMatchObject({instanceTypes: ['m6i.large', 'm5.large'], minSize: 2, maxSize: 4, desiredCapacity: 2})
  })

  it('the schema check is real: an unknown field or a wrong type is refused with the key path', async () => {
    const config = (await renderClusterConfig(cloud)) as any
    await expect(validateClusterConfig({...config, managedNodeGroups: [{...config.managedNodeGroups[0], minSize: 'two'}]})).rejects.toThrow(ConfigError)
    await expect(validateClusterConfig({...config, managedNodeGroups: [{...config.managedNodeGroups[0], minSize: 'two'}]})).rejects.toThrow(/managedNodeGroups\.0\.minSize/)
    await expect(validateClusterConfig({...config, metadta: {}})).rejects.toThrow(/metadta/)
  })

  it('--dry-run shows the config and the exact commands and runs nothing (eksctl contract fake)', async () => {
    const result = await createCluster({cwd: dir, cloud, dryRun: true})
    expect(result.plan.map(s => s.detail?.command).filter(Boolean)).toEqual([
      `eksctl create cluster --config-file ${path.join(dir, '.sentiops', 'eksctl-sentiops-test.yaml')} --timeout 40m`,
      `eksctl utils write-kubeconfig --cluster sentiops-test --region us-east-1 --kubeconfig ${path.join(dir, 'kubeconfig')}`,
    ])
    expect(await eksctl.calls()).toEqual([])
  })

  it('creates the cluster (ledger first), writes the kubeconfig, and a second create leaves it alone (eksctl contract fake, moto)', async () => {
    const result = await createCluster({cwd: dir, cloud, reporter: silentReporter})
    expect(result.changed).toBe(true)
    const {cluster} = await eks().send(new DescribeClusterCommand({name: 'sentiops-test'}))
    expect(cluster?.tags).toMatchObject({'sentiops.io/created-by': 'sentiops'})
    const {nodegroup} = await eks().send(new DescribeNodegroupCommand({clusterName: 'sentiops-test', nodegroupName: 'sentiops-test-workers'}))
    expect(nodegroup?.scalingConfig).toEqual({minSize: 2, maxSize: 4, desiredSize: 2})
    const written = YAML.parse(await readFile(path.join(dir, '.sentiops', 'eksctl-sentiops-test.yaml'), 'utf8'))
    expect(written.metadata.name).toBe('sentiops-test')
    expect(YAML.parse(await readFile(path.join(dir, 'kubeconfig'), 'utf8'))['current-context']).toMatch(/sentiops-test/)
    const ledger = await Ledger.open(path.join(dir, '.sentiops/state.json'), 'sentiops')
    expect(ledger.entries).toMatchObject([{type: 'eks-cluster', name: 'sentiops-test', region: 'us-east-1', state: 'created'}])

    const again = await createCluster({cwd: dir, cloud})
    expect(again.changed).toBe(false)
    expect((await eksctl.calls()).filter(c => c[0] === 'create')).toHaveLength(1)
  })

  it('delete removes the cluster and its ledger entry; deleting again is a no-op (eksctl contract fake, moto)', async () => {
    expect((await deleteCluster({cwd: dir, cloud})).changed).toBe(true)
    await expect(eks().send(new DescribeClusterCommand({name: 'sentiops-test'}))).rejects.toThrow(/not found|No cluster/i)
    expect((await Ledger.open(path.join(dir, '.sentiops/state.json'), 'sentiops')).entries).toEqual([])
    expect((await deleteCluster({cwd: dir, cloud})).changed).toBe(false)
  })

  it('eksctl missing: one line naming it and how to install; the ledger keeps the attempt for teardown (moto)', async () => {
    const other = validateCloudConfig({...cloud, cluster: {...cloud.cluster, name: 'no-eksctl'}})
    const pathBefore = process.env.PATH
    process.env.PATH = '/nonexistent'
    try {
      const error = await createCluster({cwd: dir, cloud: other}).catch(e => e)
      expect(error).toBeInstanceOf(ExternalError)
      expect(error.exitCode).toBe(4)
      expect(error.message).toMatch(/^eksctl not found on PATH/)
      expect(error.suggestions.join(' ')).toMatch(/eksctl\.io/)
    } finally {
      process.env.PATH = pathBefore
    }
    const ledger = await Ledger.open(path.join(dir, '.sentiops/state.json'), 'sentiops')
    expect(ledger.entries).toMatchObject([{type: 'eks-cluster', name: 'no-eksctl', state: 'pending'}])
    await ledger.remove({type: 'eks-cluster', region: 'us-east-1', name: 'no-eksctl'})
  })
})

describe('cluster create --dry-run through the real binary', () => {
  it('stdout is one valid YAML document, the ClusterConfig eksctl\'s schema accepts; the plan rides along as comments', async () => {
    const project = await tempProject('sentiops-cluster-cli-')
    try {
      await writeFile(path.join(project, 'params.yaml'), 'cloud:\n  region: eu-west-1\n  cluster: {name: demo}\n')
      const r = sentiops(['cluster', 'create', '--dry-run'], {cwd: project, env: AWS_ENV})
      expect(r.code, r.stderr).toBe(0)
      const docs = YAML.parseAllDocuments(r.stdout)
      expect(docs).toHaveLength(1)
      expect(docs[0]!.errors).toEqual([])
      const config = docs[0]!.toJS()
      expect(config).toMatchObject({apiVersion: 'eksctl.io/v1alpha5', kind: 'ClusterConfig', metadata: {name: 'demo', region: 'eu-west-1'}})
      await validateClusterConfig(config)
      expect(r.stdout).toMatch(/^# +\$ eksctl create cluster --config-file \S+eksctl-demo\.yaml --timeout 40m$/m)
    } finally {
      await rm(project, {recursive: true, force: true})
    }
  })
})
